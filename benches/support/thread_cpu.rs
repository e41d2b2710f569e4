//! The CPU time the calling thread has used: wall-clock time on a loaded machine includes
//! waiting for a core; this shows the work the thread itself did.
//!
//! Include it with `#[path = "support/thread_cpu.rs"] mod thread_cpu;` (from `benches/`).

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
