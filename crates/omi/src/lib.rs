//! Omi's data as memlens reads and writes it, with no I/O beyond parsing: the memory and
//! fact models, the export loader (shapes E0–E5, `../shared/specs/omi.md` §2), the
//! byte-exact embedding text in Omi's five historical formats, the write policy, and
//! Omi's vector conventions (ids, metadata, filters for ns1 and ns2) over Pinecone's
//! record vocabulary ([`vector`]).
//!
//! Its own crate so that what depends only on Omi's formats (the fuzz targets, the
//! loader's benchmark) builds without the model runtime, SQLite or HTTP; the engine
//! (`memlens-engine`) re-exports it as `memlens_engine::omi`, and the app as `memlens::omi`.

pub mod action_items;
pub mod chunks;
pub mod conventions;
pub mod date;
pub mod export;
pub mod fact;
pub mod fact_conventions;
pub mod model;
pub mod policy;
pub mod pystr;
pub mod record_kind;
#[rustfmt::skip]
mod pystr_tables;
pub mod text;
pub mod vector;

pub use fact::{Fact, FactCategory, FactCategoryKind, FactSkip};
pub use model::{ActionItem, Category, CategoryKind, Event, FieldNote, Memory, Structured};
pub use policy::{Embeddability, Overrides, SkipReason};
