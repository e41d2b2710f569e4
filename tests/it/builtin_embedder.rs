//! The built-in static embedder: tokenizer parity with the reference `tokenizers`
//! implementation, golden vectors, semantic sanity and paraphrase-search accuracy on
//! the demo export.

use std::collections::HashMap;
use std::path::PathBuf;

use memlens::embed::Embedder;
use memlens::embed::builtin::{BuiltinEmbedder, DIMENSION, MODEL_ID};
use serde::Deserialize;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn embedder() -> BuiltinEmbedder {
    BuiltinEmbedder::new().expect("the compiled-in table loads")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[derive(Deserialize)]
struct ParityCase {
    text: String,
    ids: Vec<u32>,
}

#[test]
fn tokenizer_matches_reference_ids() {
    let e = embedder();
    let cases: Vec<ParityCase> = read("tests/fixtures/wordpiece/parity.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line is JSON"))
        .collect();
    assert!(cases.len() >= 300, "fixture has {} sentences", cases.len());
    let mismatches: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = e.tokenizer().encode(&c.text);
            (got != c.ids).then(|| format!("{:?}\n  want {:?}\n  got  {:?}", c.text, c.ids, got))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} sentences differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
    for c in &cases {
        assert_eq!(e.count_tokens(&c.text), c.ids.len(), "{:?}", c.text);
    }
}

#[derive(Deserialize)]
struct Golden {
    text: String,
    tokens: usize,
    first8: Vec<f32>,
    sum: f32,
    norm: f32,
}

#[test]
fn golden_vectors_are_reproduced() {
    let e = embedder();
    let golden: Vec<Golden> =
        serde_json::from_str(&read("tests/fixtures/builtin-golden.json")).expect("golden JSON");
    assert!(!golden.is_empty());
    for g in golden {
        let v = e.embed_one(&g.text).expect("embeds");
        assert_eq!(v.len(), DIMENSION);
        assert_eq!(e.count_tokens(&g.text), g.tokens, "{:?}", g.text);
        for (i, (got, want)) in v.iter().zip(&g.first8).enumerate() {
            assert!(
                (got - want).abs() < 1e-5,
                "{:?}[{i}]: {got} vs {want}",
                g.text
            );
        }
        let sum: f32 = v.iter().sum();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!(
            (sum - g.sum).abs() < 1e-4,
            "{:?} sum {sum} vs {}",
            g.text,
            g.sum
        );
        assert!((norm - g.norm).abs() < 1e-5, "{:?} norm {norm}", g.text);
    }
}

#[test]
fn identity_and_determinism() {
    let e = embedder();
    assert_eq!(e.model_id(), MODEL_ID);
    assert_eq!(e.dimension(), 128);
    assert!(e.label().contains("offline"));
    let a = e.embed_one("Dentist appointment on Tuesday").unwrap();
    let b = e.embed_one("Dentist appointment on Tuesday").unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|x| x.is_finite()));
}

#[test]
fn meaning_beats_unrelated_topics() {
    let e = embedder();
    let pairs = [
        ("teeth cleaning", "dentist appointment", "marathon training"),
        ("jogging in the park", "morning run", "tax return paperwork"),
        (
            "buying vegetables",
            "grocery shopping list",
            "car engine repair",
        ),
        (
            "flight to Paris",
            "airport and plane tickets",
            "piano lesson",
        ),
        (
            "feeling anxious at work",
            "stress and therapy",
            "chocolate cake recipe",
        ),
    ];
    for (q, near, far) in pairs {
        let qv = e.embed_one(q).unwrap();
        let (n, f) = (
            cosine(&qv, &e.embed_one(near).unwrap()),
            cosine(&qv, &e.embed_one(far).unwrap()),
        );
        assert!(n > f + 0.1, "{q:?}: {near:?} {n:.3} vs {far:?} {f:.3}");
    }
}

#[tokio::test]
async fn batch_embedding_keeps_order_and_reports_empty_texts() {
    let e = embedder();
    let texts = vec!["first text".to_string(), "second one".to_string()];
    let out = e.embed(&texts).await.unwrap();
    assert_eq!(
        out,
        vec![
            e.embed_one("first text").unwrap(),
            e.embed_one("second one").unwrap()
        ]
    );
    let err = e
        .embed(&["ok".to_string(), "  ".to_string()])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("text 2") && err.contains("empty"), "{err}");
    assert!(e.embed_one("🙂🙃").unwrap().iter().all(|x| x.is_finite()));
}

/// Bag-of-words cosine over lowercase alphanumeric words: what a lexical embedder sees.
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

fn overlap_cosine(a: &HashMap<String, f32>, b: &HashMap<String, f32>) -> f32 {
    let dot: f32 = a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum();
    let na = a.values().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Regression floors for paraphrase top-1 on the demo export. The project's target is
/// 80%, which the static table does not reach on the revised 44-query set: there the
/// full all-MiniLM-L6-v2 model finds 41/44 (93%) and the shipped table 25/44 (57%); the
/// full model itself, cut to the table's 128 principal dimensions, finds 36/44. On the
/// held-out sets (not optimised for, but seen while recipes were compared, so validation
/// sets) the table finds 18/21 (A) and 16/21 (B), the full model 19/21 and 18/21 (`scripts/distill_static.py --eval --eval-full`; see
/// assets/MODEL_CARD.md). The floors sit just under the measured figures so that a
/// worse table or tokenizer fails.
const MIN_TOP1_PERCENT: f64 = 56.0;
/// Floor for held-out set A (measured 18/21).
const MIN_HELDOUT_A_TOP1_PERCENT: f64 = 85.0;
/// Floor for held-out set B (measured 16/21).
const MIN_HELDOUT_B_TOP1_PERCENT: f64 = 76.0;

/// Rank of `target` among `scores` (0 = best), ties counted against it.
fn rank_of(scores: &[f32], target: usize) -> usize {
    scores
        .iter()
        .enumerate()
        .filter(|&(i, s)| i != target && *s >= scores[target])
        .count()
}

#[derive(Deserialize)]
struct ParaphraseQuery {
    query: String,
    memory_id: String,
}

/// The memories of the demo export, embedded and as word counts.
struct Corpus<'a> {
    ids: &'a [String],
    texts: &'a [String],
    vecs: &'a [Vec<f32>],
    words: &'a [HashMap<String, f32>],
}

/// Top-1 of the built-in embedder and of word overlap on one query set.
struct Scores {
    n: usize,
    top1: usize,
    lexical: usize,
}

impl Scores {
    fn top1_percent(&self) -> f64 {
        100.0 * self.top1 as f64 / self.n as f64
    }
}

fn score_queries(
    e: &BuiltinEmbedder,
    corpus: &Corpus<'_>,
    label: &str,
    queries: &[ParaphraseQuery],
) -> Scores {
    let (mut top1, mut top3, mut lexical) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for q in queries {
        let target = corpus
            .ids
            .iter()
            .position(|id| *id == q.memory_id)
            .unwrap_or_else(|| panic!("query target {} is not a kept memory", q.memory_id));
        let qv = e.embed_one(&q.query).unwrap();
        let scores: Vec<f32> = corpus.vecs.iter().map(|m| cosine(&qv, m)).collect();
        let rank = rank_of(&scores, target);
        top3 += usize::from(rank < 3);
        if rank == 0 {
            top1 += 1;
        } else {
            let best = (0..scores.len())
                .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                .unwrap_or(0);
            misses.push(format!(
                "  {:?} -> got {:?}",
                q.query,
                corpus.texts[best].lines().next()
            ));
        }
        let qw = word_counts(&q.query);
        let lex: Vec<f32> = corpus
            .words
            .iter()
            .map(|m| overlap_cosine(&qw, m))
            .collect();
        lexical += usize::from(rank_of(&lex, target) == 0);
    }
    let n = queries.len();
    let scores = Scores { n, top1, lexical };
    println!(
        "{label} top-1 over {} memories: built-in {top1}/{n} ({:.1}%, top-3 {top3}/{n}), \
         word overlap {lexical}/{n} ({:.1}%)",
        corpus.ids.len(),
        scores.top1_percent(),
        100.0 * lexical as f64 / n as f64
    );
    if !misses.is_empty() {
        println!("built-in misses ({label}):\n{}", misses.join("\n"));
    }
    scores
}

#[test]
fn paraphrase_search_accuracy_on_demo_export() {
    let export: serde_json::Value =
        serde_json::from_str(&read("assets/demo-export.json")).expect("demo export is JSON");
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for conv in export["conversations"]
        .as_array()
        .expect("conversations array")
    {
        if conv["discarded"].as_bool() == Some(true) {
            continue;
        }
        let s = &conv["structured"];
        let title = s["title"].as_str().unwrap_or_default();
        let overview = s["overview"].as_str().unwrap_or_default();
        if title.trim().is_empty() && overview.trim().is_empty() {
            continue; // processing/failed records with an empty `structured`: nothing to embed
        }
        ids.push(conv["id"].as_str().expect("conversation id").to_string());
        texts.push(format!("{title}\n{overview}"));
    }
    let queries: Vec<ParaphraseQuery> =
        serde_json::from_str(&read("tests/fixtures/paraphrase-queries.json")).expect("queries");
    let title_queries: Vec<ParaphraseQuery> =
        serde_json::from_str(&read("tests/fixtures/title-queries.json")).expect("title queries");
    assert!(queries.len() >= 40, "{} queries", queries.len());

    let e = embedder();
    let memory_vecs: Vec<Vec<f32>> = texts.iter().map(|t| e.embed_one(t).unwrap()).collect();
    let memory_words: Vec<_> = texts.iter().map(|t| word_counts(t)).collect();
    let corpus = Corpus {
        ids: &ids,
        texts: &texts,
        vecs: &memory_vecs,
        words: &memory_words,
    };
    let revised = score_queries(&e, &corpus, "paraphrase", &queries);
    assert!(
        revised.top1_percent() >= MIN_TOP1_PERCENT,
        "built-in top-1 {}/{} is under {MIN_TOP1_PERCENT}%",
        revised.top1,
        revised.n
    );
    assert!(
        revised.top1 > revised.lexical,
        "built-in {} does not beat word overlap {}",
        revised.top1,
        revised.lexical
    );
    for (label, file, floor) in [
        (
            "held-out A paraphrase",
            "tests/fixtures/heldout-paraphrase-queries.json",
            MIN_HELDOUT_A_TOP1_PERCENT,
        ),
        (
            "held-out B paraphrase",
            "tests/fixtures/heldout-b-paraphrase-queries.json",
            MIN_HELDOUT_B_TOP1_PERCENT,
        ),
    ] {
        let heldout_queries: Vec<ParaphraseQuery> =
            serde_json::from_str(&read(file)).expect("held-out queries");
        assert!(
            heldout_queries.len() >= 20,
            "{label}: {} queries",
            heldout_queries.len()
        );
        let heldout = score_queries(&e, &corpus, label, &heldout_queries);
        assert!(
            heldout.top1_percent() >= floor,
            "{label}: built-in top-1 {}/{} is under {floor}%",
            heldout.top1,
            heldout.n
        );
        assert!(
            heldout.top1 > heldout.lexical,
            "{label}: built-in {} does not beat word overlap {}",
            heldout.top1,
            heldout.lexical
        );
    }

    // Queries made of title words: the lexical case must stay easy.
    let title_hits = title_queries
        .iter()
        .filter(|q| {
            let target = ids.iter().position(|id| *id == q.memory_id);
            let qv = e.embed_one(&q.query).unwrap();
            let scores: Vec<f32> = memory_vecs.iter().map(|m| cosine(&qv, m)).collect();
            target.is_some_and(|t| rank_of(&scores, t) == 0)
        })
        .count();
    println!(
        "title-word queries top-1: {title_hits}/{}",
        title_queries.len()
    );
    assert!(
        title_hits * 10 >= title_queries.len() * 9,
        "title-word queries: {title_hits}/{} top-1",
        title_queries.len()
    );
}
