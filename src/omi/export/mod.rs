//! The export loader (in progress).

pub mod raw;

pub use raw::parse_structured;
