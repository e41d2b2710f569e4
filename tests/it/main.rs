//! All integration tests in one binary (one link of the crate instead of one per file).
//! Each module is one area; `support` holds the fake servers and TUI helpers they share.

mod support;

mod builtin_embedder;
mod cli_embed;
mod cli_omi;
mod cli_surface;
mod conformance;
mod doctor;
mod e2e_pty;
mod explain;
mod export;
mod facts;
mod fault_matrix;
mod hostile_exports;
mod hybrid_search;
mod index_knowledge;
mod local_search;
mod local_store_crash;
mod minilm_embedder;
mod model_apart;
mod moment;
mod openai_client;
mod policy;
mod properties;
mod record_kinds;
mod reprocess;
mod reprocess_crash;
mod search;
mod secrets;
mod store_contract;
mod terminal_injection;
mod tui_app;
mod tui_autoindex;
mod tui_facts;
mod tui_hybrid;
mod tui_layout;
mod tui_moment;
mod tui_reprocess;
mod tui_search;
mod tui_shows;
mod tui_surface;
mod tui_vector;
mod write_guards;
