//! What people type, turned into an FTS5 query that cannot be a syntax error, and the
//! snippets cut from FTS5's `highlight()` output.
//!
//! Query language: words (all must match), `"a phrase"`, `prefix*` (also `"a phr"*`) and
//! `OR` between two terms. Every word is quoted before it reaches FTS5, so punctuation
//! (`don't`, `U.S.`, `-`) never breaks the query; a term with no letter or digit is
//! dropped.
//!
//! Chinese and Japanese (and Korean) have no spaces between words, and FTS5's `unicode61`
//! keeps a run of such characters as one token, so `東京` would never match inside
//! `東京出張の会議`. Indexed text has every CJK character made a token of its own
//! ([`segment_cjk`]: a [`SEP`] on each side, a format character `unicode61` treats as a
//! separator and snippets drop); a query's CJK run becomes its overlapping two-character
//! phrases (`東京出張` → `"東 京" AND "京 出" AND "出 張"`), a substring search. Text
//! without CJK is indexed and queried exactly as before.

use serde::Serialize;

/// Start of a match in `highlight()` output. Documents have these characters replaced
/// before they are indexed ([`clean`]), so only FTS5 puts them there.
pub(crate) const OPEN: char = '\u{2}';
/// End of a match in `highlight()` output.
pub(crate) const CLOSE: char = '\u{3}';

/// The separator put around each CJK character of indexed text: ZERO WIDTH SPACE, a
/// format character (`Cf`), which `unicode61` splits tokens on. Snippets drop it.
pub(crate) const SEP: char = '\u{200B}';

/// A character of a script written without spaces between words: CJK ideographs (with
/// extensions and compatibility forms), kana, Hangul, CJK punctuation excluded.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9D    // Halfwidth katakana
        | 0x20000..=0x3FFFF  // CJK extensions B–H
    )
}

/// Every CJK character of `s` as a token of its own (a [`SEP`] on each side); text without
/// CJK is returned as it is.
pub fn segment_cjk(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_cjk) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for c in s.chars() {
        if is_cjk(c) {
            if !out.is_empty() && !out.ends_with(SEP) {
                out.push(SEP);
            }
            out.push(c);
            out.push(SEP);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The terms of one bare word: its CJK runs as overlapping two-character phrases (one
/// character alone as itself), the rest as words. `prefix` goes on the last term.
fn word_terms(word: &str, prefix: bool, out: &mut Vec<Term>) {
    let mut parts: Vec<String> = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut other = String::new();
    let flush_run = |run: &mut Vec<char>, parts: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => parts.push(quote(&run[0].to_string())),
            _ => parts.extend(
                run.windows(2)
                    .map(|w| quote(&segment_cjk(&format!("{}{}", w[0], w[1])))),
            ),
        }
        run.clear();
    };
    for c in word.chars() {
        if is_cjk(c) {
            if searchable(&other) {
                parts.push(quote(&other));
            }
            other.clear();
            run.push(c);
        } else {
            flush_run(&mut run, &mut parts);
            other.push(c);
        }
    }
    flush_run(&mut run, &mut parts);
    if searchable(&other) {
        parts.push(quote(&other));
    }
    let n = parts.len();
    for (i, p) in parts.into_iter().enumerate() {
        let star = if prefix && i + 1 == n { "*" } else { "" };
        out.push(Term::Match(format!("{p}{star}")));
    }
}

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
    let w = word.replace([OPEN, CLOSE, SEP], " ");
    // A CJK run is indexed a character a token: quoted whole, it is their phrase.
    searchable(&w).then(|| quote(&segment_cjk(w.trim())))
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
            let phrase = phrase.replace([OPEN, CLOSE, SEP], " ");
            if searchable(&phrase) {
                out.push(Term::Match(format!(
                    "{}{}",
                    quote(&segment_cjk(phrase.trim())),
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
        let bare = word.trim_end_matches('*').replace([OPEN, CLOSE, SEP], " ");
        if bare.chars().any(is_cjk) {
            word_terms(&bare, prefix, &mut out);
        } else if searchable(&bare) {
            out.push(Term::Match(format!(
                "{}{}",
                quote(&bare),
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

/// Why the text side of a fused search has nothing to search in `input`, for people
/// (`text side skipped: "🎂" holds no word`), or `None` when it has: no letter or digit
/// left (emoji, punctuation, a lone `OR`), or only stop words outside quotes (the fused
/// search's list, [`crate::sync::lexical::is_stop_word`]).
pub fn skip_text_side(input: &str) -> Option<String> {
    if fts_query(input).is_none() {
        return Some(format!(
            "text side skipped: {input:?} holds no word to match"
        ));
    }
    let quoted = input.contains('"');
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty() && *w != "OR")
        .collect();
    (!quoted && words.iter().all(|w| crate::sync::lexical::is_stop_word(w)))
        .then(|| format!("text side skipped: {input:?} holds only stop words"))
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

/// Where a snippet may be cut: a space, or between two CJK characters.
fn boundary(c: char) -> bool {
    c.is_whitespace() || c == SEP
}

/// Cut a snippet from one line of `highlight()` output (matches between [`OPEN`] and
/// [`CLOSE`]); `None` when the line holds no match.
pub fn snippet(line: &str) -> Option<Snippet> {
    let chars: Vec<char> = line.chars().collect();
    let first = chars.iter().position(|c| *c == OPEN)?;
    let mut start = first.saturating_sub(BEFORE);
    if start > 0 {
        // Start at a word boundary.
        while start < first && !boundary(chars[start - 1]) {
            start += 1;
        }
    }
    let mut end = (first + AFTER).min(chars.len());
    if end < chars.len() {
        while end > first + 1 && !boundary(chars[end]) {
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
            SEP => {}
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

/// Remove the marker characters from indexed text, so a document cannot fake a match (a
/// [`SEP`] of the export's own is dropped: it is invisible).
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([OPEN, CLOSE, SEP]) {
        std::borrow::Cow::Owned(s.replace([OPEN, CLOSE], " ").replace(SEP, ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The text the index holds for a field: [`clean`], then [`segment_cjk`].
pub fn index_text(s: &str) -> String {
    segment_cjk(&clean(s)).into_owned()
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
        assert_eq!(fts_query("🎂"), None);
    }

    #[test]
    fn text_side_skips_what_holds_no_word() {
        assert!(skip_text_side("🎂").unwrap().contains("no word"));
        assert!(skip_text_side("OR").is_some());
        assert!(skip_text_side("?!").is_some());
        assert!(
            skip_text_side("what was it")
                .unwrap()
                .contains("stop words")
        );
        assert_eq!(skip_text_side("\"the who\""), None);
        assert_eq!(skip_text_side("the deposit"), None);
        assert_eq!(skip_text_side("東京"), None);
    }

    #[test]
    fn cjk_runs_become_two_character_phrases() {
        let s = SEP;
        assert_eq!(fts_query("東京").unwrap(), format!("\"東{s}京{s}\""));
        assert_eq!(
            fts_query("東京出張").unwrap(),
            format!("\"東{s}京{s}\" AND \"京{s}出{s}\" AND \"出{s}張{s}\"")
        );
        assert_eq!(fts_query("会").unwrap(), "\"会\"");
        assert_eq!(
            fts_query("Tokyo東京*").unwrap(),
            format!("\"Tokyo\" AND \"東{s}京{s}\"*")
        );
        assert_eq!(
            fts_query("\"東京 meeting\"").unwrap(),
            format!("\"東{s}京{s} meeting\"")
        );
        assert_eq!(segment_cjk("plain text"), "plain text");
        assert_eq!(segment_cjk("在東京"), format!("在{s}東{s}京{s}"));
        assert_eq!(index_text("a\u{200B}b"), "ab");
        let line = format!("{OPEN}東{s}京{s}{CLOSE}出{s}張{s}の{s}会{s}議{s}");
        let snip = snippet(&line).unwrap();
        assert_eq!(snip.marked("[", "]"), "[東京]出張の会議");
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
