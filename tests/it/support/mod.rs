pub mod fake_openai;
pub mod pinecone_emulator;
pub mod tui;
