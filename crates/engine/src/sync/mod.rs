//! Keeping an export and an index in step: the embedding status of each memory, its
//! lookup (fetch by ids in groups) and its on-disk cache; search, format drift and
//! orphan vectors.

pub mod autoindex;
pub mod daterange;
pub mod drift;
pub mod explain;
pub mod fact_search;
pub mod fulltext;
pub mod golden;
pub mod hybrid;
pub mod journal;
pub mod kinds;
pub mod lexical;
pub mod lock;
pub mod moment;
pub mod orphans;
pub mod projection;
pub mod reprocess;
pub mod search;
pub mod status;
pub mod tchunks;

/// The facts kind's by-id status, under its older name.
pub use kinds::facts as fact_status;
pub use status::{EmbeddingStatus, StatusEntry};
