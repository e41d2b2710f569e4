//! Property tests: the metadata filter (JSON round trip, and agreement with a reference
//! evaluator written here from Pinecone's documented semantics) and the Pinecone upsert
//! batcher (every record exactly once, no body over the vector or byte limit).

use std::collections::BTreeMap;

use memlens::store::filter::{Condition, Filter};
use memlens::store::limits::MAX_UPSERT_VECTORS;
use memlens::store::pinecone::wire::{UPSERT_BATCH_BYTES, upsert_bodies};
use memlens::store::{MetaValue, Metadata, Record};
use proptest::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Generators. Keys, strings and numbers come from small pools so that random filters and
// random metadata actually meet (a filter on keys no record has tests little).

const KEYS: &[&str] = &["uid", "created_at", "tags", "flag", "weird key"];
const WORDS: &[&str] = &["", "a", "b", "ü", "x y"];
const NUMBERS: &[f64] = &[0.0, -0.0, 1.0, -2.0, 1.5, 1_700_000_000.0, 1e300, -1e-7];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(str::to_string)
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn number() -> impl Strategy<Value = f64> {
    prop::sample::select(NUMBERS)
}

/// A value a condition compares with: string, number or boolean (Pinecone's filter
/// operands; lists only appear as `$in`/`$nin` operands).
fn scalar() -> impl Strategy<Value = MetaValue> {
    prop_oneof![
        word().prop_map(MetaValue::String),
        number().prop_map(MetaValue::Number),
        any::<bool>().prop_map(MetaValue::Bool),
    ]
}

/// A stored metadata value: a scalar or a list of strings.
fn meta_value() -> impl Strategy<Value = MetaValue> {
    prop_oneof![
        3 => scalar(),
        1 => prop::collection::vec(word(), 0..4).prop_map(MetaValue::List),
    ]
}

fn metadata() -> impl Strategy<Value = Metadata> {
    prop::collection::btree_map(key(), meta_value(), 0..5)
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        scalar().prop_map(Condition::Eq),
        scalar().prop_map(Condition::Ne),
        number().prop_map(Condition::Gt),
        number().prop_map(Condition::Gte),
        number().prop_map(Condition::Lt),
        number().prop_map(Condition::Lte),
        prop::collection::vec(scalar(), 0..4).prop_map(Condition::In),
        prop::collection::vec(scalar(), 0..4).prop_map(Condition::Nin),
        any::<bool>().prop_map(Condition::Exists),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    let leaf = (key(), prop::collection::vec(condition(), 1..4))
        .prop_map(|(key, conds)| Filter::Field { key, conds });
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Filter::And),
            prop::collection::vec(inner, 0..4).prop_map(Filter::Or),
        ]
    })
}

// ---------------------------------------------------------------------------------------
// The reference evaluator: Pinecone's semantics spelled out case by case, sharing no code
// with `Filter::matches`.

/// Normalised stored value: what a condition can see of it.
enum Stored<'a> {
    Missing,
    Text(&'a str),
    Num(f64),
    Truth(bool),
    Texts(&'a [String]),
}

fn stored(v: Option<&MetaValue>) -> Stored<'_> {
    match v {
        None => Stored::Missing,
        Some(MetaValue::String(s)) => Stored::Text(s),
        Some(MetaValue::Number(n)) => Stored::Num(*n),
        Some(MetaValue::Bool(b)) => Stored::Truth(*b),
        Some(MetaValue::List(l)) => Stored::Texts(l),
    }
}

/// "The stored value equals the operand": same type and value; a list equals a string
/// operand that is one of its elements; `-0 == 0`.
fn reference_equal(s: &Stored, operand: &MetaValue) -> bool {
    match (s, operand) {
        (Stored::Text(a), MetaValue::String(b)) => *a == b.as_str(),
        (Stored::Num(a), MetaValue::Number(b)) => a == b,
        (Stored::Truth(a), MetaValue::Bool(b)) => a == b,
        (Stored::Texts(items), MetaValue::String(b)) => items.contains(b),
        _ => false,
    }
}

fn reference_holds(c: &Condition, v: Option<&MetaValue>) -> bool {
    let s = stored(v);
    let num = match s {
        Stored::Num(n) => Some(n),
        _ => None,
    };
    match c {
        Condition::Exists(want) => !matches!(s, Stored::Missing) == *want,
        Condition::Eq(w) => reference_equal(&s, w),
        Condition::Ne(w) => !reference_equal(&s, w),
        Condition::In(set) => set.iter().any(|w| reference_equal(&s, w)),
        Condition::Nin(set) => set.iter().all(|w| !reference_equal(&s, w)),
        Condition::Gt(n) => num.is_some_and(|x| x > *n),
        Condition::Gte(n) => num.is_some_and(|x| x >= *n),
        Condition::Lt(n) => num.is_some_and(|x| x < *n),
        Condition::Lte(n) => num.is_some_and(|x| x <= *n),
    }
}

fn reference_matches(f: &Filter, meta: &Metadata) -> bool {
    match f {
        Filter::And(parts) => {
            let mut ok = true;
            for p in parts {
                ok &= reference_matches(p, meta);
            }
            ok
        }
        Filter::Or(parts) => {
            let mut ok = false;
            for p in parts {
                ok |= reference_matches(p, meta);
            }
            ok
        }
        Filter::Field { key, conds } => {
            let mut ok = true;
            for c in conds {
                ok &= reference_holds(c, meta.get(key));
            }
            ok
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Serialised to JSON text and parsed back, a filter selects exactly the same records.
    #[test]
    fn filter_json_round_trip_is_equivalent(
        f in filter(),
        metas in prop::collection::vec(metadata(), 1..12),
    ) {
        let text = serde_json::to_string(&f).unwrap();
        let back = Filter::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\nfilter JSON: {text}")))?;
        // `to_json` and `Serialize` spell the same JSON.
        prop_assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), f.to_json());
        for m in &metas {
            prop_assert_eq!(f.matches(m), back.matches(m), "JSON {} on {:?}", text, m);
        }
        // And the parsed filter serialises to the same JSON again (a fixed point).
        let again = serde_json::to_string(&back).unwrap();
        prop_assert_eq!(
            Filter::parse(&again).unwrap().to_json(),
            back.to_json()
        );
    }

    /// `matches` agrees with the reference evaluator.
    #[test]
    fn filter_matches_agrees_with_reference(
        f in filter(),
        metas in prop::collection::vec(metadata(), 1..12),
    ) {
        for m in &metas {
            prop_assert_eq!(f.matches(m), reference_matches(&f, m), "{:?} on {:?}", f, m);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The upsert batcher.

/// Records with unique ids, `dim`-long values and a few metadata entries of random size.
fn records() -> impl Strategy<Value = Vec<Record>> {
    // Many small records (exercise the 1000-vector limit) or fewer big ones (exercise the
    // byte limit: 3072 floats print to ~30-40 KB of JSON each, so 60 or more of them, or
    // fewer with long metadata, pass 2 MB).
    let shape = prop_oneof![(0usize..2600, 1usize..16), (0usize..100, 1000usize..3073),];
    shape.prop_flat_map(|(n, dim)| {
        let values = prop::collection::vec(-1.0f32..1.0, dim);
        let meta = prop::collection::btree_map(
            "[a-z_]{1,12}",
            prop_oneof![
                ".{0,2000}".prop_map(MetaValue::String),
                any::<i32>().prop_map(|i| MetaValue::Number(f64::from(i))),
                any::<bool>().prop_map(MetaValue::Bool),
                prop::collection::vec(".{0,40}", 0..20).prop_map(MetaValue::List),
            ],
            0..4,
        );
        prop::collection::vec((values, meta, "[ -~]{0,30}"), n).prop_map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (values, metadata, tail))| Record {
                    // Unique, and with characters JSON must escape.
                    id: format!("{i}-\"{tail}\\"),
                    values,
                    metadata,
                })
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn upsert_bodies_hold_every_record_once_within_limits(
        recs in records(),
        namespace in "[ -~]{0,20}",
    ) {
        let bodies = upsert_bodies(&namespace, &recs, MAX_UPSERT_VECTORS, UPSERT_BATCH_BYTES)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut order = Vec::new();
        for (count, body) in &bodies {
            prop_assert!(*count >= 1);
            prop_assert!(*count <= MAX_UPSERT_VECTORS, "{} vectors in one body", count);
            prop_assert!(body.len() <= 2_000_000, "body of {} bytes", body.len());
            let v: Value = serde_json::from_slice(body).unwrap();
            prop_assert_eq!(v["namespace"].as_str(), Some(namespace.as_str()));
            let vectors = v["vectors"].as_array().unwrap();
            prop_assert_eq!(vectors.len(), *count);
            for vec in vectors {
                let id = vec["id"].as_str().unwrap().to_string();
                *seen.entry(id.clone()).or_default() += 1;
                order.push(id);
                let index: usize = vec["id"].as_str().unwrap().split('-').next().unwrap().parse().unwrap();
                let rec = &recs[index];
                let values: Vec<f32> = vec["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect();
                prop_assert_eq!(&values, &rec.values, "values of {}", rec.id);
                let meta: Metadata = serde_json::from_value(vec["metadata"].clone()).unwrap_or_default();
                prop_assert_eq!(&meta, &rec.metadata, "metadata of {}", rec.id);
            }
        }
        // Every record exactly once, in the input order.
        prop_assert_eq!(seen.len(), recs.len());
        prop_assert!(seen.values().all(|&n| n == 1));
        let want: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        prop_assert_eq!(order.iter().map(String::as_str).collect::<Vec<_>>(), want);
        // Bodies are full: a body was only closed because the next record did not fit.
        for pair in bodies.windows(2) {
            let (count, body) = &pair[0];
            prop_assert!(*count == MAX_UPSERT_VECTORS || body.len() > UPSERT_BATCH_BYTES / 2);
        }
    }
}
