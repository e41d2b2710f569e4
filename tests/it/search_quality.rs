//! The default search never loses to a side (issue 23, "done"): on the demo export with
//! the real all-MiniLM-L6-v2, every committed labelled set meets the bar — hybrid top-1
//! ≥ 0.9 × the best single side's and hybrid recall@10 ≥ the best side's — measured by
//! the command people run (`memlens golden table`, which indexes `ns1` and `ns_tchunks`
//! once, then searches every set in every mode). A quality regression test: it embeds the
//! demo export's memories and transcript chunks once (one process).

use std::path::Path;
use std::process::Command;

#[test]
fn the_default_mode_meets_the_bar_on_every_labelled_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let sets = [
        "paraphrase-queries.json",
        "heldout-paraphrase-queries.json",
        "heldout-b-paraphrase-queries.json",
        "transcript-queries.json",
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_memlens"))
        .env_clear()
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("NO_COLOR", "1")
        .args(["--store", "local", "--embedder", "minilm", "--data-dir"])
        .arg(dir.path())
        .args(["golden", "table", "--export"])
        .arg(root.join("assets/demo-export.json"))
        .args(sets.map(|s| root.join("tests/fixtures").join(s)))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for set in sets {
        assert!(table.contains(&format!("✓ {set}: hybrid top-1")), "{table}");
        for mode in ["hybrid", "semantic", "text", "chunks"] {
            assert!(
                table.contains(&format!("| {set} |")) && table.contains(&format!("| {mode} |"))
            );
        }
    }
}
