pub mod fake_openai;
pub mod pinecone_emulator;
pub mod tui;

/// Run the real binary against the Pinecone emulator with the built-in embedder: the
/// environment cleared of memlens/OpenAI/Pinecone/Omi settings, `data` as home, config and
/// data dir.
pub async fn memlens_on_emulator(
    emu: &pinecone_emulator::PineconeEmulator,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_memlens"));
    for (k, _) in std::env::vars() {
        if ["MEMLENS_", "OPENAI_", "PINECONE_", "OMI_"]
            .iter()
            .any(|p| k.starts_with(p))
        {
            c.env_remove(k);
        }
    }
    c.env("HOME", data)
        .env("XDG_CONFIG_HOME", data)
        .env("MEMLENS_DATA_DIR", data)
        .env("MEMLENS_STORE", "pinecone")
        .env("MEMLENS_EMBEDDER", "builtin")
        .env("PINECONE_INDEX_HOST", emu.url())
        .env("PINECONE_API_KEY", pinecone_emulator::API_KEY)
        .env("NO_COLOR", "1")
        .args(args);
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

/// The stdout of a run that must have succeeded (else a panic with both streams).
pub fn ok(o: &std::process::Output) -> String {
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{out}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
