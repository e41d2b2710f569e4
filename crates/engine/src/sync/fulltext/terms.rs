//! Which memories hold a word, for the lexical evidence of hybrid search
//! ([`crate::sync::lexical`]): one FTS5 match per word (same tokenizer and stemming as
//! the search), no ranking, no snippets.

use std::collections::HashSet;

use super::{FullText, FullTextError, query::quote_term};

impl FullText {
    /// The memories holding each of `terms` (each a single word, matched as FTS5 matches
    /// it: case-folded, diacritics folded, Porter-stemmed), over the whole index (not a
    /// date range: document frequency is a property of the collection). A term FTS5
    /// cannot search (no letter or digit) holds nothing.
    pub fn term_memories(&self, terms: &[String]) -> Result<Vec<HashSet<String>>, FullTextError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {d}.memory_id FROM {f} JOIN {d} ON {d}.rowid = {f}.rowid WHERE {f} MATCH ?1",
            f = self.fts,
            d = self.docs
        );
        let mut out = Vec::with_capacity(terms.len());
        for term in terms {
            let Some(q) = quote_term(term) else {
                out.push(HashSet::new());
                continue;
            };
            let mut stmt = conn
                .prepare_cached(&sql)
                .map_err(|e| super::bad_query(&q, e))?;
            let ids = stmt
                .query_map([&q], |r| r.get::<_, String>(0))
                .map_err(|e| super::bad_query(&q, e))?
                .collect::<Result<HashSet<String>, _>>()
                .map_err(|e| super::bad_query(&q, e))?;
            out.push(ids);
        }
        Ok(out)
    }
}
