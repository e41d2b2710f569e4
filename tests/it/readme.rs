//! The README's screenshots are the committed TUI snapshots, never an older layout: each
//! fenced block after a `<!-- snapshot: NAME -->` marker must equal
//! `tests/it/snapshots/it__NAME.snap` (its body). `MEMLENS_UPDATE_README=1 cargo test
//! --test it readme` copies the snapshots into the README after a layout change.

use std::path::Path;

const MARK: &str = "<!-- snapshot: ";

/// The body of a committed insta snapshot (after its `---` header).
fn snapshot_body(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/snapshots")
        .join(format!("it__{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text
        .splitn(3, "---\n")
        .nth(2)
        .unwrap_or_else(|| panic!("{}: no insta header", path.display()));
    body.trim_end().to_string()
}

/// The README with every marked block replaced by its snapshot, and the names found.
fn with_snapshots(readme: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut names = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(MARK) {
        let line_end = rest[at..].find('\n').map_or(rest.len(), |i| at + i + 1);
        let name = rest[at + MARK.len()..line_end]
            .trim_end()
            .trim_end_matches("-->")
            .trim()
            .to_string();
        out.push_str(&rest[..line_end]);
        rest = &rest[line_end..];
        let open = "```text\n";
        assert!(
            rest.starts_with(open),
            "the snapshot marker for {name} must be followed by a ```text block"
        );
        // The closing fence: the first line that is one (the block may be empty).
        let body = &rest[open.len()..];
        let close = if body.starts_with("```") {
            0
        } else {
            body.find("\n```")
                .unwrap_or_else(|| panic!("the block for {name} is not closed"))
                + 1
        };
        out.push_str(open);
        out.push_str(&snapshot_body(&name));
        out.push('\n');
        rest = &body[close..];
        names.push(name);
    }
    out.push_str(rest);
    (out, names)
}

#[test]
fn readme_screenshots_are_the_committed_snapshots() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (fresh, names) = with_snapshots(&readme);
    assert!(
        names.len() >= 2,
        "the README shows the list and the search pane from snapshots: {names:?}"
    );
    if fresh == readme {
        return;
    }
    if std::env::var_os("MEMLENS_UPDATE_README").is_some() {
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    panic!(
        "README.md's screenshots differ from the snapshots {names:?}: run \
         `MEMLENS_UPDATE_README=1 cargo test --test it readme` and commit README.md"
    );
}

#[test]
fn a_marked_block_takes_its_snapshot() {
    let readme = "intro\n<!-- snapshot: tui_layout__search_80x24 -->\n```text\nold\n```\nend\n";
    let (fresh, names) = with_snapshots(readme);
    assert_eq!(names, ["tui_layout__search_80x24"]);
    assert!(!fresh.contains("old"));
    assert!(fresh.contains("hybrid"), "{fresh}");
    assert!(fresh.ends_with("\n```\nend\n"), "{fresh}");
    // Idempotent, and an empty block is filled too.
    assert_eq!(with_snapshots(&fresh).0, fresh);
    let empty = "<!-- snapshot: tui_layout__search_80x24 -->\n```text\n```\n";
    assert_eq!(
        with_snapshots(empty).0,
        fresh.replace("intro\n", "").replace("end\n", "")
    );
}
