//! Pinecone's metadata filter language, typed: serialises to Pinecone JSON (in the exact
//! shape Omi sends), parses from it, and is evaluated by the local store.
//!
//! Semantics (Pinecone's, after MongoDB's): a bare value means `$eq`; a list field
//! matches a positive condition (`$eq`, `$in`) when any element does, and a negative one
//! (`$ne`, `$nin`) when no element does; numbers compare as numbers (`1 == 1.0`); a
//! missing key fails every condition except `$ne`, `$nin` and `$exists: false`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::vector::{MetaValue, Metadata};

/// A metadata filter (`$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or`).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must match.
    And(Vec<Filter>),
    /// Any must match.
    Or(Vec<Filter>),
    /// Conditions on one key, all of which must hold (`{"created_at": {"$gte": a, "$lte": b}}`).
    Field { key: String, conds: Vec<Condition> },
}

/// A condition on one metadata key.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Eq(MetaValue),
    Ne(MetaValue),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    In(Vec<MetaValue>),
    Nin(Vec<MetaValue>),
    Exists(bool),
}

/// A filter that is not valid Pinecone filter JSON.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid metadata filter: {0}")]
pub struct FilterError(pub String);

impl Filter {
    /// `{key: value}`: the key equals the value (or a list field contains it).
    pub fn eq(key: impl Into<String>, value: impl Into<MetaValue>) -> Self {
        Filter::Field {
            key: key.into(),
            conds: vec![Condition::Eq(value.into())],
        }
    }

    /// Conditions on one key, all of which must hold.
    pub fn field(key: impl Into<String>, conds: Vec<Condition>) -> Self {
        Filter::Field {
            key: key.into(),
            conds,
        }
    }

    /// Pinecone's JSON as a `Value` (for comparison; `Serialize` keeps key order).
    pub fn to_json(&self) -> Value {
        self.shape().into_value()
    }

    /// The JSON shape: a single `$eq` becomes a bare value, an `And` of one filter is that
    /// filter, and an `And` of distinct keys
    /// becomes one flat object (`{"uid": "u1", "created_at": {...}}`, in that order);
    /// anything else uses `$and` / `$or`.
    fn shape(&self) -> Shape {
        match self {
            Filter::Field { key, conds } => field_shape(key, conds),
            // An `And` of one filter is that filter (parsing `{"$and": [x]}` gives it back
            // as one part, so this keeps serialise → parse → serialise a fixed point).
            Filter::And(parts) if parts.len() == 1 => parts[0].shape(),
            Filter::Or(parts) => Shape::Object(vec![(
                "$or".into(),
                Shape::Array(parts.iter().map(Filter::shape).collect()),
            )]),
            Filter::And(parts) => {
                let shapes: Vec<Shape> = parts.iter().map(Filter::shape).collect();
                let mut seen = std::collections::BTreeSet::new();
                let flat = parts.iter().zip(&shapes).all(|(p, s)| match (p, s) {
                    (Filter::Field { key, .. }, Shape::Object(entries)) => {
                        entries.len() == 1 && entries[0].0 == *key && seen.insert(key.clone())
                    }
                    _ => false,
                });
                if flat {
                    Shape::Object(
                        shapes
                            .into_iter()
                            .flat_map(|s| match s {
                                Shape::Object(entries) => entries,
                                _ => Vec::new(),
                            })
                            .collect(),
                    )
                } else {
                    Shape::Object(vec![("$and".into(), Shape::Array(shapes))])
                }
            }
        }
    }

    /// Parse Pinecone filter JSON.
    pub fn from_json(value: &Value) -> Result<Self, FilterError> {
        let Value::Object(obj) = value else {
            return Err(FilterError(format!(
                "a filter must be a JSON object, got {}",
                kind(value)
            )));
        };
        let mut parts = Vec::with_capacity(obj.len());
        for (key, v) in obj {
            parts.push(match key.as_str() {
                "$and" | "$or" => {
                    let Value::Array(items) = v else {
                        return Err(FilterError(format!("{key} takes a list of filters")));
                    };
                    let subs = items
                        .iter()
                        .map(Filter::from_json)
                        .collect::<Result<Vec<_>, _>>()?;
                    if key == "$and" {
                        Filter::And(subs)
                    } else {
                        Filter::Or(subs)
                    }
                }
                k if k.starts_with('$') => {
                    return Err(FilterError(format!("unknown top-level operator {k}")));
                }
                k => Filter::Field {
                    key: k.to_string(),
                    conds: parse_conditions(k, v)?,
                },
            });
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Filter::And(Vec::new()))
        } else {
            Filter::And(parts)
        })
    }

    /// Parse a filter from JSON text.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| FilterError(format!("not valid JSON: {e}")))?;
        Self::from_json(&v)
    }

    /// Does a record with this metadata pass the filter?
    pub fn matches(&self, meta: &Metadata) -> bool {
        match self {
            Filter::And(parts) => parts.iter().all(|p| p.matches(meta)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(meta)),
            Filter::Field { key, conds } => {
                let value = meta.get(key);
                conds.iter().all(|c| c.holds(value))
            }
        }
    }
}

impl Condition {
    /// Pinecone's operator name.
    pub fn operator(&self) -> &'static str {
        match self {
            Condition::Eq(_) => "$eq",
            Condition::Ne(_) => "$ne",
            Condition::Gt(_) => "$gt",
            Condition::Gte(_) => "$gte",
            Condition::Lt(_) => "$lt",
            Condition::Lte(_) => "$lte",
            Condition::In(_) => "$in",
            Condition::Nin(_) => "$nin",
            Condition::Exists(_) => "$exists",
        }
    }

    fn operand_json(&self) -> Value {
        match self {
            Condition::Eq(v) | Condition::Ne(v) => meta_json(v),
            Condition::Gt(n) | Condition::Gte(n) | Condition::Lt(n) | Condition::Lte(n) => {
                number_json(*n)
            }
            Condition::In(vs) | Condition::Nin(vs) => {
                Value::Array(vs.iter().map(meta_json).collect())
            }
            Condition::Exists(b) => Value::Bool(*b),
        }
    }

    /// Does the condition hold for this value (`None` = key absent)?
    pub fn holds(&self, value: Option<&MetaValue>) -> bool {
        match self {
            Condition::Eq(want) => value.is_some_and(|v| any_equal(v, want)),
            Condition::Ne(want) => !value.is_some_and(|v| any_equal(v, want)),
            Condition::In(set) => value.is_some_and(|v| set.iter().any(|w| any_equal(v, w))),
            Condition::Nin(set) => !value.is_some_and(|v| set.iter().any(|w| any_equal(v, w))),
            Condition::Exists(want) => value.is_some() == *want,
            Condition::Gt(n) => number_of(value).is_some_and(|x| x > *n),
            Condition::Gte(n) => number_of(value).is_some_and(|x| x >= *n),
            Condition::Lt(n) => number_of(value).is_some_and(|x| x < *n),
            Condition::Lte(n) => number_of(value).is_some_and(|x| x <= *n),
        }
    }
}

fn number_of(value: Option<&MetaValue>) -> Option<f64> {
    match value {
        Some(MetaValue::Number(x)) => Some(*x),
        _ => None,
    }
}

/// Scalar equality (numbers as numbers); a list field matches when any element does.
fn any_equal(stored: &MetaValue, want: &MetaValue) -> bool {
    match (stored, want) {
        (MetaValue::List(items), MetaValue::String(w)) => items.iter().any(|i| i == w),
        (MetaValue::Number(a), MetaValue::Number(b)) => a == b,
        (MetaValue::String(a), MetaValue::String(b)) => a == b,
        (MetaValue::Bool(a), MetaValue::Bool(b)) => a == b,
        _ => false,
    }
}

fn field_shape(key: &str, conds: &[Condition]) -> Shape {
    if let [Condition::Eq(v)] = conds {
        return Shape::Object(vec![(key.to_string(), Shape::Leaf(meta_json(v)))]);
    }
    let mut ops = std::collections::BTreeSet::new();
    if conds.iter().all(|c| ops.insert(c.operator())) {
        let entries = conds
            .iter()
            .map(|c| (c.operator().to_string(), Shape::Leaf(c.operand_json())))
            .collect();
        Shape::Object(vec![(key.to_string(), Shape::Object(entries))])
    } else {
        // The same operator twice cannot share one object: spell each out.
        let parts = conds
            .iter()
            .map(|c| field_shape(key, std::slice::from_ref(c)))
            .collect();
        Shape::Object(vec![("$and".into(), Shape::Array(parts))])
    }
}

/// Filter JSON with its key order kept (serde_json's `Map` may sort keys).
enum Shape {
    Object(Vec<(String, Shape)>),
    Array(Vec<Shape>),
    Leaf(Value),
}

impl Shape {
    fn into_value(self) -> Value {
        match self {
            Shape::Object(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.into_value()))
                    .collect(),
            ),
            Shape::Array(items) => Value::Array(items.into_iter().map(Shape::into_value).collect()),
            Shape::Leaf(v) => v,
        }
    }
}

impl Serialize for Shape {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Shape::Object(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Shape::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Shape::Leaf(v) => v.serialize(s),
        }
    }
}

/// Metadata value as JSON; integral numbers print as integers (`1700000000`, not `1.7e9`).
pub fn meta_json(v: &MetaValue) -> Value {
    match v {
        MetaValue::Bool(b) => Value::Bool(*b),
        MetaValue::Number(n) => number_json(*n),
        MetaValue::String(s) => Value::String(s.clone()),
        MetaValue::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
    }
}

/// Serde helper: write an integral number as an integer (`1700000000`, as Omi sends it).
pub fn serialize_number<S: Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
    number_json(*n).serialize(s)
}

/// A number as JSON: an integer when it is one (and fits), else a float.
pub fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn scalar(key: &str, op: &str, v: &Value) -> Result<MetaValue, FilterError> {
    match v {
        Value::Bool(b) => Ok(MetaValue::Bool(*b)),
        Value::String(s) => Ok(MetaValue::String(s.clone())),
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(MetaValue::Number)
            .ok_or_else(|| FilterError(format!("{key}: {op} number out of range"))),
        other => Err(FilterError(format!(
            "{key}: {op} takes a string, number or boolean, got {}",
            kind(other)
        ))),
    }
}

fn number(key: &str, op: &str, v: &Value) -> Result<f64, FilterError> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| FilterError(format!("{key}: {op} takes a number, got {}", kind(v))))
}

fn parse_conditions(key: &str, v: &Value) -> Result<Vec<Condition>, FilterError> {
    let Value::Object(ops) = v else {
        return Ok(vec![Condition::Eq(scalar(key, "$eq", v)?)]);
    };
    if ops.is_empty() {
        return Err(FilterError(format!("{key}: empty condition object")));
    }
    ops.iter()
        .map(|(op, operand)| {
            Ok(match op.as_str() {
                "$eq" => Condition::Eq(scalar(key, op, operand)?),
                "$ne" => Condition::Ne(scalar(key, op, operand)?),
                "$gt" => Condition::Gt(number(key, op, operand)?),
                "$gte" => Condition::Gte(number(key, op, operand)?),
                "$lt" => Condition::Lt(number(key, op, operand)?),
                "$lte" => Condition::Lte(number(key, op, operand)?),
                "$in" | "$nin" => {
                    let Value::Array(items) = operand else {
                        return Err(FilterError(format!("{key}: {op} takes a list")));
                    };
                    let vals = items
                        .iter()
                        .map(|i| scalar(key, op, i))
                        .collect::<Result<Vec<_>, _>>()?;
                    if op == "$in" {
                        Condition::In(vals)
                    } else {
                        Condition::Nin(vals)
                    }
                }
                "$exists" => match operand {
                    Value::Bool(b) => Condition::Exists(*b),
                    other => {
                        return Err(FilterError(format!(
                            "{key}: $exists takes true or false, got {}",
                            kind(other)
                        )));
                    }
                },
                other => {
                    return Err(FilterError(format!("{key}: unknown operator {other}")));
                }
            })
        })
        .collect()
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shape().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Filter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Filter::from_json(&v).map_err(serde::de::Error::custom)
    }
}

impl From<&str> for MetaValue {
    fn from(s: &str) -> Self {
        MetaValue::String(s.to_string())
    }
}

impl From<String> for MetaValue {
    fn from(s: String) -> Self {
        MetaValue::String(s)
    }
}

impl From<f64> for MetaValue {
    fn from(n: f64) -> Self {
        MetaValue::Number(n)
    }
}

impl From<i64> for MetaValue {
    fn from(n: i64) -> Self {
        MetaValue::Number(n as f64)
    }
}

impl From<bool> for MetaValue {
    fn from(b: bool) -> Self {
        MetaValue::Bool(b)
    }
}

impl From<Vec<String>> for MetaValue {
    fn from(items: Vec<String>) -> Self {
        MetaValue::List(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the property test on a CI run: nested one-part `And`s serialised as
    /// `$and` but parsed back flatter, so serialise → parse → serialise was not a fixed
    /// point.
    #[test]
    fn nested_single_and_round_trips_to_a_fixed_point() {
        let f = Filter::And(vec![Filter::And(vec![Filter::And(vec![Filter::eq(
            "uid", "",
        )])])]);
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(text, r#"{"uid":""}"#);
        let back = Filter::parse(&text).unwrap();
        assert_eq!(back.to_json(), f.to_json());
    }
    use serde_json::json;

    fn meta(v: Value) -> Metadata {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn omi_shapes_serialise_exactly() {
        let f = Filter::eq("uid", "u1");
        assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"uid":"u1"}"#);
        let f = Filter::And(vec![
            Filter::eq("uid", "u1"),
            Filter::field("created_at", vec![Condition::Gte(1.0), Condition::Lte(2.0)]),
        ]);
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"uid":"u1","created_at":{"$gte":1,"$lte":2}}"#
        );
        assert_eq!(
            f.to_json(),
            json!({"uid": "u1", "created_at": {"$gte": 1, "$lte": 2}})
        );
    }

    #[test]
    fn repeated_keys_use_and() {
        let f = Filter::And(vec![Filter::eq("a", 1i64), Filter::eq("a", 2i64)]);
        assert_eq!(f.to_json(), json!({"$and": [{"a": 1}, {"a": 2}]}));
        let f = Filter::field("n", vec![Condition::Gt(1.0), Condition::Gt(2.0)]);
        assert_eq!(
            f.to_json(),
            json!({"$and": [{"n": {"$gt": 1}}, {"n": {"$gt": 2}}]})
        );
        let f = Filter::Or(vec![Filter::eq("a", true), Filter::eq("b", 0.5)]);
        assert_eq!(f.to_json(), json!({"$or": [{"a": true}, {"b": 0.5}]}));
    }

    #[test]
    fn parse_round_trips() {
        for text in [
            r#"{"uid":"u1"}"#,
            r#"{"uid":"u1","created_at":{"$gte":1,"$lte":2}}"#,
            r#"{"$or":[{"a":{"$in":["x","y"]}},{"b":{"$exists":false}}]}"#,
            r#"{"$and":[{"a":{"$nin":[1,2]}},{"a":{"$ne":"z"}}]}"#,
        ] {
            let f = Filter::parse(text).unwrap();
            let want: Value = serde_json::from_str(text).unwrap();
            assert_eq!(f.to_json(), want, "{text}");
            let again = Filter::parse(&serde_json::to_string(&f).unwrap()).unwrap();
            assert_eq!(again.to_json(), want);
        }
        let f = Filter::parse(r#"{"a": {"$eq": 3}}"#).unwrap();
        assert_eq!(f, Filter::eq("a", 3i64));
    }

    #[test]
    fn parse_refuses_bad_filters() {
        for text in [
            "[]",
            r#"{"a": {"$regex": "x"}}"#,
            r#"{"a": {"$gt": "x"}}"#,
            r#"{"a": {"$in": "x"}}"#,
            r#"{"a": null}"#,
            r#"{"a": {}}"#,
            r#"{"$not": {}}"#,
            r#"{"$and": {}}"#,
            r#"{"a": {"$exists": 1}}"#,
        ] {
            assert!(Filter::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn evaluation_follows_pinecone() {
        let m = meta(json!({"uid": "u1", "n": 5, "tags": ["a", "b"], "ok": true}));
        let t = |text: &str| Filter::parse(text).unwrap().matches(&m);
        assert!(t(r#"{"uid": "u1"}"#));
        assert!(!t(r#"{"uid": "u2"}"#));
        assert!(t(r#"{"n": 5.0}"#), "numbers compare as numbers");
        assert!(!t(r#"{"n": "5"}"#));
        assert!(t(r#"{"tags": "b"}"#), "a list matches if any element does");
        assert!(!t(r#"{"tags": {"$ne": "b"}}"#));
        assert!(t(r#"{"tags": {"$in": ["z", "a"]}}"#));
        assert!(!t(r#"{"tags": {"$nin": ["z", "a"]}}"#));
        assert!(t(r#"{"n": {"$gte": 5, "$lt": 6}}"#));
        assert!(!t(r#"{"n": {"$gt": 5}}"#));
        assert!(
            !t(r#"{"uid": {"$gt": 1}}"#),
            "strings never compare as numbers"
        );
        assert!(
            t(r#"{"missing": {"$ne": "x"}}"#),
            "$ne holds on a missing key"
        );
        assert!(t(r#"{"missing": {"$nin": ["x"]}}"#));
        assert!(!t(r#"{"missing": {"$in": ["x"]}}"#));
        assert!(!t(r#"{"missing": {"$lt": 1}}"#));
        assert!(t(r#"{"missing": {"$exists": false}}"#));
        assert!(t(r#"{"ok": {"$exists": true}}"#));
        assert!(t(r#"{"ok": true}"#));
        assert!(t(r#"{"$or": [{"uid": "x"}, {"n": 5}]}"#));
        assert!(!t(r#"{"$and": [{"uid": "u1"}, {"n": 4}]}"#));
        assert!(Filter::And(vec![]).matches(&m));
    }
}
