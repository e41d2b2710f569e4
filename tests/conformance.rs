//! Byte-exact embedding text: every conformance case in every format, and the sample
//! exports' expected texts (through the loader).

use std::path::Path;

use memlens::omi::export::parse_structured;
use memlens::omi::text::{TextFormat, render};
use serde_json::Value;

fn fixture(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// A readable report of the first byte where `got` differs from `want`.
pub fn first_difference(case: &str, format: TextFormat, want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let (w, g) = (want.as_bytes(), got.as_bytes());
    let at = w
        .iter()
        .zip(g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let around = |s: &str| {
        let mut lo = at.saturating_sub(40);
        while !s.is_char_boundary(lo.min(s.len())) {
            lo -= 1;
        }
        let mut hi = (at + 40).min(s.len());
        while !s.is_char_boundary(hi) {
            hi += 1;
        }
        format!("{:?}", &s[lo.min(s.len())..hi])
    };
    Some(format!(
        "case {case}, format {format}: first difference at byte {at} (expected {} bytes, got {})\n  expected …{}…\n  got      …{}…",
        w.len(),
        g.len(),
        around(want),
        around(got)
    ))
}

fn run_file(name: &str) -> (usize, Vec<String>) {
    let text = fixture(&format!("conformance/{name}"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1));
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let structured = parse_structured(&case["structured"].to_string())
            .unwrap_or_else(|e| panic!("case {id}: structured does not load: {e}"));
        for format in TextFormat::ALL {
            let want = case["expected"][format.name()]
                .as_str()
                .unwrap_or_else(|| panic!("case {id}: no expected text for {format}"));
            checked += 1;
            if let Some(d) = first_difference(&id, format, want, &render(&structured, format)) {
                failures.push(d);
            }
        }
    }
    (checked, failures)
}

#[test]
fn conformance_every_case_every_format() {
    let mut all = Vec::new();
    let mut total = 0;
    for f in ["embedding-text-tame.jsonl", "embedding-text-unicode.jsonl"] {
        let (n, fails) = run_file(f);
        assert!(n > 0, "{f} has no cases");
        total += n;
        all.extend(fails);
    }
    assert!(
        all.is_empty(),
        "{} of {total} texts differ; first:\n{}",
        all.len(),
        all.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Random cases whose expected texts CPython 3.11 computed
/// (`tests/fixtures/conformance/generate_random.py`).
#[test]
fn random_cases_match_python_311() {
    let (n, fails) = run_file("embedding-text-random.jsonl");
    assert!(n >= 500 * 5, "too few random texts: {n}");
    assert!(
        fails.is_empty(),
        "{} of {n} texts differ; first:\n{}",
        fails.len(),
        fails.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn difference_report_is_readable() {
    let d = first_difference("x", TextFormat::CURRENT, "abcdef", "abcXef").unwrap();
    assert!(d.contains("byte 3"), "{d}");
    assert!(first_difference("x", TextFormat::CURRENT, "same", "same").is_none());
}

#[test]
fn sample_exports_expected_texts() {
    let expected: Value = serde_json::from_str(&fixture("samples/expected.json")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for shape in ["e0", "e1", "e2", "e3", "e4", "e5"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/samples")
            .join(format!("{shape}.json"));
        let export =
            memlens::omi::export::load_path(&path).unwrap_or_else(|e| panic!("{shape}: {e}"));
        let want = &expected[shape];
        let ids: Vec<&str> = export.memories.iter().map(|m| m.id.as_str()).collect();
        let want_ids: Vec<&str> = want["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ids, want_ids, "{shape}: ids");
        assert_eq!(
            export.memories.len() as u64,
            want["count"].as_u64().unwrap(),
            "{shape}: count"
        );
        for format in TextFormat::ALL {
            for m in &export.memories {
                let w = want["texts"][format.name()][&m.id]
                    .as_str()
                    .unwrap_or_else(|| {
                        panic!("{shape}: no expected text for {} in {format}", m.id)
                    });
                checked += 1;
                let case = format!("{shape}/{}", m.id);
                if let Some(d) = first_difference(&case, format, w, &render(&m.structured, format))
                {
                    failures.push(d);
                }
            }
        }
    }
    assert!(checked >= 31 * 5, "too few texts checked: {checked}");
    assert!(
        failures.is_empty(),
        "{} texts differ; first:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}
