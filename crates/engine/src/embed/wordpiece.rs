//! BERT-uncased WordPiece tokenisation, matching the `tokenizer.json` that ships with
//! all-MiniLM-L6-v2 (and therefore the ids the built-in static table was distilled on).
//!
//! The pipeline is the one the Hugging Face `tokenizers` library runs for that file:
//!
//! 1. **Added tokens**: the literal strings `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and
//!    `[MASK]` in the raw text become their special ids; the text between them goes on.
//! 2. **BertNormalizer**: drop NUL, U+FFFD and control/format/private-use characters
//!    (general categories Cc, Cf, Co, except tab, newline and carriage return); turn
//!    every whitespace character into a space; pad CJK ideographs with spaces; NFD and
//!    drop non-spacing marks (Mn), i.e. strip accents; lowercase.
//! 3. **BertPreTokenizer**: split on whitespace, and isolate every punctuation character
//!    (ASCII punctuation, plus Unicode general category P*).
//! 4. **WordPiece**: greedy longest match from the start of each word, continuation
//!    pieces prefixed with `##`; a word longer than 100 characters, or one that cannot
//!    be covered by vocabulary pieces, becomes a single `[UNK]`.
//!
//! Parity with the reference implementation is checked by `tests/builtin_embedder.rs`
//! against ids produced by `scripts/make_wordpiece_fixture.py`. Character categories
//! come from the `unicode_categories` crate, the same (frozen, pre-2017) tables the
//! reference uses: newer Unicode tables split recently added punctuation differently,
//! which would change the ids the static table was distilled for.

use std::collections::HashMap;

use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

use super::EmbedError;

/// Words longer than this many characters become a single `[UNK]`.
pub const MAX_INPUT_CHARS_PER_WORD: usize = 100;

/// Prefix of continuation pieces in the vocabulary.
const CONTINUATION_PREFIX: &str = "##";

/// The unknown token.
pub const UNK_TOKEN: &str = "[UNK]";

/// Tokens matched verbatim in the raw text before normalisation.
const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A WordPiece tokenizer over a BERT `vocab.txt` (one token per line, line number = id).
#[derive(Debug, Clone)]
pub struct WordPiece {
    /// Pieces that start a word.
    words: HashMap<Box<str>, u32>,
    /// Continuation pieces, stored without their `##` prefix.
    pieces: HashMap<Box<str>, u32>,
    /// Added tokens found in the raw text, longest first.
    specials: Vec<(&'static str, u32)>,
    unk: u32,
    size: usize,
}

impl WordPiece {
    /// Build a tokenizer from the text of a `vocab.txt` file.
    ///
    /// Fails if the vocabulary is empty, has a blank or duplicate token, or lacks `[UNK]`.
    pub fn from_vocab(vocab: &str) -> Result<Self, EmbedError> {
        let mut words = HashMap::new();
        let mut pieces = HashMap::new();
        let mut by_token: HashMap<&str, u32> = HashMap::new();
        let body = vocab.strip_suffix('\n').unwrap_or(vocab);
        if body.is_empty() {
            return Err(bad_vocab("it is empty"));
        }
        for (line_no, line) in body.split('\n').enumerate() {
            let token = line.strip_suffix('\r').unwrap_or(line);
            let id = u32::try_from(line_no).map_err(|_| bad_vocab("it has too many lines"))?;
            if token.is_empty() {
                return Err(bad_vocab(&format!("line {} is blank", line_no + 1)));
            }
            if by_token.insert(token, id).is_some() {
                return Err(bad_vocab(&format!(
                    "token {token:?} appears twice (line {})",
                    line_no + 1
                )));
            }
            match token.strip_prefix(CONTINUATION_PREFIX) {
                Some(rest) if !rest.is_empty() => pieces.insert(rest.into(), id),
                _ => words.insert(token.into(), id),
            };
        }
        let unk = *by_token
            .get(UNK_TOKEN)
            .ok_or_else(|| bad_vocab("it has no [UNK] token"))?;
        let mut specials: Vec<(&'static str, u32)> = SPECIAL_TOKENS
            .iter()
            .filter_map(|t| by_token.get(t).map(|&id| (*t, id)))
            .collect();
        specials.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        Ok(Self {
            words,
            pieces,
            specials,
            unk,
            size: by_token.len(),
        })
    }

    /// Number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.size
    }

    /// Id of `[UNK]`.
    pub fn unk_id(&self) -> u32 {
        self.unk
    }

    /// Ids of the added special tokens (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`).
    pub fn special_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.specials.iter().map(|&(_, id)| id)
    }

    /// Id of one vocabulary token, written as in `vocab.txt` (e.g. `##ing`).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        match token.strip_prefix(CONTINUATION_PREFIX) {
            Some(rest) if !rest.is_empty() => self.pieces.get(rest).copied(),
            _ => self.words.get(token).copied(),
        }
    }

    /// Token ids of `text`, without `[CLS]`/`[SEP]`, no padding, no truncation.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        self.for_each_id(text, |id| ids.push(id));
        ids
    }

    /// Number of tokens `encode` would return, without building the list.
    pub fn count(&self, text: &str) -> usize {
        let mut n = 0;
        self.for_each_id(text, |_| n += 1);
        n
    }

    /// Call `emit` with each token id of `text`, in order.
    pub fn for_each_id(&self, text: &str, mut emit: impl FnMut(u32)) {
        let mut scratch = Scratch::default();
        let mut rest = text;
        while let Some((at, token, id)) = self.next_special(rest) {
            self.encode_plain(&rest[..at], &mut scratch, &mut emit);
            emit(id);
            rest = &rest[at + token.len()..];
        }
        self.encode_plain(rest, &mut scratch, &mut emit);
    }

    /// The first added token in `text`: (byte offset, token, id).
    fn next_special(&self, text: &str) -> Option<(usize, &'static str, u32)> {
        if self.specials.is_empty() {
            return None;
        }
        text.match_indices('[').find_map(|(at, _)| {
            self.specials
                .iter()
                .find(|(token, _)| text[at..].starts_with(token))
                .map(|&(token, id)| (at, token, id))
        })
    }

    /// Normalise, pre-tokenise and WordPiece a text that holds no added token.
    fn encode_plain(&self, text: &str, scratch: &mut Scratch, emit: &mut impl FnMut(u32)) {
        if text.is_empty() {
            return;
        }
        normalize_into(text, &mut scratch.normalized);
        let normalized = std::mem::take(&mut scratch.normalized);
        for chunk in normalized.split(char::is_whitespace) {
            let mut start = 0;
            for (i, c) in chunk.char_indices() {
                if is_bert_punctuation(c) {
                    self.encode_word(&chunk[start..i], &mut scratch.word_ids, emit);
                    self.encode_word(&chunk[i..i + c.len_utf8()], &mut scratch.word_ids, emit);
                    start = i + c.len_utf8();
                }
            }
            self.encode_word(&chunk[start..], &mut scratch.word_ids, emit);
        }
        scratch.normalized = normalized;
    }

    /// Greedy longest-match WordPiece of one pre-token.
    fn encode_word(&self, word: &str, buf: &mut Vec<u32>, emit: &mut impl FnMut(u32)) {
        if word.is_empty() {
            return;
        }
        if word.chars().nth(MAX_INPUT_CHARS_PER_WORD).is_some() {
            emit(self.unk);
            return;
        }
        buf.clear();
        let mut start = 0;
        while start < word.len() {
            let rest = &word[start..];
            let table = if start == 0 {
                &self.words
            } else {
                &self.pieces
            };
            let mut end = rest.len();
            let found = loop {
                if let Some(&id) = table.get(&rest[..end]) {
                    break Some(id);
                }
                match rest[..end].char_indices().next_back() {
                    Some((i, _)) if i > 0 => end = i,
                    _ => break None,
                }
            };
            match found {
                Some(id) => {
                    buf.push(id);
                    start += end;
                }
                None => {
                    emit(self.unk);
                    return;
                }
            }
        }
        buf.iter().for_each(|&id| emit(id));
    }
}

/// Buffers reused across the words of one text.
#[derive(Default)]
struct Scratch {
    normalized: String,
    word_ids: Vec<u32>,
}

fn bad_vocab(why: &str) -> EmbedError {
    EmbedError::Local(format!(
        "the built-in tokenizer vocabulary is unusable: {why}"
    ))
}

/// BertNormalizer (clean text, pad CJK, strip accents, lowercase) into `out`.
fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    let cleaned = text
        .chars()
        .filter(|&c| !(c == '\0' || c == '\u{fffd}' || is_control(c)))
        .map(|c| if is_whitespace(c) { ' ' } else { c })
        .flat_map(|c| {
            let pad = is_chinese_char(c).then_some(' ');
            [pad, Some(c), pad].into_iter().flatten()
        });
    out.extend(
        cleaned
            .nfd()
            .filter(|&c| !c.is_mark_nonspacing())
            .flat_map(char::to_lowercase),
    );
}

/// Whitespace as BERT counts it (tab, newline and carriage return included).
fn is_whitespace(c: char) -> bool {
    c.is_whitespace()
}

/// Characters BERT's cleaning drops: Cc, Cf and Co (not tab, newline or carriage return).
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    c.is_other_control() || c.is_other_format() || c.is_other_private_use()
}

/// CJK ideographs that BERT isolates as single-character words.
fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

/// BERT punctuation: ASCII punctuation or any Unicode P* category.
fn is_bert_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: &str =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n!\nun\n##aff\n##able\na\n,\n中\n";

    fn tok() -> WordPiece {
        WordPiece::from_vocab(VOCAB).unwrap()
    }

    #[test]
    fn greedy_longest_match_with_continuations() {
        assert_eq!(tok().encode("unaffable"), vec![8, 9, 10]);
        assert_eq!(tok().encode("Hello, World!"), vec![5, 12, 6, 7]);
    }

    #[test]
    fn uncoverable_word_is_one_unk() {
        assert_eq!(tok().encode("unaffablex hello"), vec![1, 5]);
    }

    #[test]
    fn long_word_is_unk() {
        let word = "a".repeat(MAX_INPUT_CHARS_PER_WORD + 1);
        assert_eq!(tok().encode(&word), vec![1]);
        assert_eq!(tok().count(&format!("{word} hello")), 2);
    }

    #[test]
    fn accents_case_cjk_and_controls() {
        assert_eq!(tok().encode("HÉLLO\u{0}\u{200b}中world"), vec![5, 13, 6]);
    }

    #[test]
    fn special_tokens_in_raw_text() {
        assert_eq!(
            tok().encode("hello[SEP]world [sep]"),
            vec![5, 3, 6, 1, 1, 1]
        );
    }

    #[test]
    fn empty_and_blank_text_have_no_tokens() {
        assert!(tok().encode("").is_empty());
        assert!(tok().encode(" \t\n\u{7}").is_empty());
    }

    #[test]
    fn rejects_bad_vocabularies() {
        assert!(WordPiece::from_vocab("").is_err());
        assert!(WordPiece::from_vocab("a\nb\n").is_err());
        assert!(WordPiece::from_vocab("[UNK]\na\na\n").is_err());
        assert!(WordPiece::from_vocab("[UNK]\n\na\n").is_err());
    }
}
