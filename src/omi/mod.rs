//! Omi memories: the model, the export loader (shapes E0–E5) and the byte-exact
//! embedding text in Omi's five historical formats.

pub mod conventions;
pub mod date;
pub mod export;
pub mod fact;
pub mod fact_conventions;
pub mod model;
pub mod policy;
pub mod pystr;
#[rustfmt::skip]
mod pystr_tables;
pub mod text;

pub use fact::{Fact, FactCategory, FactCategoryKind, FactSkip};
pub use model::{ActionItem, Category, CategoryKind, Event, FieldNote, Memory, Structured};
pub use policy::{Embeddability, Overrides, SkipReason};
