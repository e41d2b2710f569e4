//! memlens: look inside the memory embeddings of Omi.
//!
//! This crate is the app: a CLI ([`cli`]) and a terminal UI ([`tui`]) over the engine
//! (`memlens-engine`, no terminal code), whose modules it re-exports under their own
//! names: Omi exports and their embedding text ([`omi`], the `memlens-omi` crate),
//! embedders ([`embed`]), vector stores ([`store`]), status and reprocessing ([`sync`])
//! and settings ([`config`]).

pub use memlens_engine::{config, datadir, doctor, embed, http, omi, store, sync, words};

pub mod cli;
pub mod tui;
