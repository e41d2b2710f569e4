//! Facts are not conversations. Omi's new-style "memories" (facts, `omi-facts.md` §F2–F3:
//! `{id, content, category, …}` with no `structured`) arrive as the `memories` section of
//! an `omi-export.json` (E3) and as plain lists from the developer API
//! (`GET /v1/dev/user/memories`) or `GET /v3/memories`. The loader sets every fact aside
//! here, unparsed, so that none is ever rendered or embedded as a conversation (`ns1`);
//! a fact loader reads them from [`SetAsideFact::raw`].

use serde::Serialize;

/// Where the loader found a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// The `memories` section of an `omi-export.json` (E3).
    E3Memories,
    /// A record of a list of conversations (or of the whole file): a dev-API /
    /// `/v3/memories` list, or a fact mixed into a conversation list.
    RecordList,
}

/// One fact the loader set aside, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAsideFact {
    /// Position in its list (0-based).
    pub index: usize,
    /// The fact's id, when it has a readable one.
    pub id: Option<String>,
    /// Line of the file where the fact starts (1-based).
    pub line: usize,
    /// Where it was found.
    pub source: FactSource,
    /// The record's JSON text, exactly as in the file (Python-style `NaN` tokens included).
    #[serde(skip)]
    pub raw: String,
}

/// The fact test for a record of a conversation list (`omi-facts.md` §F3.1): a top-level
/// `content` and `category` and no `structured` (a conversation's category is inside
/// `structured`; a fact has no `structured` at all).
pub fn looks_like_fact(has_content: bool, has_category: bool, has_structured: bool) -> bool {
    has_content && has_category && !has_structured
}

/// `this file holds 2 Omi facts, not conversations` when the file has facts and no
/// conversation; `2 Omi facts set aside (…)` when it has both; `None` without facts.
pub fn describe(facts: usize, conversations: usize) -> Option<String> {
    let n = |k: usize| if k == 1 { "fact" } else { "facts" };
    match (facts, conversations) {
        (0, _) => None,
        (f, 0) => Some(format!(
            "this file holds {f} Omi {}, not conversations: none is embedded as one",
            n(f)
        )),
        (f, _) => Some(format!(
            "{f} Omi {} set aside: facts are not conversations, never embedded as one",
            n(f)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(describe(0, 4), None);
        assert_eq!(
            describe(2, 0).unwrap(),
            "this file holds 2 Omi facts, not conversations: none is embedded as one"
        );
        assert!(describe(1, 3).unwrap().starts_with("1 Omi fact set aside"));
        assert!(looks_like_fact(true, true, false));
        assert!(!looks_like_fact(true, true, true));
        assert!(!looks_like_fact(true, false, false));
    }
}
