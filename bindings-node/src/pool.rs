//! The addon's own worker threads.
//!
//! A call may block for seconds on the Backend API (JWKS, machine tokens, memberships, session
//! tokens: 5 s connect / 10 s total per request, with retries). On libuv's pool that would hold
//! one of the 4 threads `fs`, `dns` and `crypto` share, so a burst of such calls would stall
//! the whole process's file and DNS work. Jobs run here instead: a thread is started whenever
//! every thread is busy (up to [`MAX_THREADS`]; beyond that jobs queue), and a thread idle for
//! [`IDLE_TIMEOUT`] exits, so the pool is as large as the number of calls in flight.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

/// Most threads at once: as many calls can wait on the network before others queue.
const MAX_THREADS: usize = 256;
/// How long an idle thread waits for work before it exits.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Pool {
    state: Mutex<State>,
    queued: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

/// Runs `job` on one of the addon's threads. The job must not panic (callers catch panics and
/// report them through the job's own result).
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    let pool = pool();
    let mut state = pool.lock();
    // Each idle thread takes one of the jobs already queued; a job beyond those needs a new thread.
    if state.queue.len() >= state.idle && state.threads < MAX_THREADS {
        match thread::Builder::new().name("clerkauth-worker".into()).spawn(move || pool.worker()) {
            Ok(_) => state.threads += 1,
            // No thread exists to run it and none can be started: run it here rather than never.
            Err(_) if state.threads == 0 => {
                drop(state);
                job();
                return;
            }
            // It waits for a busy thread.
            Err(_) => {}
        }
    }
    state.queue.push_back(Box::new(job));
    pool.queued.notify_one();
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run without the lock, so nothing can poison it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A worker thread: runs queued jobs, exits after IDLE_TIMEOUT without one.
    fn worker(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job();
                state = self.lock();
                continue;
            }
            state.idle += 1;
            let (next, wait) = self.queued.wait_timeout(state, IDLE_TIMEOUT).unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}
