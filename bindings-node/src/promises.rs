//! Promises settled by work on the addon's worker threads.
//!
//! Each call's Promise is a plain napi promise whose deferred stays on the JavaScript thread,
//! under a number. A finished job puts (number, result) in the thread's [`Sink`]; the first
//! result into an empty sink wakes the JavaScript thread through one threadsafe function, which
//! then settles every result that arrived meanwhile. Nothing is set up or torn down per call,
//! and the JavaScript thread wakes once per group of results, not once per result (a deferred
//! with its own threadsafe function per call costs 15-30% more CPU per call with 64 in flight).
//! The sink lives as long as the thread's environment and holds its event loop open exactly
//! while calls are in flight.
//!
//! A *shared* job ([`spawn_shared`]) may also be run by a JavaScript thread: a burst of calls
//! started in one turn of the event loop is queued once, the workers take jobs from the queue
//! and the JavaScript thread, at the end of its turn ([`help`]), takes them too until only a few
//! per worker are left (it has their results to settle meanwhile), so every core verifies
//! signatures and none waits on a fixed split. A worker whose queue ran dry looks for more for
//! [`LOOK_FOR_JOBS`] before it parks: the next turn's calls usually come sooner. Between two
//! jobs it also settles the results the workers finished meanwhile (and its own at once), so
//! that work overlaps the workers' instead of following it. The JavaScript thread runs a job
//! only as far as it goes without the network; a job that needs the Backend API goes back to
//! the workers.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::mem;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{check_status, sys, Env, JsError, Status};

use crate::pool;

/// Turns a job's result into the value its Promise resolves with, on the JavaScript thread
/// (an error rejects the Promise).
type Settle = Box<dyn FnOnce(&Env) -> napi::Result<sys::napi_value> + Send>;

/// Wakes the JavaScript thread to settle what its sink holds.
type Wake = ThreadsafeFunction<(), (), (), Status, false>;

/// What a job made on the JavaScript thread and a worker has done with (the request): freed
/// back on the JavaScript thread. Memory freed on another thread than the one that allocated
/// it waits on the allocating thread's allocator lock, and this thread allocates all the time:
/// the workers slept on that lock several times per burst.
type Leftover = Box<dyn Send>;

/// A JavaScript thread's finished results, not yet settled, and how to wake that thread.
struct Sink {
    results: Mutex<Vec<(u64, Settle, Option<Leftover>)>>,
    wake: Wake,
}

impl Sink {
    /// Hands a finished result to the sink's JavaScript thread (from any thread).
    fn send(&self, id: u64, settle: Settle, leftover: Option<Leftover>) {
        let mut results = lock(&self.results);
        results.push((id, settle, leftover));
        // The first result into an empty sink wakes the thread; later ones find it awake (an
        // empty sink was drained, so no wake-up for a drained result is still pending).
        let first = results.len() == 1;
        drop(results);
        if first {
            // Closing only once the environment is gone, and the Promises with it.
            self.wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    /// Settles every result in the sink, on its JavaScript thread.
    fn drain(&self, env: &Env) {
        let results = mem::take(&mut *lock(&self.results));
        for (id, settle, leftover) in results {
            settle_one(env, id, settle);
            drop(leftover);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing runs under these locks that can panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The JavaScript thread's calls in flight, and its sink once a call was made.
#[derive(Default)]
struct InFlight {
    next: u64,
    deferreds: HashMap<u64, sys::napi_deferred>,
    sink: Option<Arc<Sink>>,
}

thread_local! {
    static IN_FLIGHT: RefCell<InFlight> = RefCell::default();
}

/// Runs `work` on a worker thread; returns a Promise of its result.
pub fn spawn<T: ToNapiValue + Send + 'static>(env: &Env, work: impl FnOnce() -> napi::Result<T> + Send + 'static) -> napi::Result<Object<'_>> {
    let (id, sink, promise) = register(env)?;
    pool::spawn(move || sink.send(id, settle_with(work()), None));
    Ok(Object::from_raw(env.raw(), promise))
}

/// A call's job that a worker or a JavaScript thread may run: `work(may_block)` returns `None`
/// when it would need the network and may not block (nothing was sent or waited for).
struct Shared {
    id: u64,
    sink: Arc<Sink>,
    work: Box<dyn FnMut(bool) -> Option<Settle> + Send>,
}

impl Shared {
    /// Runs the job: its result, where it goes and the job's leftover, or the job back when
    /// it needs the network and `may_block` is false.
    fn run(mut self, may_block: bool) -> Result<Done, Shared> {
        match (self.work)(may_block) {
            Some(settle) => Ok(Done { id: self.id, sink: self.sink, settle, leftover: Box::new(self.work) }),
            None => Err(self),
        }
    }
}

/// A shared job's result.
struct Done {
    id: u64,
    sink: Arc<Sink>,
    settle: Settle,
    leftover: Leftover,
}

impl Done {
    /// To its JavaScript thread, with the leftover to free there.
    fn send(self) {
        self.sink.send(self.id, self.settle, Some(self.leftover));
    }
}

/// Shared jobs not yet taken, from every JavaScript thread, and the worker tasks taking them.
struct SharedQueue {
    jobs: VecDeque<Shared>,
    takers: usize,
}

static SHARED: Mutex<SharedQueue> = Mutex::new(SharedQueue { jobs: VecDeque::new(), takers: 0 });

/// How many shared jobs are queued (read without the lock by a worker task looking for more).
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// How long a worker task whose queue ran dry keeps looking for jobs before it parks. A burst's
/// calls come in turns of the event loop: the JavaScript thread settles one turn's results and
/// starts the next turn's calls in ~100 µs, and a parked thread takes ~30 µs to wake (a cost
/// the JavaScript thread pays too). Measured with 64 calls in flight on 2 cores: 74k → 81k/s.
const LOOK_FOR_JOBS: Duration = Duration::from_micros(100);

/// Queued jobs the JavaScript thread leaves to each worker task at the end of its turn
/// ([`help`]): while the workers decide them, it settles the results it has.
const LEFT_PER_WORKER: usize = 4;

fn shared() -> MutexGuard<'static, SharedQueue> {
    lock(&SHARED)
}

/// Queues a job (and updates [`QUEUED`]).
fn push(queue: &mut SharedQueue, job: Shared) {
    queue.jobs.push_back(job);
    QUEUED.store(queue.jobs.len(), Ordering::Relaxed);
}

/// The next queued job (and updates [`QUEUED`]).
fn pop(queue: &mut SharedQueue) -> Option<Shared> {
    let job = queue.jobs.pop_front();
    QUEUED.store(queue.jobs.len(), Ordering::Relaxed);
    job
}

/// Queues `work` as a shared job (see the module doc); returns a Promise of its result.
/// `work(true)` must return `Some`.
pub fn spawn_shared<T: ToNapiValue + Send + 'static>(env: &Env, mut work: impl FnMut(bool) -> Option<napi::Result<T>> + Send + 'static) -> napi::Result<Object<'_>> {
    let (id, sink, promise) = register(env)?;
    let job = Shared { id, sink, work: Box::new(move |may_block| work(may_block).map(settle_with)) };
    let mut queue = shared();
    push(&mut queue, job);
    // A worker task takes jobs until none comes for a while. One task fewer than the cores (the
    // JavaScript thread takes jobs too), at least one, each started only when fewer run: one
    // pool hand-over per burst, not per call (a lock and a wake-up per call cost the JavaScript
    // thread more than the verification it handed over).
    let start = queue.takers < pool::cores().saturating_sub(1).max(1);
    queue.takers += usize::from(start);
    drop(queue);
    if start {
        pool::spawn(take_jobs);
    }
    Ok(Object::from_raw(env.raw(), promise))
}

/// Whether the worker tasks have shared jobs queued enough (three each) to stay busy while the
/// JavaScript thread decides a call of its own.
pub fn workers_have_backlog() -> bool {
    let queue = shared();
    queue.takers > 0 && queue.jobs.len() >= 3 * queue.takers
}

/// Whether worker tasks are taking shared jobs: a burst is being decided, or has just been and
/// they still look for more.
pub fn workers_taking_jobs() -> bool {
    shared().takers > 0
}

/// A worker task: runs shared jobs until none is queued for [`LOOK_FOR_JOBS`]. A job that needs
/// the network runs as its own pool job (which may wait seconds; the pool adds threads for
/// that), not here.
fn take_jobs() {
    let mut dry_since: Option<Instant> = None;
    loop {
        let mut queue = shared();
        let Some(job) = pop(&mut queue) else {
            // Still counted as a taker while looking: a new job starts no other task.
            let since = *dry_since.get_or_insert_with(Instant::now);
            if since.elapsed() < LOOK_FOR_JOBS {
                drop(queue);
                while QUEUED.load(Ordering::Relaxed) == 0 && since.elapsed() < LOOK_FOR_JOBS {
                    std::hint::spin_loop();
                }
                continue;
            }
            queue.takers -= 1;
            return;
        };
        dry_since = None;
        drop(queue);
        match job.run(false) {
            Ok(done) => done.send(),
            Err(job) => to_pool(job),
        }
    }
}

/// A shared job that needs the network, as its own pool job.
fn to_pool(job: Shared) {
    pool::spawn(move || {
        if let Ok(done) = job.run(true) {
            done.send();
        }
    });
}

/// Runs queued shared jobs on the calling (JavaScript) thread until only those left to the
/// workers remain ([`LEFT_PER_WORKER`]), as the workers do, settling its own results at once
/// and, between jobs, those the workers finished meanwhile.
pub fn help(env: &Env) {
    let mine = IN_FLIGHT.with(|f| f.borrow().sink.clone());
    loop {
        // Its own statement: the lock is released before the job runs.
        let Some(job) = take_unless_left(&mut shared()) else { break };
        match job.run(false) {
            Ok(done) if mine.as_ref().is_some_and(|m| Arc::ptr_eq(m, &done.sink)) => settle_one(env, done.id, done.settle),
            Ok(done) => done.send(),
            Err(job) => to_pool(job),
        }
        if let Some(mine) = &mine {
            mine.drain(env);
        }
    }
}

/// A queued job for the JavaScript thread, unless only those left to the workers remain.
fn take_unless_left(queue: &mut SharedQueue) -> Option<Shared> {
    if queue.jobs.len() <= queue.takers * LEFT_PER_WORKER {
        return None;
    }
    pop(queue)
}

fn settle_with<T: ToNapiValue + Send + 'static>(result: napi::Result<T>) -> Settle {
    match result {
        // SAFETY: runs on the JavaScript thread with its env.
        Ok(value) => Box::new(move |env| unsafe { T::to_napi_value(env.raw(), value) }),
        Err(e) => Box::new(move |_| Err(e)),
    }
}

/// A new Promise whose deferred waits in the thread's calls in flight, its number and the
/// sink that settles it.
fn register(env: &Env) -> napi::Result<(u64, Arc<Sink>, sys::napi_value)> {
    IN_FLIGHT.with(|f| -> napi::Result<_> {
        let mut f = f.borrow_mut();
        let sink = match &f.sink {
            // The first call in flight holds the event loop open.
            Some(sink) if f.deferreds.is_empty() => {
                check_status!(unsafe { sys::napi_ref_threadsafe_function(env.raw(), sink.wake.raw()) })?;
                Arc::clone(sink)
            }
            Some(sink) => Arc::clone(sink),
            None => Arc::clone(f.sink.insert(Arc::new(Sink { results: Mutex::default(), wake: open_wake(env)? }))),
        };
        let (mut deferred, mut promise) = (ptr::null_mut(), ptr::null_mut());
        check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        let id = f.next;
        f.next += 1;
        f.deferreds.insert(id, deferred);
        Ok((id, sink, promise))
    })
}

fn open_wake(env: &Env) -> napi::Result<Wake> {
    // The threadsafe function calls a function; the work is done in `drained` before it.
    let noop = env.create_function_from_closure::<(), (), _>("clerkauthSettled", |_| Ok(()))?;
    noop.build_threadsafe_function().callee_handled::<false>().build_callback(drained)
}

/// The wake-up: settles what the thread's sink holds.
fn drained(ctx: ThreadsafeCallContext<()>) -> napi::Result<()> {
    if let Some(sink) = IN_FLIGHT.with(|f| f.borrow().sink.clone()) {
        sink.drain(&ctx.env);
    }
    Ok(())
}

/// Settles one call's Promise, on the JavaScript thread; after the last call in flight, the
/// sink lets the event loop end. (A failure here leaves nothing to report to: the Promise is
/// rejected when its value cannot be made, and napi's own calls fail only on a dying thread.)
fn settle_one(env: &Env, id: u64, settle: Settle) {
    let raw = env.raw();
    let deferred = IN_FLIGHT.with(|f| {
        let mut f = f.borrow_mut();
        let deferred = f.deferreds.remove(&id);
        if let (true, Some(sink)) = (f.deferreds.is_empty(), &f.sink) {
            unsafe { sys::napi_unref_threadsafe_function(raw, sink.wake.raw()) };
        }
        deferred
    });
    let Some(deferred) = deferred else { return };
    match settle(env) {
        Ok(value) => unsafe { sys::napi_resolve_deferred(raw, deferred, value) },
        Err(e) => unsafe { sys::napi_reject_deferred(raw, deferred, JsError::from(e).into_value(raw)) },
    };
}
