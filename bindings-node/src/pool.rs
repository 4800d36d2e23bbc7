//! The addon's own worker threads.
//!
//! A call may block for seconds on the Backend API (JWKS, machine tokens, memberships, session
//! tokens: 5 s connect / 10 s total per request, with retries). On libuv's pool that would hold
//! one of the 4 threads `fs`, `dns` and `crypto` share, so a burst of such calls would stall
//! the whole process's file and DNS work. Jobs run here instead.
//!
//! Threads start on demand, as many as the machine has cores; beyond that a thread starts only
//! when queued jobs have waited [`STUCK`] without any job starting (every thread is blocked, in
//! practice on the network), up to [`MAX_THREADS`]. A burst of CPU-bound calls thus runs on as
//! many threads as cores, and calls waiting on a hanging Backend API make the others wait at
//! most about STUCK. The most recently idle thread takes the next job (its stack and caches are
//! warm), and a thread idle for [`IDLE_TIMEOUT`] exits.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Most threads at once: as many calls can wait on the network before others queue.
const MAX_THREADS: usize = 256;
/// How long queued jobs wait, with no job starting, before more threads start.
const STUCK: Duration = Duration::from_millis(2);
/// How long an idle thread waits for work before it exits.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    state: Mutex<State>,
    /// Wakes the watcher when jobs queue behind busy threads.
    queued: Condvar,
    /// Threads started as soon as a job needs one.
    cores: usize,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    threads: usize,
    /// Threads running a job.
    busy: usize,
    /// Threads parked until a job comes, the most recently idle last.
    idle: Vec<Thread>,
    /// Jobs started so far (the watcher's sign that the queue moves).
    started: u64,
    watcher: bool,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool { state: Mutex::default(), queued: Condvar::new(), cores: thread::available_parallelism().map_or(2, |n| n.get()) })
}

/// How many threads the pool starts as soon as jobs need them: the machine's cores.
pub fn cores() -> usize {
    pool().cores
}

/// Runs `job` on one of the addon's threads. The job must not panic (callers catch panics and
/// report them through the job's own result).
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    let pool = pool();
    let mut state = pool.lock();
    state.queue.push_back(Box::new(job));
    if let Some(idle) = state.idle.pop() {
        idle.unpark();
        return;
    }
    // No thread is parked; the threads between two jobs take as many queued jobs as they are.
    if state.queue.len() <= state.threads - state.busy {
        return;
    }
    if state.threads < pool.cores {
        if !pool.start_thread(&mut state) && state.threads == 0 {
            // No thread exists to run it and none can be started: run it here rather than never.
            let job = state.queue.pop_back().expect("the job just queued");
            drop(state);
            job();
        }
    } else if !state.watcher {
        state.watcher = thread::Builder::new().name("clerkauth-watcher".into()).spawn(move || pool.watch()).is_ok();
    } else {
        pool.queued.notify_one();
    }
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run without the lock, so nothing can poison it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start_thread(&'static self, state: &mut State) -> bool {
        let started = thread::Builder::new().name("clerkauth-worker".into()).spawn(move || self.work()).is_ok();
        state.threads += usize::from(started);
        started
    }

    /// A worker thread: runs queued jobs, parks between them, exits after IDLE_TIMEOUT parked.
    fn work(&self) {
        let me = thread::current();
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                state.busy += 1;
                state.started += 1;
                drop(state);
                job();
                state = self.lock();
                state.busy -= 1;
                continue;
            }
            state.idle.push(me.clone());
            drop(state);
            let parked = Instant::now();
            thread::park_timeout(IDLE_TIMEOUT);
            state = self.lock();
            // Still listed: no job was handed over (a timeout or a spurious wake-up).
            if let Some(i) = state.idle.iter().position(|t| t.id() == me.id()) {
                state.idle.remove(i);
                if state.queue.is_empty() && parked.elapsed() >= IDLE_TIMEOUT {
                    state.threads -= 1;
                    return;
                }
            }
        }
    }

    /// The watcher thread: while jobs are queued, starts a thread for each of them once none
    /// has started for STUCK.
    fn watch(&'static self) {
        let mut state = self.lock();
        loop {
            if state.queue.is_empty() {
                state = self.queued.wait(state).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            let started = state.started;
            drop(state);
            thread::sleep(STUCK);
            state = self.lock();
            while state.started == started && state.queue.len() > state.threads - state.busy && state.threads < MAX_THREADS {
                if !self.start_thread(&mut state) {
                    break;
                }
            }
        }
    }
}
