//! Pinecone's metadata filter language, typed: serialises to Pinecone JSON and is
//! evaluated by the local store.

use crate::store::MetaValue;

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
