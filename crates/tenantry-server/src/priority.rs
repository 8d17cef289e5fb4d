//! The CPU priority of a push's parallel work.
//!
//! A push does most of its work outside the sequence lock, spread over every core
//! (verifying signatures, applying change sets, evaluating the pack), then takes the
//! lock and writes. Every push queues for that lock, so the push holding it is the one
//! the others wait for: on two cores, the next push's two workers and the writer (its
//! async thread and its Postgres backend, in turn) used to share the cores three ways,
//! and the lock was held longer for it. The workers therefore run at a lower priority
//! (a higher nice value) than the server's async threads, which hold the lock: with CPU
//! to spare they take all of it, without, the writer goes first. Measured in
//! BENCHMARKS.md (*2026-12-06 (late)*).
//!
//! Linux only (a thread's nice value is its own there); elsewhere nothing changes.

/// How much lower than the server's own priority the workers run (nice steps). Ten
/// steps give the writer about nine times the workers' share of a contended core.
pub const WORKER_NICE_STEPS: i32 = 10;

/// The highest nice value Linux has.
#[cfg(target_os = "linux")]
const LOWEST: i32 = 19;

/// Lowers the calling thread's priority by [`WORKER_NICE_STEPS`] (to Linux' lowest at
/// most), once: a thread of the blocking pool keeps it for the work it runs later. In
/// this server that is other pushes' parallel work and the freeing of replaced
/// documents, both off the lock (tokio may also resolve a host name there when the
/// database pool opens a connection: rare, and then only slower under load). Failing
/// to change it only costs speed, so a failure is logged, not returned.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        thread_local! {
            static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if LOWERED.with(|lowered| lowered.replace(true)) {
            return;
        }
        let thread = Some(rustix::thread::gettid());
        let lowered = rustix::process::getpriority_process(thread).and_then(|nice| {
            rustix::process::setpriority_process(thread, (nice + WORKER_NICE_STEPS).min(LOWEST))
        });
        if let Err(error) = lowered {
            tracing::warn!(%error, "could not lower a push worker's CPU priority");
        }
    }
}

/// The calling thread's nice value (Linux), for tests and diagnostics.
#[cfg(target_os = "linux")]
pub fn this_thread_nice() -> i32 {
    rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap_or_default()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_worker_thread_runs_lower_once_and_others_do_not_follow() {
        let before = this_thread_nice();
        let (lowered, again) = std::thread::spawn(|| {
            lower_this_thread();
            let lowered = this_thread_nice();
            lower_this_thread();
            (lowered, this_thread_nice())
        })
        .join()
        .expect("thread");
        assert_eq!(lowered, (before + WORKER_NICE_STEPS).min(LOWEST));
        assert_eq!(again, lowered, "lowered once, not once per call");
        assert_eq!(this_thread_nice(), before, "only the calling thread moves");
    }
}
