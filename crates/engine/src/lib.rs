//! The memlens engine, with no terminal code: embedders ([`embed`]), vector stores
//! ([`store`]), status, search and reprocessing ([`sync`]), settings ([`config`]), the
//! HTTP client ([`http`]) and the set-up checks ([`doctor`]), over Omi's formats
//! ([`omi`], the `memlens-omi` crate, re-exported).
//!
//! The CLI and the terminal UI live in the `memlens` crate on top of this one; the
//! compiler enforces that the engine never imports them.

pub use memlens_omi as omi;

pub mod config;
pub mod datadir;
pub mod doctor;
pub mod embed;
pub mod http;
pub mod store;
pub mod sync;
pub mod words;
