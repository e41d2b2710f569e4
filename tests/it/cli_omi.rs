//! `memlens check` and `memlens text`, run as the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn memlens(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_memlens"))
        .args(args)
        // Keep the user's config and environment out of the test.
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("MEMLENS_DATA_DIR", dir.path())
        .env_remove("MEMLENS_TEXT_FORMAT")
        .current_dir(dir.path())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

#[test]
fn check_reports_shape_counts_and_bad_records() {
    let o = memlens(&["check", &path("bad/bad-records.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("8 (2 loaded, 5 bad, 1 duplicate)"), "{out}");
    assert!(
        out.contains("record 1 (line 3): missing field `id`"),
        "{out}"
    );
    assert!(out.contains("id \"good-1\" already at record 0"), "{out}");
    assert!(out.contains("\"mystery\" 1 (counted as other)"), "{out}");
}

#[test]
fn check_json_is_one_object() {
    let o = memlens(&["check", "--json", &path("samples/e3.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["shape"], "E3");
    assert_eq!(v["memories"], 6);
    assert_eq!(v["profile_name"], "Test User");
    assert_eq!(v["by_category"]["romantic"], 1);
    assert_eq!(v["first_created"], "2024-08-26 01:27:29+00:00");
    let o = memlens(&["check", "--json", &path("samples/e0.json")]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["shape"], "E0");
    assert_eq!(v["memories_with_ambiguous_dates"], 6);
}

#[test]
fn check_exit_status() {
    let o = memlens(&["check", &path("bad/truncated.json")]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("truncated.json") && err.contains("line"),
        "{err}"
    );
    let o = memlens(&["check", "--json", &path("bad/not-json.json")]);
    assert!(!o.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["ok"], false);
    let o = memlens(&["check", &path("bad/all-bad.json")]);
    assert!(!o.status.success(), "every record bad must fail");
    assert!(stdout(&o).contains("bad records"));
}

#[test]
fn text_prints_the_embedding_text() {
    let o = memlens(&[
        "text",
        &path("samples/e0.json"),
        "--id",
        "4",
        "--format",
        "omi-2024-07-30",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "💕 Date night ideas (CategoryEnum.romance)\n\nSummary: Dinner at the Italian place, then the jazz bar downtown.\n\nAction Items:\n- Email the bank advisor\n- Call the dentist to confirm\n- Book flights to Lisbon\n"
    );
}

#[test]
fn text_json_lines_match_expected() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("samples/expected.json")).unwrap())
            .unwrap();
    for format in ["omi-2024-07-31", "current"] {
        let o = memlens(&[
            "text",
            "--json",
            "--format",
            format,
            &path("samples/e2.json"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let lines: Vec<serde_json::Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 6);
        for l in &lines {
            let name = l["format"].as_str().unwrap();
            assert_eq!(
                name,
                if format == "current" {
                    "omi-2025-10-17"
                } else {
                    format
                }
            );
            let id = l["id"].as_str().unwrap();
            assert_eq!(
                l["text"], expected["e2"]["texts"][name][id],
                "{id} in {name}"
            );
        }
        assert!(stdout(&o).starts_with("{\"id\":"), "id comes first");
    }
}

#[test]
fn text_unknown_id_fails() {
    let o = memlens(&[
        "text",
        &path("samples/e0.json"),
        "--id",
        "1",
        "--id",
        "nope",
    ]);
    assert!(!o.status.success());
    assert!(stdout(&o).is_empty(), "nothing printed before the error");
    assert!(
        stderr(&o).contains("no memory with id \"nope\""),
        "{}",
        stderr(&o)
    );
    let o = memlens(&["text", &path("samples/e0.json"), "--format", "omi-1999"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown text format"), "{}", stderr(&o));
}
