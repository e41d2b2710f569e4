//! Omi's vector conventions (omi.md §1).

/// The Pinecone id of a memory's vector: `{uid}-{memory_id}`.
pub fn vector_id(uid: &str, memory_id: &str) -> String {
    format!("{uid}-{memory_id}")
}
