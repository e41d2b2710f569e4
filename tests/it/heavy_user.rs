//! The heavy-user generator the benchmarks use (`benches/support/heavy_user.rs`): a small
//! shape loads through memlens's export loader with exactly the asked counts, and the same
//! shape writes the same bytes.

#[path = "../../benches/support/heavy_user.rs"]
mod generator;

use generator::{Shape, write_export};

#[test]
fn heavy_user_export_loads_with_the_asked_shape() {
    let dir = tempfile::tempdir().unwrap();
    let shape = Shape {
        conversations: 40,
        segments: 4_000,
        ..Shape::default()
    };
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let stats = write_export(&a, &shape).unwrap();
    assert_eq!((stats.conversations, stats.segments), (40, 4_000));
    write_export(&b, &shape).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let export = memlens::omi::export::load_path(&a).expect("loads");
    assert_eq!(export.memories.len(), 40);
    let lens: Vec<usize> = export.memories.iter().map(|m| m.transcript.len()).collect();
    assert_eq!(lens.iter().sum::<usize>(), 4_000);
    assert!(lens.iter().all(|&n| n >= 10), "{lens:?}");
    assert!(lens.iter().max() > Some(&200), "a long tail: {lens:?}");
    let chunks: usize = lens
        .iter()
        .map(|&n| if n <= 8 { 1 } else { (n - 8).div_ceil(6) + 1 })
        .sum();
    assert_eq!(stats.chunks, chunks);
    // Newest first, segments in time order, more than one speaker.
    for m in &export.memories {
        assert!(m.transcript.windows(2).all(|w| w[0].end <= w[1].start));
        assert!(m.transcript.iter().any(|s| !s.is_user));
    }
}

/// Writes the full default heavy user (2,000 conversations, 200,000 segments) and prints
/// its size: `MEMLENS_HEAVY_EXPORT=/tmp/heavy.json cargo test --locked --test it
/// heavy_user -- --ignored --nocapture` keeps the file (a temp dir otherwise).
#[test]
#[ignore = "writes ~28 MB; run by hand to get a heavy-user export"]
fn write_the_default_heavy_user() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("MEMLENS_HEAVY_EXPORT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("omi-export.json"));
    let started = std::time::Instant::now();
    let stats = write_export(&path, &Shape::default()).unwrap();
    println!(
        "{}: {} conversations, {} segments, {} chunks, {} bytes in {:.1?}",
        path.display(),
        stats.conversations,
        stats.segments,
        stats.chunks,
        stats.bytes,
        started.elapsed()
    );
    let export = memlens::omi::export::load_path(&path).expect("loads");
    assert_eq!(export.memories.len(), 2_000);
}
