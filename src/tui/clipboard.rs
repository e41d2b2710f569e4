//! `y`: copy the memory id, the vector id or the embedding text of the selection (or of
//! the selected search hit) to the system clipboard with OSC 52. The terminal loop writes
//! the sequence; where a terminal refuses OSC 52 the message log (`L`) holds the value.

use crate::tui::state::{Focus, State};

/// What `y` offers for the selection (or the selected search hit): (key, what, value).
/// On a record tab, its selected row's.
pub fn choices(state: &State) -> Vec<(char, &'static str, String)> {
    if state.on_record_tab() {
        return record_choices(state);
    }
    let (memory_id, vector_id, memory) = if state.focus == Focus::Search {
        let Some(hit) = state
            .search
            .results
            .as_ref()
            .and_then(|r| r.hits.get(state.search.selected))
        else {
            return Vec::new();
        };
        (
            hit.memory_id.clone(),
            // The stored vector's id when the semantic search found it, else the id
            // the uid makes.
            hit.semantic
                .as_ref()
                .map(|s| s.vector_id.clone())
                .or_else(|| {
                    state
                        .setup
                        .uid
                        .as_ref()
                        .map(|u| crate::omi::conventions::vector_id(u, &hit.memory_id))
                }),
            state.memories().iter().find(|m| m.id == hit.memory_id),
        )
    } else {
        let Some((_, m)) = state.selected() else {
            return Vec::new();
        };
        (
            m.id.clone(),
            state
                .setup
                .uid
                .as_ref()
                .map(|u| crate::omi::conventions::vector_id(u, &m.id)),
            Some(m),
        )
    };
    let mut out = vec![('i', "memory id", memory_id)];
    if let Some(v) = vector_id {
        out.push(('v', "vector id", v));
    }
    if let Some(m) = memory {
        out.push((
            't',
            "embedding text",
            crate::omi::text::render(&m.structured, state.text_format),
        ));
    }
    out
}

/// What `y` offers on a record tab: the record's id, Omi's vector id (known with a
/// uid), the text Omi embeds (a candidate's description; an orphan has none).
fn record_choices(state: &State) -> Vec<(char, &'static str, String)> {
    use crate::omi::record_kind::Kind;
    let mut out = Vec::new();
    if state.on_facts_tab() {
        let Some((_, f)) = state.selected_fact() else {
            return out;
        };
        out.push(('i', "fact id", f.id.clone()));
        if let Some(uid) = &state.setup.uid {
            out.push((
                'v',
                "vector id",
                crate::omi::fact_conventions::fact_vector_id(uid, &f.id),
            ));
        }
        out.push(('t', "fact text", f.content.clone()));
        return out;
    }
    let kind = state.tab.kind();
    let Some((_, row)) = state.shown_kind_tab().and_then(|t| t.selected()) else {
        return out;
    };
    if !row.owner.is_empty() {
        let what = if kind == Kind::Chunks {
            "conversation id"
        } else {
            "action item id"
        };
        out.push(('i', what, row.owner.clone()));
    }
    if let Some(v) = row.vector_id.as_ref().filter(|_| state.setup.uid.is_some()) {
        out.push(('v', "vector id", v.clone()));
    }
    if !row.text.is_empty() {
        out.push(('t', "embedding text", row.text.clone()));
    }
    out
}

/// The OSC 52 sequence that puts `text` on the system clipboard (`ESC ] 52 ; c ; base64 BEL`).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\u{1b}]52;c;{}\u{7}",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_is_base64_between_the_brackets() {
        assert_eq!(super::osc52("mem-1"), "\u{1b}]52;c;bWVtLTE=\u{7}");
    }
}
