pub mod pinecone_emulator;
