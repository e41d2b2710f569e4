//! Keeping an export and an index in step: the embedding status of each memory, its
//! lookup (fetch by ids in groups) and its on-disk cache.

pub mod journal;
pub mod reprocess;
pub mod status;

pub use status::{EmbeddingStatus, StatusEntry};
