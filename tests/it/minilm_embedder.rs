//! The built-in all-MiniLM-L6-v2 embedder (the offline default): golden vectors against
//! the reference implementation, and paraphrase-search accuracy on the demo export beside
//! the static table and word overlap. These run the real model (kept to two tests: the
//! model's crates build at opt-level 3 in the test profile, so they take seconds).

use std::collections::HashMap;
use std::path::PathBuf;

use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::embed::minilm::{DIMENSION, MODEL_ID, MiniLmEmbedder};
use serde::Deserialize;

fn read(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[derive(Deserialize)]
struct Golden {
    text: String,
    tokens: usize,
    vector: Vec<f32>,
}

/// 20 sentences (7 to 181 word pieces, accents, emoji, a one-token text) against the
/// vectors sentence-transformers computed once (`scripts/minilm_golden.py`, fp32 CPU,
/// committed in `tests/fixtures/minilm-golden.json`). The bar is cosine ≥ 0.999 each;
/// the shipped f16 weights measure ≥ 0.99999.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_vectors_match_sentence_transformers() {
    let e = MiniLmEmbedder::new().expect("the compiled-in model loads");
    assert_eq!((e.model_id(), e.dimension()), (MODEL_ID, DIMENSION));
    assert_eq!(e.window_tokens(), Some(256));
    let golden: Vec<Golden> =
        serde_json::from_str(&read("tests/fixtures/minilm-golden.json")).expect("golden JSON");
    assert_eq!(golden.len(), 20);
    let texts: Vec<String> = golden.iter().map(|g| g.text.clone()).collect();
    let got = e.embed(&texts).await.expect("embeds");
    let mut worst = (1.0f32, "");
    for (g, v) in golden.iter().zip(&got) {
        assert_eq!(e.count_tokens(&g.text), g.tokens, "{:?}", g.text);
        assert_eq!(v.len(), DIMENSION);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{:?}: norm {norm}", g.text);
        let c = cosine(v, &g.vector);
        assert!(c >= 0.999, "{:?}: cosine {c} with the reference", g.text);
        if c < worst.0 {
            worst = (c, &g.text);
        }
    }
    println!("golden: worst cosine {:.6} ({:?})", worst.0, worst.1);
    // One at a time gives the same vectors as the batch (padding never leaks in).
    let alone = e.embed(&texts[..1]).await.unwrap();
    assert!(cosine(&alone[0], &got[0]) > 0.99999);
}

#[derive(Deserialize)]
struct ParaphraseQuery {
    query: String,
    memory_id: String,
}

fn word_counts(text: &str) -> HashMap<String, f32> {
    let mut counts = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(w.to_lowercase()).or_insert(0.0) += 1.0;
    }
    counts
}

fn overlap(a: &HashMap<String, f32>, b: &HashMap<String, f32>) -> f32 {
    let dot: f32 = a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum();
    let na = a.values().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// True when `target` scores strictly above every other memory (ties count against it).
fn first(scores: &[f32], target: usize) -> bool {
    scores
        .iter()
        .enumerate()
        .all(|(i, s)| i == target || *s < scores[target])
}

/// Top-1 on the three committed paraphrase sets over the demo export's 323 embeddable
/// memories (`title + "\n" + overview`, as `tests/it/builtin_embedder.rs`). Floors: the
/// issue's targets, ≥ 40/44, ≥ 19/21 and ≥ 18/21 (measured: 41/44, 19/21, 18/21; the
/// static table 25/44, 18/21, 16/21).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paraphrase_accuracy_beats_the_static_table() {
    let export: serde_json::Value =
        serde_json::from_str(&read("assets/demo-export.json")).expect("demo export is JSON");
    let (mut ids, mut texts) = (Vec::new(), Vec::new());
    for conv in export["conversations"].as_array().expect("conversations") {
        if conv["discarded"].as_bool() == Some(true) {
            continue;
        }
        let s = &conv["structured"];
        let title = s["title"].as_str().unwrap_or_default();
        let overview = s["overview"].as_str().unwrap_or_default();
        if title.trim().is_empty() && overview.trim().is_empty() {
            continue;
        }
        ids.push(conv["id"].as_str().expect("id").to_string());
        texts.push(format!("{title}\n{overview}"));
    }
    let minilm = MiniLmEmbedder::new().unwrap();
    let table = BuiltinEmbedder::new().unwrap();
    let memory_vecs = minilm.embed(&texts).await.unwrap();
    let table_vecs = table.embed(&texts).await.unwrap();
    let memory_words: Vec<_> = texts.iter().map(|t| word_counts(t)).collect();
    for (file, floor) in [
        ("tests/fixtures/paraphrase-queries.json", 40),
        ("tests/fixtures/heldout-paraphrase-queries.json", 19),
        ("tests/fixtures/heldout-b-paraphrase-queries.json", 18),
    ] {
        let queries: Vec<ParaphraseQuery> = serde_json::from_str(&read(file)).unwrap();
        let texts: Vec<String> = queries.iter().map(|q| q.query.clone()).collect();
        let qm = minilm.embed(&texts).await.unwrap();
        let qt = table.embed(&texts).await.unwrap();
        let (mut hits, mut table_hits, mut lexical) = (0, 0, 0);
        let mut misses = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            let target = ids
                .iter()
                .position(|id| *id == q.memory_id)
                .unwrap_or_else(|| panic!("{} is not an embeddable memory", q.memory_id));
            let score = |qv: &[f32], vs: &[Vec<f32>]| -> Vec<f32> {
                vs.iter().map(|m| cosine(qv, m)).collect()
            };
            if first(&score(&qm[i], &memory_vecs), target) {
                hits += 1;
            } else {
                misses.push(q.query.as_str());
            }
            table_hits += usize::from(first(&score(&qt[i], &table_vecs), target));
            let qw = word_counts(&q.query);
            let lex: Vec<f32> = memory_words.iter().map(|m| overlap(&qw, m)).collect();
            lexical += usize::from(first(&lex, target));
        }
        let n = queries.len();
        println!(
            "{file}: all-MiniLM-L6-v2 {hits}/{n}, static table {table_hits}/{n}, word overlap \
             {lexical}/{n}; misses {misses:?}"
        );
        assert!(hits >= floor, "{file}: {hits}/{n} top-1, floor {floor}");
        assert!(
            hits >= table_hits,
            "{file}: the model {hits} < the table {table_hits}"
        );
    }
}

/// all-MiniLM-L6-v2 vectors are zero at the same dimensions whatever the text, in this
/// embedder and in sentence-transformers' reference vectors: the vector view judges zeros
/// against [`memlens::embed::minilm::STRUCTURAL_ZERO_DIMS`], so these must be exactly the
/// model's (a healthy vector is never flagged, a zero elsewhere is).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structural_zero_dimensions_are_the_models() {
    use memlens::embed::minilm::STRUCTURAL_ZERO_DIMS;
    let structural = |i: usize| STRUCTURAL_ZERO_DIMS.contains(&i);
    let golden: Vec<Golden> =
        serde_json::from_str(&read("tests/fixtures/minilm-golden.json")).expect("golden JSON");
    // The reference: zero (|x| < 1e-6) at every structural dimension, nowhere else.
    for g in &golden {
        for (i, x) in g.vector.iter().enumerate() {
            assert_eq!(x.abs() < 1e-6, structural(i), "{:?}: dim {i} = {x}", g.text);
        }
    }
    // This embedder on texts of every length: 127 and 223 exactly 0.0, never another
    // exact zero.
    let e = MiniLmEmbedder::new().expect("the compiled-in model loads");
    let mut texts: Vec<String> = golden.iter().map(|g| g.text.clone()).collect();
    texts.extend(["x", "🎸", "Call the lender back about the rate lock"].map(String::from));
    for (t, v) in texts.iter().zip(e.embed(&texts).await.expect("embeds")) {
        let zeros: Vec<usize> = (0..v.len()).filter(|i| v[*i] == 0.0).collect();
        assert_eq!(zeros, [127, 223], "{t:?}");
        assert!(zeros.iter().all(|i| structural(*i)));
    }
}
