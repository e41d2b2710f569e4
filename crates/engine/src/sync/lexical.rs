//! The lexical side of hybrid search asks for the query's content words only: a stop word
//! ("at", "of", "the", "did") matches almost every memory, so in an OR-ed fallback it
//! ranks noise (the "couldn't sleep at night because of worry" found other
//! memories by "at" and "of"). The list is NLTK's English stop words (179 words), the
//! common standard; a query with operators (`"phrase"`, `prefix*`, `OR`) is left as typed.

/// NLTK's English stop words, lower case, apostrophes kept.
pub const STOP_WORDS: [&str; 179] = [
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "you're",
    "you've",
    "you'll",
    "you'd",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "she's",
    "her",
    "hers",
    "herself",
    "it",
    "it's",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "that'll",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "don't",
    "should",
    "should've",
    "now",
    "d",
    "ll",
    "m",
    "o",
    "re",
    "ve",
    "y",
    "ain",
    "aren",
    "aren't",
    "couldn",
    "couldn't",
    "didn",
    "didn't",
    "doesn",
    "doesn't",
    "hadn",
    "hadn't",
    "hasn",
    "hasn't",
    "haven",
    "haven't",
    "isn",
    "isn't",
    "ma",
    "mightn",
    "mightn't",
    "mustn",
    "mustn't",
    "needn",
    "needn't",
    "shan",
    "shan't",
    "shouldn",
    "shouldn't",
    "wasn",
    "wasn't",
    "weren",
    "weren't",
    "won",
    "won't",
    "wouldn",
    "wouldn't",
];

/// True for a stop word (case-insensitive; surrounding punctuation ignored; `’` read as
/// `'`).
pub fn is_stop_word(word: &str) -> bool {
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .to_lowercase()
        .replace('’', "'");
    let w = w.trim_matches('\'');
    w.is_empty() || STOP_WORDS.contains(&w)
}

/// The query with its stop words left out (word order kept). A query with operators
/// (`"`, `*`, an `OR` word) or with nothing but stop words is returned as typed.
pub fn content_query(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().collect();
    if query.contains(['"', '*']) || words.contains(&"OR") {
        return query.to_string();
    }
    let kept: Vec<&str> = words.into_iter().filter(|w| !is_stop_word(w)).collect();
    if kept.is_empty() {
        query.to_string()
    } else {
        kept.join(" ")
    }
}

/// The query's content words for the lexical evidence: split at every character that is
/// not a letter or digit (as FTS5's tokenizer does), lower case, stop words out, each once
/// in order. A query of stop words only keeps them.
pub fn content_terms(query: &str) -> Vec<String> {
    let words = |keep_stop: bool| {
        let mut out: Vec<String> = Vec::new();
        for w in query.split_whitespace() {
            if !keep_stop && is_stop_word(w) {
                continue;
            }
            for t in w.split(|c: char| !c.is_alphanumeric()) {
                let t = t.to_lowercase();
                if !t.is_empty() && (keep_stop || !is_stop_word(&t)) && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    };
    let content = words(false);
    if content.is_empty() {
        words(true)
    } else {
        content
    }
}

/// BM25's inverse document frequency (Robertson–Spärck Jones, as Lucene and FTS5 use it):
/// `ln(1 + (n − df + 0.5) / (df + 0.5))` for a word held by `df` of `n` memories.
pub fn idf(n: usize, df: usize) -> f64 {
    let (n, df) = (n as f64, df as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// How much of the query's rare words each memory holds: for each memory, the IDF of the
/// query's content words it holds over the IDF of all of them, in [0, 1]. A word no
/// memory holds keeps its (highest) weight: a query whose distinctive words appear nowhere
/// has no real lexical match, and its common words alone must not make one (measured: left
/// out, "picking a stone surface for the cooking area" gave full coverage to a memory
/// holding only "picking" and "cooking"). `holders[i]` are the memories holding
/// `terms[i]`, `n` the memories of the collection.
pub fn coverage(
    n: usize,
    holders: &[std::collections::HashSet<String>],
) -> std::collections::HashMap<String, f64> {
    let weights: Vec<f64> = holders.iter().map(|h| idf(n, h.len())).collect();
    let total: f64 = weights.iter().sum();
    let mut out = std::collections::HashMap::new();
    if total <= 0.0 {
        return out;
    }
    for (h, w) in holders.iter().zip(&weights) {
        for id in h {
            *out.entry(id.clone()).or_insert(0.0) += w / total;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_coverage() {
        assert_eq!(
            content_terms("how much did the filling cost after Dr. Patel's $185?"),
            ["much", "filling", "cost", "dr", "patel", "185"]
        );
        assert_eq!(content_terms("of the"), ["of", "the"]);
        assert!(idf(100, 1) > idf(100, 50));
        let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
        // "marisol" in one memory of 100, "checkup" in 40 (b among them), "zebra" in none.
        let mut common: std::collections::HashSet<String> =
            (0..38).map(|i| format!("m{i}")).collect();
        common.extend(["a".to_string(), "b".to_string()]);
        let cov = coverage(100, &[set(&["a"]), common, set(&[])]);
        let (w1, w40, w0) = (idf(100, 1), idf(100, 40), idf(100, 0));
        assert!((cov["a"] - (w1 + w40) / (w1 + w40 + w0)).abs() < 1e-12);
        assert!(cov["b"] < 0.1, "b holds only the common word: {}", cov["b"]);
        let all = coverage(100, &[set(&["a"]), set(&["a", "b"])]);
        assert!((all["a"] - 1.0).abs() < 1e-12, "a holds every word");
        assert!(coverage(10, &[set(&[])]).is_empty());
    }

    #[test]
    fn drops_stop_words_only() {
        assert_eq!(
            content_query("couldn't sleep at night because of worry"),
            "sleep night worry"
        );
        assert_eq!(
            content_query("When did the caterer say the deposit was due?"),
            "caterer say deposit due?"
        );
        assert_eq!(content_query("\"at the lake\""), "\"at the lake\"");
        assert_eq!(content_query("dog OR cat"), "dog OR cat");
        assert_eq!(content_query("the of"), "the of");
        assert!(is_stop_word("Didn’t"));
        assert!(!is_stop_word("lender"));
    }
}
