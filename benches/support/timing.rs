//! Timing helpers of the TUI benches: the CPU time the calling thread has used (wall-clock
//! time on a loaded machine includes waiting for a core; this shows the work the thread
//! itself did), and percentiles of measured durations.
//!
//! Include it with `#[path = "support/timing.rs"] mod timing;` (from `benches/`).

use std::time::Duration;

/// CPU time this thread has used.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The `p`-th quantile (0 to 1, nearest rank) of `sorted`, in milliseconds.
pub fn ms_at(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}
