//! Pinecone's record vocabulary as Omi uses it: metadata values and maps, and the
//! metadata filter language ([`filter`]). The vector stores (memlens-engine's `store`)
//! re-export these; Omi's conventions ([`crate::conventions`],
//! [`crate::fact_conventions`]) build them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod filter;

pub use filter::Filter;

/// A metadata value: Pinecone allows string, number, boolean and list of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    Bool(bool),
    Number(#[serde(serialize_with = "filter::serialize_number")] f64),
    String(String),
    List(Vec<String>),
}

/// Record metadata, ordered by key.
pub type Metadata = BTreeMap<String, MetaValue>;
