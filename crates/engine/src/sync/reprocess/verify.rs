//! Checking a written record against what was sent.

use crate::store::filter::meta_json;
use crate::store::{MetaValue, Metadata, Record};

/// Smallest cosine between sent and fetched values that counts as the same vector (the
/// store may round values, e.g. through JSON).
pub const VERIFY_MIN_COSINE: f64 = 0.99999;

/// Cosine similarity of two vectors (0 when lengths differ or a vector is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    crate::sync::status::cosine_f64(a, b).unwrap_or(0.0)
}

fn show(v: Option<&MetaValue>) -> String {
    v.map_or_else(|| "absent".to_string(), |v| meta_json(v).to_string())
}

fn same_value(a: &MetaValue, b: &MetaValue) -> bool {
    match (a, b) {
        (MetaValue::Number(x), MetaValue::Number(y)) => x == y || (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// Compare the record fetched back (`None` = absent) with the one sent; `Err` says what
/// differed, in words.
pub fn verify_record(sent: &Record, fetched: Option<&Record>) -> Result<(), String> {
    let Some(got) = fetched else {
        return Err(format!(
            "{} is absent when fetched back after the upsert",
            sent.id
        ));
    };
    let mut problems = Vec::new();
    if got.values.len() != sent.values.len() {
        problems.push(format!(
            "dimension {} fetched, {} sent",
            got.values.len(),
            sent.values.len()
        ));
    } else {
        let c = cosine(&sent.values, &got.values);
        if c.is_nan() || c < VERIFY_MIN_COSINE {
            problems.push(format!(
                "values cosine {c:.6} with what was sent (at least {VERIFY_MIN_COSINE} expected)"
            ));
        }
    }
    let keys: std::collections::BTreeSet<&String> =
        sent.metadata.keys().chain(got.metadata.keys()).collect();
    for k in keys {
        let (a, b) = (sent.metadata.get(k), got.metadata.get(k));
        let same = match (a, b) {
            (Some(a), Some(b)) => same_value(a, b),
            _ => false,
        };
        if !same {
            problems.push(format!(
                "metadata {k}: sent {}, stored {}",
                show(a),
                show(b)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} differs after the upsert: {}",
            sent.id,
            problems.join("; ")
        ))
    }
}

/// The metadata to write: Omi's keys from `base` over every key of `existing`.
pub(crate) fn carry_over(existing: Option<&Metadata>, base: Metadata) -> Metadata {
    let mut out = existing.cloned().unwrap_or_default();
    out.extend(base);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::conventions::memory_metadata;

    fn rec(values: Vec<f32>, meta: Metadata) -> Record {
        Record {
            id: "u-m".into(),
            values,
            metadata: meta,
        }
    }

    #[test]
    fn equal_and_different() {
        let meta = memory_metadata("u", "m", 1_700_000_000);
        let a = rec(vec![0.6, 0.8], meta.clone());
        assert!(verify_record(&a, Some(&a)).is_ok());
        assert!(verify_record(&a, None).unwrap_err().contains("absent"));
        let b = rec(vec![0.8, 0.6], meta.clone());
        let e = verify_record(&a, Some(&b)).unwrap_err();
        assert!(e.contains("values cosine 0.96"), "{e}");
        let mut m2 = meta.clone();
        m2.insert("people".into(), MetaValue::List(vec!["Ann".into()]));
        m2.remove("uid");
        let e = verify_record(&a, Some(&rec(vec![0.6, 0.8], m2))).unwrap_err();
        assert!(
            e.contains(r#"metadata people: sent absent, stored ["Ann"]"#),
            "{e}"
        );
        assert!(
            e.contains(r#"metadata uid: sent "u", stored absent"#),
            "{e}"
        );
        let e = verify_record(&a, Some(&rec(vec![0.6, 0.8, 0.0], meta))).unwrap_err();
        assert!(e.contains("dimension 3 fetched, 2 sent"), "{e}");
    }

    #[test]
    fn carry_over_keeps_extra_keys_and_replaces_omi_keys() {
        let mut old = memory_metadata("u", "m", 5);
        old.insert("topics".into(), MetaValue::List(vec!["x".into()]));
        let out = carry_over(Some(&old), memory_metadata("u", "m", 1_700_000_000));
        assert_eq!(out["created_at"], MetaValue::Number(1.7e9));
        assert_eq!(out["topics"], MetaValue::List(vec!["x".into()]));
        assert_eq!(out.len(), 4);
    }
}
