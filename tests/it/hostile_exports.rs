//! Hostile exports: files that are not JSON, cut short, huge, deeply nested, badly
//! encoded or full of wrong types. Each must give a clear whole-file error or a clean
//! per-record report — never a panic, a hang or unbounded memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::path::Path;

use memlens::omi::conventions::{validate_id, vector_id};
use memlens::omi::export::{Export, ExportError, load_bytes, load_path};
use memlens::omi::text::{TextFormat, render};

// ---------------------------------------------------------------------------------------
// Allocation accounting per thread (tests run on parallel threads; each measures its own).

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = LIVE.try_with(|l| {
        let now = l.get() + size;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

fn note_free(size: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(size)));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters only
// touch const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_free(layout.size());
        note_alloc(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes this thread had allocated (beyond what was live at the start) while `f` ran.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get) - base)
}

// ---------------------------------------------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The loaded export is consistent, and every memory renders in every format.
fn check_consistent(e: &Export) {
    assert_eq!(
        e.total_records,
        e.memories.len() + e.bad_records.len() + e.duplicates.len()
    );
    for m in &e.memories {
        for f in TextFormat::ALL {
            let _ = render(&m.structured, f);
        }
        for d in [&m.created_at, &m.started_at, &m.finished_at]
            .into_iter()
            .flatten()
        {
            let _ = (d.python_str(), d.timestamp(), d.display_short());
        }
    }
    let _ = e.summary();
    for b in &e.bad_records {
        assert!(!b.reason.is_empty());
        assert!(b.line >= 1);
    }
}

fn whole_file_error(name: &str, bytes: &[u8]) -> ExportError {
    match load_bytes(name, bytes) {
        Ok(e) => panic!(
            "{name}: loaded {} memories, {} bad; expected a whole-file error",
            e.memories.len(),
            e.bad_records.len()
        ),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(name),
                "{name}: message does not name the file: {msg}"
            );
            e
        }
    }
}

fn loads(name: &str, bytes: &[u8]) -> Export {
    let e = load_bytes(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    check_consistent(&e);
    e
}

#[test]
fn not_json_is_a_clear_error() {
    for name in [
        "not-json.txt",
        "html-error-page.json",
        "python-repr.json",
        "utf16-bom.json",
    ] {
        let e = whole_file_error(name, &fixture(name));
        assert!(
            matches!(
                e,
                ExportError::Json {
                    what: "not valid JSON",
                    line: 1,
                    ..
                }
            ),
            "{name}: {e}"
        );
    }
}

/// Byte offsets just before and just after each structural character (outside strings)
/// of a JSON text, and inside each string.
fn structural_boundaries(text: &[u8]) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
                cuts.push(i + 1); // in the middle of an escape
            } else if b == b'"' {
                in_string = false;
                cuts.push(i);
                cuts.push(i + 1);
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                cuts.push(i);
                cuts.push(i + 1);
                cuts.push(i + 2); // one character into the string
            }
            b'{' | b'}' | b'[' | b']' | b',' | b':' => {
                cuts.push(i);
                cuts.push(i + 1);
            }
            b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => cuts.push(i + 1), // inside a literal
            _ => {}
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_at_every_structural_boundary() {
    let full =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3.json"))
            .unwrap();
    let end = full.iter().rposition(|&b| b == b'}').unwrap() + 1;
    let cuts = structural_boundaries(&full);
    assert!(cuts.len() > 1000, "only {} cuts", cuts.len());
    let mut tried = 0;
    for &cut in cuts.iter().filter(|&&c| c < end) {
        tried += 1;
        let name = "omi-export.json";
        match load_bytes(name, &full[..cut]) {
            Ok(e) => panic!("cut at {cut}: loaded {} memories", e.memories.len()),
            Err(ExportError::Json { what, message, .. }) => assert!(
                what.contains("ends early") || cut == 0,
                "cut at {cut}: {what}: {message}"
            ),
            Err(ExportError::EmptyFile { .. }) => assert_eq!(cut, 0),
            Err(other) => panic!("cut at {cut}: {other}"),
        }
    }
    eprintln!("truncations tried: {tried}");
    // The whole file (up to its last brace) loads, as the untouched file does.
    let whole = loads("omi-export.json", &full);
    assert!(!whole.memories.is_empty());
    assert_eq!(
        loads("omi-export.json", &full[..end]).memories,
        whole.memories
    );
}

#[test]
fn a_hundred_megabytes_of_whitespace_in_bounded_memory() {
    const SIZE: usize = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let chunk = vec![b' '; 1 << 20];
    let mut newline_chunk = chunk.clone();
    newline_chunk[0] = b'\n';
    newline_chunk[1] = b'\t';
    newline_chunk[2] = b'\r';

    // Only whitespace: "the file is empty".
    let blank = dir.path().join("blank.json");
    let mut f = std::fs::File::create(&blank).unwrap();
    for i in 0..SIZE / chunk.len() {
        f.write_all(if i % 2 == 0 { &chunk } else { &newline_chunk })
            .unwrap();
    }
    drop(f);
    let (result, peak) = peak_during(|| load_path(&blank));
    assert!(
        matches!(result, Err(ExportError::EmptyFile { .. })),
        "{result:?}"
    );
    eprintln!("blank: peak {peak} bytes for {SIZE}");
    assert!(
        peak <= SIZE + SIZE / 8,
        "peak {peak} bytes for a {SIZE}-byte file"
    );

    // Whitespace around and between two records.
    let padded = dir.path().join("padded.json");
    let mut f = std::fs::File::create(&padded).unwrap();
    f.write_all(b"[").unwrap();
    for i in 0..SIZE / chunk.len() / 2 {
        f.write_all(if i % 2 == 0 { &chunk } else { &newline_chunk })
            .unwrap();
    }
    f.write_all(br#"{"id":"a",  "structured":   {"title":"t"}}"#)
        .unwrap();
    for _ in 0..SIZE / chunk.len() / 2 {
        f.write_all(&newline_chunk).unwrap();
    }
    f.write_all(br#",{"id":"b"}]"#).unwrap();
    drop(f);
    let (result, peak) = peak_during(|| load_path(&padded));
    let e = result.unwrap();
    assert_eq!(e.memories.len(), 2);
    assert_eq!(e.memories[0].structured.title, "t");
    eprintln!("padded: peak {peak} bytes for {SIZE}");
    assert!(
        peak <= SIZE + SIZE / 8,
        "peak {peak} bytes for a {SIZE}-byte file"
    );
}

#[test]
fn nesting_a_hundred_thousand_deep() {
    const DEPTH: usize = 100_000;
    let open_list = "[".repeat(DEPTH);
    let close_list = "]".repeat(DEPTH);
    let open_obj = r#"{"a":"#.repeat(DEPTH);
    let close_obj = "}".repeat(DEPTH);
    // Deep but complete inside a record list: the record is not a memory object, and
    // is reported as such (the scan that finds its end keeps its own stack, not the
    // thread's).
    for (name, bytes, bad_index) in [
        ("lists.json", format!("{open_list}{close_list}"), 0),
        (
            "in-record.json",
            format!(r#"[{{"id":"a"}},{open_list}{close_list},{{"id":"b"}}]"#),
            1,
        ),
    ] {
        let e = loads(name, bytes.as_bytes());
        assert_eq!(e.bad_records.len(), 1, "{name}");
        assert_eq!(e.bad_records[0].index, bad_index, "{name}");
        assert!(
            e.bad_records[0].reason == "the record is a list, not a memory object",
            "{name}: {:?}",
            e.bad_records
        );
    }
    // Deep but complete in a part of the export memlens skips: skipped.
    let e = loads(
        "in-export.json",
        format!(
            r#"{{"profile":{{}},"people":{open_list}{close_list},"conversations":[{{"id":"a"}}]}}"#
        )
        .as_bytes(),
    );
    assert_eq!((e.memories.len(), e.bad_records.len()), (1, 0));
    // Never closed: the file ends early.
    let e = whole_file_error("lists-open.json", open_list.as_bytes());
    assert!(
        matches!(e, ExportError::Json { what, .. } if what.contains("ends early")),
        "{e}"
    );
    // Deep objects at the top: skipped as a value, then not an export.
    let e = whole_file_error("objects.json", format!("{open_obj}1{close_obj}").as_bytes());
    assert!(matches!(e, ExportError::UnknownShape { .. }), "{e}");
    // Deep where a title belongs: that record is reported, by id.
    let e = loads(
        "in-title.json",
        format!(r#"[{{"id":"a","structured":{{"title":{open_obj}1{close_obj}}}}},{{"id":"b"}}]"#)
            .as_bytes(),
    );
    assert_eq!(e.memories.len(), 1);
    assert_eq!(e.bad_records[0].id.as_deref(), Some("a"));
    // Deep in a field memlens ignores: skipped, both records load.
    let e = loads(
        "in-field.json",
        format!(r#"[{{"id":"a","extra":{open_list}{close_list}}},{{"id":"b"}}]"#).as_bytes(),
    );
    assert_eq!((e.memories.len(), e.bad_records.len()), (2, 0));
}

#[test]
fn ten_megabyte_titles() {
    let title = "word ".repeat(2 * 1024 * 1024);
    let overview = "é".repeat(5 * 1024 * 1024);
    let text = format!(
        r#"[{{"id":"big","structured":{{"title":"{title}","overview":"{overview}","action_items":[{{"description":"{title}"}}]}}}},{{"id":"small"}}]"#
    );
    let e = loads("big.json", text.as_bytes());
    assert_eq!(e.memories.len(), 2);
    let s = &e.memories[0].structured;
    assert_eq!(s.title.len(), title.len());
    let rendered = render(s, TextFormat::CURRENT);
    assert!(rendered.len() > title.len() + overview.len());
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    // Inside a string: the record cannot be read as text, so the file is refused with a
    // position, rather than silently altered.
    for name in [
        "invalid-utf8-in-string.json",
        "nul-raw-in-string.json",
        "nul-between-tokens.json",
    ] {
        let e = whole_file_error(name, &fixture(name));
        assert!(matches!(e, ExportError::Json { .. }), "{name}: {e}");
    }
    // Escaped NULs are valid JSON: kept as they are.
    let e = loads("nul-escaped.json", &fixture("nul-escaped.json"));
    assert_eq!(e.memories.len(), 2);
    assert_eq!(e.memories[0].structured.title, "escaped \0 NUL");
}

#[test]
fn numbers_where_strings_belong() {
    let e = loads(
        "numbers-for-strings.json",
        &fixture("numbers-for-strings.json"),
    );
    assert_eq!(e.total_records, 5);
    let ids: Vec<&str> = e.memories.iter().map(|m| m.id.as_str()).collect();
    assert!(ids.contains(&"e"), "{ids:?}");
    eprintln!(
        "numbers-for-strings: loaded {ids:?}, bad {:?}",
        e.bad_records
            .iter()
            .map(|b| (&b.id, &b.reason))
            .collect::<Vec<_>>()
    );
    for b in &e.bad_records {
        assert!(b.id.is_some(), "{b:?}");
        assert!(!b.reason.contains("RawRecord"), "{b:?}");
    }
}

#[test]
fn duplicate_ids_are_reported() {
    let e = loads("duplicate-ids.json", &fixture("duplicate-ids.json"));
    assert_eq!(e.memories.len(), 2);
    assert_eq!(e.get("a").unwrap().structured.title, "first");
    let dups: Vec<(&str, usize, usize)> = e
        .duplicates
        .iter()
        .map(|d| (d.id.as_str(), d.first_index, d.index))
        .collect();
    assert_eq!(dups, [("a", 0, 2), ("a", 0, 3)]);
}

#[test]
fn odd_ids_are_kept_and_non_ascii_ones_flagged_for_pinecone() {
    let e = loads("odd-ids.json", &fixture("odd-ids.json"));
    let ids: Vec<&str> = e.memories.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["has spaces in it", "café-✓", " ", "tab\tid"]);
    for id in ids {
        let verdict = validate_id(&vector_id("uid1", id));
        if id.is_ascii() {
            assert!(verdict.is_ok(), "{id:?}: {verdict:?}");
        } else {
            let msg = verdict.unwrap_err();
            assert!(msg.contains("not ASCII"), "{msg}");
        }
    }
}

#[test]
fn dates_in_the_year_0_and_9999() {
    let e = loads("year-0.json", &fixture("year-0.json"));
    assert_eq!(e.total_records, 2);
    assert!(e.get("ok").is_some());
    // Python's datetime has no year 0, but memlens keeps the date as written (it never
    // reaches Omi's backend); what matters is that every use of it works.
    let m = e.get("y0").expect("year 0 record kept");
    let d = m.created_at.as_ref().unwrap();
    assert!(
        d.python_str().starts_with("0000-01-01 00:00:00"),
        "{}",
        d.python_str()
    );
    assert!(d.timestamp() < -62_000_000_000);

    let e = loads("year-9999.json", &fixture("year-9999.json"));
    assert_eq!((e.memories.len(), e.bad_records.len()), (2, 0));
    let y1 = e.get("y1").unwrap().created_at.as_ref().unwrap();
    assert!(
        y1.python_str().starts_with("0001-01-01 00:00:00+14:00"),
        "{}",
        y1.python_str()
    );
    let m = e.get("y9999").expect("year 9999 is a valid Python date");
    let d = m.created_at.as_ref().unwrap();
    assert_eq!(d.python_str(), "9999-12-31 23:59:59.999999+00:00");
    for f in TextFormat::ALL {
        let text = render(&m.structured, f);
        assert!(text.contains("nd of time"), "{text}");
        if f != TextFormat::Omi20240730 {
            assert!(text.contains("9999-12-31"), "{f}: {text}");
        }
    }
}

/// Found by the fuzzer: a bare non-finite token whose recorded offset did not stand on a
/// character boundary of the scanned value made the loader panic while re-writing it.
#[test]
fn a_misplaced_non_finite_token_is_an_error_not_a_panic() {
    let name = "fuzz-nonfinite-offset.json";
    let e = whole_file_error(name, &fixture(name));
    assert!(matches!(e, ExportError::Json { .. }), "{e}");
}
