//! Why an item failed, in groups a summary can count ("325 failed: …. Fix: …").

use serde::Serialize;

use super::job::FailedItem;

/// The cause of one item's failure. Each names what went wrong and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The embedding server fails on this text alone: its batch failed (a 5xx after the
    /// retries, or a 4xx about the request), bisection left the text alone, and alone
    /// it still fails (Ollama answers 500 `json: unsupported value: NaN` for some texts).
    EmbedRejected,
    /// The server returned an unusable vector for this text: NaN or infinite values,
    /// all zeros, or another length than the others.
    BadVector,
    /// The text is longer than the model's context.
    TextTooLong,
    /// The vector store refused this record (a Pinecone 400 that bisection pinned on it).
    StoreRejected,
    /// The record breaks Pinecone's rules (checked before sending: metadata over 40 KB…).
    NotSent,
    /// A server failed the whole batch after its retries (5xx, timeouts, rate limits,
    /// connection errors), at every size tried: it looks down or overloaded.
    Unavailable,
    /// Upserted, but the record read back differs from what was sent.
    VerifyFailed,
    /// A resumed run's memory is not in the export given.
    NotInExport,
}

impl Cause {
    /// What happened, for the summary line.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::EmbedRejected => "the embedding server fails on these texts alone",
            Cause::BadVector => {
                "the embedding server returned unusable vectors for these texts (NaN, infinite, all zeros or the wrong length)"
            }
            Cause::TextTooLong => "the texts are longer than the model's context",
            Cause::StoreRejected => "the vector store refused these records",
            Cause::NotSent => "the records break Pinecone's rules, so they were not sent",
            Cause::Unavailable => {
                "a server stayed unavailable after the retries (5xx, timeouts, rate limits)"
            }
            Cause::VerifyFailed => "the records read back differ from what was written",
            Cause::NotInExport => "the memories are not in this export",
        }
    }

    /// What to do, for the summary line.
    pub fn fix(self) -> &'static str {
        match self {
            Cause::EmbedRejected | Cause::BadVector => {
                "check the embedding server's log for these texts, or try another model; `memlens reprocess --id ID` retries one"
            }
            Cause::TextTooLong => {
                "shorten the memories or use a model with a longer context (memlens chunks texts over 8191 tokens)"
            }
            Cause::StoreRejected => {
                "read the store's message for each record below; fix the record or its metadata, then `memlens reprocess --id ID`"
            }
            Cause::NotSent => "read the reason for each record below",
            Cause::Unavailable => {
                "wait and run `memlens reprocess` again: it resumes the failed items (check the server with `memlens doctor`)"
            }
            Cause::VerifyFailed => {
                "run `memlens reprocess --id ID` again; if it keeps failing, the store alters what it is sent"
            }
            Cause::NotInExport => "resume with the export the run was started from",
        }
    }

    /// True when a later retry round in the same run may succeed.
    pub fn worth_retrying(self) -> bool {
        matches!(self, Cause::Unavailable | Cause::VerifyFailed)
    }
}

/// The failed items of one cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseGroup {
    pub cause: Cause,
    pub count: usize,
    /// [`Cause::describe`].
    pub description: String,
    /// [`Cause::fix`].
    pub fix: String,
    /// The memories of this group, in id order.
    pub memory_ids: Vec<String>,
}

impl CauseGroup {
    /// `325 failed: <description>. Fix: <fix>`.
    pub fn line(&self) -> String {
        format!(
            "{} failed: {}. Fix: {}",
            self.count, self.description, self.fix
        )
    }
}

/// Group failed items by cause, in [`Cause`] order.
pub fn group(failed: &[FailedItem]) -> Vec<CauseGroup> {
    let mut by: std::collections::BTreeMap<Cause, Vec<String>> = Default::default();
    for f in failed {
        by.entry(f.cause).or_default().push(f.memory_id.clone());
    }
    by.into_iter()
        .map(|(cause, mut ids)| {
            ids.sort();
            CauseGroup {
                cause,
                count: ids.len(),
                description: cause.describe().to_string(),
                fix: cause.fix().to_string(),
                memory_ids: ids,
            }
        })
        .collect()
}
