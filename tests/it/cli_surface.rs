//! The CLI's conventions, run as the real binary: configuration mistakes are named
//! (config, doctor), `--json` lists are JSON lines, `list` shows ids and titles, the TUI
//! without a terminal names the commands to use, errors are plain text off a terminal,
//! dry runs exit 0 and counts have the right plural.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo-export.json")
        .display()
        .to_string()
}

/// The binary with a clean environment, its data dir and config file in `dir`.
fn memlens(dir: &Path, config: &str, args: &[&str]) -> Output {
    let file = dir.join("config.toml");
    std::fs::write(&file, config).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MEMLENS_") || k.starts_with("OPENAI_") || k.starts_with("PINECONE_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("MEMLENS_DATA_DIR", dir.join("data"))
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&file)
        .args(args)
        .stdin(Stdio::null())
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn unknown_keys_and_bad_key_specs_are_named_by_config_and_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        "namspace = \"ns2\"\n[keys]\nquit = \"j\"\nhelp = \"hyper-x\"\nfrobnicate = \"z\"\n";
    let o = memlens(dir.path(), config, &["config"]);
    assert!(o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("unknown key \"namspace\" (did you mean \"namespace\"?)"),
        "{err}"
    );
    assert!(
        err.contains("[keys] help: unknown key \"hyper-x\""),
        "{err}"
    );
    assert!(
        err.contains("[keys] unknown command \"frobnicate\""),
        "{err}"
    );
    assert!(err.contains("j is bound to both"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour off a terminal: {err:?}");

    // --json: a list, so one object per line.
    let o = memlens(dir.path(), config, &["config", "--json"]);
    let out = text(&o.stdout);
    assert!(out.lines().count() > 10);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
        assert!(v["key"].is_string());
    }

    let o = memlens(dir.path(), config, &["doctor", "--json"]);
    let checks: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keys: Vec<&serde_json::Value> = checks.iter().filter(|c| c["check"] == "keys").collect();
    assert!(
        keys.iter()
            .any(|c| c["status"] == "warn" && c["detail"].as_str().unwrap().contains("hyper-x")),
        "{checks:?}"
    );
    assert!(
        checks.iter().any(|c| c["detail"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean \"namespace\"")),
        "{checks:?}"
    );
}

#[test]
fn list_shows_ids_dates_and_titles() {
    let dir = tempfile::tempdir().unwrap();
    let o = memlens(dir.path(), "", &["list", &demo()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 333);
    assert!(out.contains("Dad's 65th birthday dinner"), "{out}");
    let o = memlens(dir.path(), "", &["list", &demo(), "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert!(first["id"].is_string());
    assert!(first["title"].is_string());
    // RFC 3339.
    let created = first["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
}

#[test]
fn the_tui_without_a_terminal_names_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let o = memlens(dir.path(), "", &[&demo()]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: the terminal UI needs a terminal"),
        "{err}"
    );
    assert!(err.contains("memlens list EXPORT"), "{err}");
    assert!(err.contains("memlens search"), "{err}");
}

#[test]
fn search_json_dates_and_an_orphan_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    // Write one memory's vector, then ask about an export that lacks that memory.
    let o = memlens(dir.path(), "", &["list", &demo(), "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    let id = first["id"].as_str().unwrap().to_string();
    let o = memlens(
        dir.path(),
        "",
        &["reprocess", &demo(), "--uid", "u1", "--id", &id],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Search hits as JSON lines: created_at in RFC 3339, the stored value an integer.
    let o = memlens(
        dir.path(),
        "",
        &["search", "birthday", "--uid", "u1", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let hit: serde_json::Value =
        serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    // Semantic mode prints the hit itself; hybrid mode nests it under "semantic".
    let semantic = if hit["semantic"].is_object() {
        &hit["semantic"]
    } else {
        &hit
    };
    let created = semantic["created_at"].as_str().expect("created_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert!(semantic["created_at_raw"].is_i64(), "{hit}");
    if semantic["metadata"].is_object() {
        assert!(semantic["metadata"]["created_at"].is_i64(), "{hit}");
    }
    let mut smaller: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    let list = smaller["conversations"]
        .as_array_mut()
        .expect("the demo export's conversations");
    list.retain(|m| m["id"] != id.as_str());
    let other = dir.path().join("without-one.json");
    std::fs::write(&other, serde_json::to_vec(&smaller).unwrap()).unwrap();
    let o = memlens(
        dir.path(),
        "",
        &[
            "orphans",
            other.to_str().unwrap(),
            "--uid",
            "u1",
            "--delete",
        ],
    );
    let out = text(&o.stdout);
    assert!(o.status.success(), "a dry run exits 0: {out}");
    assert!(out.contains("1 orphan "), "{out}");
    assert!(out.contains("add --yes to delete this vector"), "{out}");
}
