//! The transcript-only question set (`tests/fixtures/transcript-queries.json`, written by
//! `scripts/gen_demo_export.py`) against the committed demo export: every answer is in the
//! expected conversation's transcript and nowhere else (not in its structured text, not in
//! any other conversation, not in the question), and no question is its target's title.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct TranscriptQuery {
    query: String,
    memory_id: String,
    answers: Vec<String>,
}

const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "with", "from", "by",
    "did", "does", "do", "is", "was", "what", "which", "who", "when", "where", "how", "after", "s",
    "sam", "up", "it", "be",
];

/// `needle` in `hay` as whole words, case-insensitive; a number is whole too ("$185" is
/// not in "$185,000").
fn contains_words(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.to_lowercase(), needle.to_lowercase());
    let word = |c: char| c.is_alphanumeric() || c == '_';
    hay.match_indices(&needle).any(|(at, _)| {
        let before = hay[..at].chars().next_back();
        let rest = &hay[at + needle.len()..];
        let mut after = rest.chars();
        let (a1, a2) = (after.next(), after.next());
        let glued_before = before.is_some_and(|c| word(c) || c == '$');
        let number_goes_on =
            matches!(a1, Some(',' | '.')) && a2.is_some_and(|c| c.is_ascii_digit());
        !(glued_before || a1.is_some_and(word) || number_goes_on)
    })
}

fn content_words(text: &str) -> HashSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOPWORDS.contains(w))
        .map(String::from)
        .collect()
}

#[test]
fn transcript_questions_are_answered_only_by_their_transcript() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let export: Value = serde_json::from_str(&read("assets/demo-export.json")).unwrap();
    let queries: Vec<TranscriptQuery> =
        serde_json::from_str(&read("tests/fixtures/transcript-queries.json")).unwrap();
    assert!(queries.len() >= 60, "{} questions", queries.len());

    // id -> (transcript text, structured text, title)
    let convs: Vec<(String, String, String, String)> = export["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = &c["structured"];
            let field = |v: &Value| v.as_str().unwrap_or_default().to_string();
            let transcript: Vec<String> = c["transcript_segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|seg| field(&seg["text"]))
                .collect();
            let mut structured = vec![field(&s["title"]), field(&s["overview"])];
            for a in s["action_items"].as_array().into_iter().flatten() {
                structured.push(field(&a["description"]));
            }
            for e in s["events"].as_array().into_iter().flatten() {
                structured.push(field(&e["title"]));
            }
            (
                field(&c["id"]),
                transcript.join("\n"),
                structured.join("\n"),
                field(&s["title"]),
            )
        })
        .collect();

    let mut problems = Vec::new();
    for q in &queries {
        let Some((_, transcript, structured, title)) = convs.iter().find(|c| c.0 == q.memory_id)
        else {
            problems.push(format!(
                "{:?}: {} is not in the demo export",
                q.query, q.memory_id
            ));
            continue;
        };
        assert!(!q.answers.is_empty(), "{:?} has no answer", q.query);
        for a in &q.answers {
            if !contains_words(transcript, a) {
                problems.push(format!("{:?}: {a:?} is not in its transcript", q.query));
            }
            if contains_words(structured, a) {
                problems.push(format!("{:?}: {a:?} is in its structured text", q.query));
            }
            if contains_words(&q.query, a) {
                problems.push(format!("{:?}: {a:?} is in the question", q.query));
            }
            for (id, t, s, other) in &convs {
                if *id != q.memory_id && (contains_words(t, a) || contains_words(s, a)) {
                    problems.push(format!("{:?}: {a:?} is also in {other:?}", q.query));
                }
            }
        }
        let shared: Vec<_> = content_words(&q.query)
            .intersection(&content_words(title))
            .cloned()
            .collect();
        if shared.len() > 1 {
            problems.push(format!("{:?} repeats title words {shared:?}", q.query));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn whole_word_matching_keeps_numbers_whole() {
    assert!(contains_words("it was $185 out of pocket", "$185"));
    assert!(!contains_words("the range is $185,000 base", "$185"));
    assert!(!contains_words("AHI was 12.1", "2.1"));
    assert!(contains_words("AHI was 2.1.", "2.1"));
    assert!(!contains_words("Parrot", "Parr"));
    assert!(contains_words("It's Parr, the supplier", "parr"));
}
