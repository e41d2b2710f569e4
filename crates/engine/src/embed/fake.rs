//! `FakeEmbedder`: a **test fake**, not a language model. It maps a text to a vector by
//! hashing its words (each lower-cased word seeds a pseudo-random direction; the text's
//! vector is their normalised sum), so the same text always gives the same vector and
//! texts sharing words are closer than texts that share none. Use it for headless tests
//! of the rest of memlens; it never touches the network.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use super::{EmbedError, Embedder};

/// Deterministic word-hash embedder for tests. Counts its calls and texts.
#[derive(Debug)]
pub struct FakeEmbedder {
    model: String,
    dim: usize,
    latency: Option<Duration>,
    calls: AtomicUsize,
    texts: AtomicUsize,
    fail_next: Mutex<Option<String>>,
}

impl FakeEmbedder {
    /// A fake with `dim` dimensions (at least 1) and model id `fake-hash-{dim}`.
    pub fn new(dim: usize) -> Self {
        let dim = dim.max(1);
        Self {
            model: format!("fake-hash-{dim}"),
            dim,
            latency: None,
            calls: AtomicUsize::new(0),
            texts: AtomicUsize::new(0),
            fail_next: Mutex::new(None),
        }
    }

    /// Report this model id instead (e.g. to pose as `text-embedding-3-large`).
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sleep this long in every `embed` call (to test progress and cancellation).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// Make the next `embed` call fail with [`EmbedError::Unavailable`] and this message.
    pub fn fail_next(&self, message: impl Into<String>) {
        if let Ok(mut slot) = self.fail_next.lock() {
            *slot = Some(message.into());
        }
    }

    /// `embed` calls so far (failed ones included).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Texts embedded so far (successful calls only).
    pub fn texts_embedded(&self) -> usize {
        self.texts.load(Ordering::Relaxed)
    }

    /// The vector of one text (what `embed` returns for it).
    pub fn vector(&self, text: &str) -> Vec<f32> {
        let mut acc = vec![0f64; self.dim];
        let mut any = false;
        for word in words(text) {
            any = true;
            add_direction(&mut acc, fnv1a(word.as_bytes()));
        }
        if !any {
            // No words (empty or only punctuation): a direction of its own per text.
            add_direction(&mut acc, fnv1a(text.as_bytes()) ^ 0x9e37_79b9_7f4a_7c15);
        }
        let norm = acc.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            acc.iter().map(|x| (x / norm) as f32).collect()
        } else {
            // Opposite words cancelled exactly (vanishingly unlikely): any unit vector.
            let mut v = vec![0.0; self.dim];
            v[0] = 1.0;
            v
        }
    }
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

fn add_direction(acc: &mut [f64], seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    for a in acc.iter_mut() {
        *a += rng.f64() * 2.0 - 1.0;
    }
}

/// 64-bit FNV-1a: stable across runs, platforms and Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[async_trait]
impl Embedder for FakeEmbedder {
    fn model_id(&self) -> &str {
        &self.model
    }

    fn dimension(&self) -> usize {
        self.dim
    }

    fn label(&self) -> String {
        format!(
            "test fake ({}, {} dims): hashed words, not a language model",
            self.model, self.dim
        )
    }

    /// Words, the fake's notion of a token.
    fn count_tokens(&self, text: &str) -> usize {
        words(text).count()
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(latency) = self.latency {
            tokio::time::sleep(latency).await;
        }
        let failure = self.fail_next.lock().ok().and_then(|mut slot| slot.take());
        if let Some(message) = failure {
            return Err(EmbedError::Unavailable(message));
        }
        self.texts.fetch_add(texts.len(), Ordering::Relaxed);
        Ok(texts.iter().map(|t| self.vector(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[tokio::test]
    async fn deterministic_normalised_and_counted() {
        let f = FakeEmbedder::new(64);
        let texts = vec!["Dinner with Anna".to_string(), "".to_string()];
        let a = f.embed(&texts).await.unwrap();
        let b = FakeEmbedder::new(64).embed(&texts).await.unwrap();
        assert_eq!(a, b);
        for v in &a {
            assert_eq!(v.len(), 64);
            let n: f32 = v.iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
        assert_eq!(f.calls(), 1);
        assert_eq!(f.texts_embedded(), 2);
        assert_eq!(f.count_tokens("Dinner, with Anna!"), 3);
    }

    #[test]
    fn shared_words_are_closer() {
        let f = FakeEmbedder::new(256);
        let a = f.vector("hiking trip in the alps with Anna");
        let b = f.vector("hiking with Anna");
        let c = f.vector("quarterly budget review meeting");
        assert!(cos(&a, &b) > cos(&a, &c) + 0.2);
        assert_eq!(f.vector("Hiking, ANNA"), f.vector("hiking anna"));
    }

    #[tokio::test]
    async fn injected_failure_happens_once() {
        let f = FakeEmbedder::new(8).with_model("text-embedding-3-large");
        assert_eq!(f.model_id(), "text-embedding-3-large");
        assert!(f.label().contains("test fake"));
        f.fail_next("boom");
        let e = f.embed(&["x".into()]).await.unwrap_err();
        assert!(e.to_string().contains("boom"));
        assert!(f.embed(&["x".into()]).await.is_ok());
        assert_eq!((f.calls(), f.texts_embedded()), (2, 1));
    }
}
