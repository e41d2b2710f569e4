//! memlens: look inside the memory embeddings of Omi.
//!
//! The library is the engine (no terminal code): Omi exports and their embedding text
//! ([`omi`]), embedders ([`embed`]), vector stores ([`store`]), status and reprocessing
//! ([`sync`]) and settings ([`config`]). The `memlens` binary puts a CLI ([`cli`]) and a
//! terminal UI ([`tui`]) over it.

pub mod cli;
pub mod config;
pub mod doctor;
pub mod embed;
pub mod http;
pub mod omi;
pub mod store;
pub mod sync;
pub mod tui;
pub mod words;
