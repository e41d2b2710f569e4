//! The local index's search (an int8 scan, then an exact re-score of the rows its error
//! bound cannot rule out) returns exactly what the plain f32 scan returns: the same rows
//! in the same order with bit-identical scores. Property-tested over random, clustered,
//! duplicated, sparse and zero vectors, filters that match all, few or no rows, and k
//! beyond the matches; then on the demo export embedded by the built-in embedder.

use std::path::Path;

use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::omi::text::{TextFormat, render};
use memlens::store::local::index::{NsIndex, normalised};
use memlens::store::{Filter, MetaValue, Metadata};
use proptest::prelude::*;

/// How the stored vectors are drawn.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Uniform in [-0.5, 0.5)^dim.
    Random,
    /// A few centres with small noise: many scores within the quantisation error of the
    /// k-th best.
    Clustered,
    /// Half the rows are exact copies of earlier rows: exact ties.
    Duplicates,
    /// Mostly zeros with a few large values (int8 scales set by one outlier).
    Sparse,
    /// Random rows mixed with all-zero rows (score exactly 0 for every query).
    WithZeros,
}

fn random_vec(rng: &mut fastrand::Rng, dim: usize) -> Vec<f32> {
    (0..dim).map(|_| rng.f32() - 0.5).collect()
}

fn meta(i: usize) -> Metadata {
    let uid = match i % 23 {
        0 => MetaValue::String("rare".into()),
        1 => MetaValue::List(vec!["x".into(), "a".into()]),
        2 => MetaValue::Number(7.0),
        _ => MetaValue::String("a".into()),
    };
    Metadata::from([
        ("uid".to_string(), uid),
        ("n".to_string(), MetaValue::Number((i % 10) as f64)),
    ])
}

/// An index of `n` rows and a few queries for it (random, a stored row, a centre, zero).
fn build(shape: Shape, n: usize, dim: usize, seed: u64) -> (NsIndex, Vec<Vec<f32>>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let centres: Vec<Vec<f32>> = (0..3).map(|_| random_vec(&mut rng, dim)).collect();
    let mut rows: Vec<Vec<f32>> = Vec::with_capacity(n);
    for i in 0..n {
        let v = match shape {
            Shape::Random => random_vec(&mut rng, dim),
            Shape::Clustered => {
                let c = &centres[rng.usize(..centres.len())];
                c.iter().map(|x| x + (rng.f32() - 0.5) * 0.02).collect()
            }
            Shape::Duplicates if i > 0 && rng.bool() => rows[rng.usize(..i)].clone(),
            Shape::Duplicates => random_vec(&mut rng, dim),
            Shape::Sparse => {
                let mut v = vec![0f32; dim];
                for _ in 0..3 {
                    v[rng.usize(..dim)] = rng.f32() * 4.0 - 2.0;
                }
                v[rng.usize(..dim)] += 1e-3;
                v
            }
            Shape::WithZeros if rng.u8(..4) == 0 => vec![0f32; dim],
            Shape::WithZeros => random_vec(&mut rng, dim),
        };
        rows.push(v);
    }
    let mut ix = NsIndex::with_capacity(dim, n);
    for (i, v) in rows.iter().enumerate() {
        ix.upsert(&format!("r{i}"), v, meta(i));
    }
    // Edits move rows (remove swaps the last row in) and replace values.
    for i in (0..n).step_by(11) {
        ix.remove(&format!("r{i}"));
    }
    for i in (5..n).step_by(13) {
        let v = random_vec(&mut rng, dim);
        ix.upsert(&format!("r{i}"), &v, meta(i));
    }
    let mut queries = vec![
        normalised(&random_vec(&mut rng, dim)),
        normalised(&centres[0]),
        vec![0f32; dim],
    ];
    if !ix.is_empty() {
        queries.push(ix.unit_vector(rng.usize(..ix.len())).to_vec());
    }
    (ix, queries)
}

fn filters() -> Vec<Option<Filter>> {
    vec![
        None,
        Some(Filter::eq("uid", "a")),
        Some(Filter::eq("uid", "rare")),
        Some(Filter::eq("uid", "x")),
        Some(Filter::eq("uid", "nobody")),
        Some(Filter::parse(r#"{"uid": "a", "n": {"$gte": 5}}"#).unwrap()),
        Some(Filter::parse(r#"{"$or": [{"uid": "rare"}, {"n": 3}]}"#).unwrap()),
        Some(Filter::parse(r#"{"n": {"$lt": 1}}"#).unwrap()),
    ]
}

/// (id, score bits) of the hits, best first.
fn hits(ix: &NsIndex, found: &[memlens::store::local::index::Hit]) -> Vec<(String, u32)> {
    found
        .iter()
        .map(|h| (ix.id(h.row).to_string(), h.score.to_bits()))
        .collect()
}

fn assert_identical(ix: &NsIndex, queries: &[Vec<f32>], ks: &[usize]) {
    assert_identical_with(ix, queries, ks, &filters());
}

fn assert_identical_with(
    ix: &NsIndex,
    queries: &[Vec<f32>],
    ks: &[usize],
    filters: &[Option<Filter>],
) {
    for f in filters {
        for q in queries {
            for &k in ks {
                let fast = ix.search(q, k, f.as_ref());
                let exact = ix.search_exact(q, k, f.as_ref());
                assert_eq!(hits(ix, &fast), hits(ix, &exact), "filter {f:?}, k {k}");
            }
        }
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    prop::sample::select(vec![
        Shape::Random,
        Shape::Clustered,
        Shape::Duplicates,
        Shape::Sparse,
        Shape::WithZeros,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn int8_search_equals_the_exact_scan(
        shape in shape(),
        n in 0usize..400,
        dim in prop::sample::select(vec![1usize, 2, 3, 16, 17, 33, 128, 384]),
        k in 1usize..40,
        seed in any::<u64>(),
    ) {
        let (ix, queries) = build(shape, n, dim, seed);
        // k as drawn (1 to 39) and k beyond every filter's matches.
        assert_identical(&ix, &queries, &[k, n + 5]);
    }
}

/// Large enough to run on several threads (each with its own candidates and bounds).
#[test]
fn int8_search_equals_the_exact_scan_on_several_threads() {
    let filters = [
        None,
        Some(Filter::eq("uid", "a")),
        Some(Filter::eq("uid", "rare")),
    ];
    for (shape, seed) in [
        (Shape::Random, 1),
        (Shape::Clustered, 2),
        (Shape::Duplicates, 3),
    ] {
        let (ix, queries) = build(shape, 2_200, 512, seed);
        assert_identical_with(&ix, &queries, &[10, 100], &filters);
    }
}

/// The demo export embedded by the built-in embedder, queried with every memory's own
/// text and with typed questions.
#[tokio::test]
async fn int8_search_equals_the_exact_scan_on_the_demo_export() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let export = memlens::omi::export::load_path(&demo).unwrap();
    let embedder = BuiltinEmbedder::new().unwrap();
    let texts: Vec<String> = export
        .memories
        .iter()
        .map(|m| render(&m.structured, TextFormat::CURRENT))
        .collect();
    let vectors = embedder.embed(&texts).await.unwrap();
    let mut ix = NsIndex::new(embedder.dimension());
    for (i, v) in vectors.iter().enumerate() {
        ix.upsert(&format!("m{i}"), v, meta(i));
    }
    assert!(ix.len() >= 20, "the demo export has {} memories", ix.len());
    let questions = [
        "dentist appointment",
        "what did I learn in spanish class",
        "marathon training",
        "money and taxes",
        "zzzz",
    ];
    // Every 5th memory's own vector (a query equal to a stored row ties with it), and
    // typed questions.
    let mut queries: Vec<Vec<f32>> = vectors.iter().step_by(5).map(|v| normalised(v)).collect();
    for v in embedder.embed(&questions.map(String::from)).await.unwrap() {
        queries.push(normalised(&v));
    }
    let filters = [
        None,
        Some(Filter::eq("uid", "a")),
        Some(Filter::eq("uid", "rare")),
    ];
    assert_identical_with(&ix, &queries, &[1, 10, ix.len() + 1], &filters);
}
