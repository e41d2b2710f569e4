//! What people type, turned into an FTS5 query that cannot be a syntax error, and the
//! snippets cut from FTS5's `highlight()` output.
//!
//! Query language: words (all must match), `"a phrase"`, `prefix*` (also `"a phr"*`) and
//! `OR` between two terms. Every word is quoted before it reaches FTS5, so punctuation
//! (`don't`, `U.S.`, `-`) never breaks the query; a term with no letter or digit is
//! dropped.

use serde::Serialize;

/// Start of a match in `highlight()` output. Documents have these characters replaced
/// before they are indexed ([`clean`]), so only FTS5 puts them there.
pub(crate) const OPEN: char = '\u{2}';
/// End of a match in `highlight()` output.
pub(crate) const CLOSE: char = '\u{3}';

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// A quoted FTS5 string, with `*` when it is a prefix.
    Match(String),
    Or,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// One word as an FTS5 string (`"word"`), or `None` when it has no letter or digit.
pub(crate) fn quote_term(word: &str) -> Option<String> {
    let w = word.replace([OPEN, CLOSE], " ");
    searchable(&w).then(|| quote(w.trim()))
}

fn searchable(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn terms(input: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|c| *c != '"').collect();
            let prefix = chars.peek() == Some(&'*');
            if prefix {
                chars.next();
            }
            let phrase = phrase.replace([OPEN, CLOSE], " ");
            if searchable(&phrase) {
                out.push(Term::Match(format!(
                    "{}{}",
                    quote(phrase.trim()),
                    if prefix { "*" } else { "" }
                )));
            }
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '"' {
                break;
            }
            word.push(c);
            chars.next();
        }
        if word == "OR" {
            out.push(Term::Or);
            continue;
        }
        let prefix = word.ends_with('*');
        let bare = word.trim_end_matches('*');
        if searchable(bare) {
            out.push(Term::Match(format!(
                "{}{}",
                quote(bare),
                if prefix { "*" } else { "" }
            )));
        }
    }
    out
}

/// The FTS5 query for `input`: terms joined by AND (implicit), `OR` kept between two
/// terms. `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    join(&terms(input), false)
}

/// The same terms joined by OR: the relaxed query, used when every term together matches
/// nothing (a question typed as a sentence). `None` when there is a single term (nothing
/// to relax) or nothing searchable.
pub fn relaxed_query(input: &str) -> Option<String> {
    let t = terms(input);
    let matches = t.iter().filter(|t| matches!(t, Term::Match(_))).count();
    if matches < 2 {
        return None;
    }
    join(&t, true)
}

fn join(terms: &[Term], all_or: bool) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    let mut pending_or = false;
    for t in terms {
        match t {
            Term::Or => pending_or = true,
            Term::Match(m) => {
                if !out.is_empty() {
                    out.push(if pending_or || all_or { "OR" } else { "AND" });
                }
                out.push(m);
                pending_or = false;
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// A piece of matched text: plain text plus the byte ranges of the matched words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The text, cut around the first match (`…` where it was cut).
    pub text: String,
    /// Byte ranges of `text` that matched, in order.
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// The snippet with each match between `open` and `close` (`*lender*`).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut at = 0;
        for (s, e) in &self.highlights {
            out.push_str(&self.text[at..*s]);
            out.push_str(open);
            out.push_str(&self.text[*s..*e]);
            out.push_str(close);
            at = *e;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// Characters kept before the first match.
const BEFORE: usize = 40;
/// Characters kept after the start of the first match.
const AFTER: usize = 100;

/// Cut a snippet from one line of `highlight()` output (matches between [`OPEN`] and
/// [`CLOSE`]); `None` when the line holds no match.
pub fn snippet(line: &str) -> Option<Snippet> {
    let chars: Vec<char> = line.chars().collect();
    let first = chars.iter().position(|c| *c == OPEN)?;
    let mut start = first.saturating_sub(BEFORE);
    if start > 0 {
        // Start at a word boundary.
        while start < first && !chars[start - 1].is_whitespace() {
            start += 1;
        }
    }
    let mut end = (first + AFTER).min(chars.len());
    if end < chars.len() {
        while end > first + 1 && !chars[end].is_whitespace() {
            end -= 1;
        }
        // Never cut inside a match.
        if let Some(close) = chars[first..].iter().position(|c| *c == CLOSE) {
            end = end.max(first + close + 1);
        }
    }
    let mut text = String::new();
    let mut highlights = Vec::new();
    if start > 0 {
        text.push('…');
    }
    let mut open_at = None;
    for c in &chars[start..end] {
        match *c {
            OPEN => open_at = Some(text.len()),
            CLOSE => {
                if let Some(s) = open_at.take() {
                    highlights.push((s, text.len()));
                }
            }
            c => text.push(c),
        }
    }
    if let Some(s) = open_at {
        highlights.push((s, text.len()));
    }
    if end < chars.len() {
        text.push('…');
    }
    Some(Snippet { text, highlights })
}

/// Remove the marker characters from indexed text, so a document cannot fake a match.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([OPEN, CLOSE]) {
        std::borrow::Cow::Owned(s.replace([OPEN, CLOSE], " "))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_always_valid_fts5() {
        assert_eq!(fts_query("lender").as_deref(), Some("\"lender\""));
        assert_eq!(
            fts_query("call lend*").as_deref(),
            Some("\"call\" AND \"lend\"*")
        );
        assert_eq!(
            fts_query("\"with the lender\" don't").as_deref(),
            Some("\"with the lender\" AND \"don't\"")
        );
        assert_eq!(fts_query("a OR b").as_deref(), Some("\"a\" OR \"b\""));
        assert_eq!(
            fts_query("\"unterminated").as_deref(),
            Some("\"unterminated\"")
        );
        assert_eq!(fts_query(" - & \"\" "), None);
        assert_eq!(fts_query("OR"), None);
        assert_eq!(
            relaxed_query("the lender").as_deref(),
            Some("\"the\" OR \"lender\"")
        );
        assert_eq!(relaxed_query("lender"), None);
    }

    #[test]
    fn snippets_cut_around_the_first_match() {
        let line = format!(
            "we spent a long while talking about the house and then about refinancing with the {OPEN}lender{CLOSE} next week and many other things that go on and on and on for a long time, much longer than any snippet should ever show on one line"
        );
        let s = snippet(&line).unwrap();
        assert!(s.text.starts_with('…'), "{}", s.text);
        assert!(s.text.ends_with('…'), "{}", s.text);
        assert!(
            s.marked("*", "*")
                .contains("refinancing with the *lender* next")
        );
        assert_eq!(snippet("no match here"), None);
        let short = snippet(&format!("{OPEN}Lender{CLOSE} call")).unwrap();
        assert_eq!(short.marked("[", "]"), "[Lender] call");
    }
}
