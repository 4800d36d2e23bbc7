//! Promises settled by work on the addon's worker threads.
//!
//! Each call's Promise is a plain napi promise whose deferred stays on the JavaScript thread,
//! under a number. The finished job sends (number, result) through the thread's channel: one
//! threadsafe function for every call, so the JavaScript thread wakes once for all the results
//! that arrived meanwhile and nothing is set up or torn down per call (a deferred with its own
//! threadsafe function per call costs 15-30% more CPU per call with 64 in flight). The channel
//! lives as long as the thread's environment and holds its event loop open exactly while calls
//! are in flight.
//!
//! A *shared* job ([`spawn_shared`]) may also be run by a JavaScript thread: a burst of calls
//! started in one turn of the event loop is queued once, the workers take jobs from the queue
//! and the JavaScript thread, at the end of its turn ([`help`]), takes them too until the queue
//! is empty, so every core verifies signatures and none waits on a fixed split. The JavaScript
//! thread runs a job only as far as it goes without the network; a job that needs the Backend
//! API goes back to the workers.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{check_status, sys, Env, JsError, Status};

use crate::pool;

/// Turns a job's result into the value its Promise resolves with, on the JavaScript thread
/// (an error rejects the Promise).
type Settle = Box<dyn FnOnce(&Env) -> napi::Result<sys::napi_value> + Send>;

type Channel = ThreadsafeFunction<(u64, Settle), (), (), Status, false>;

/// The JavaScript thread's calls in flight, and its channel once a call was made.
#[derive(Default)]
struct InFlight {
    next: u64,
    deferreds: HashMap<u64, sys::napi_deferred>,
    channel: Option<Arc<Channel>>,
}

thread_local! {
    static IN_FLIGHT: RefCell<InFlight> = RefCell::default();
}

/// Runs `work` on a worker thread; returns a Promise of its result.
pub fn spawn<T: ToNapiValue + Send + 'static>(env: &Env, work: impl FnOnce() -> napi::Result<T> + Send + 'static) -> napi::Result<Object<'_>> {
    let (id, channel, promise) = register(env)?;
    pool::spawn(move || {
        let settle = settle_with(work());
        // Closing only once the environment is gone, and the Promise with it.
        channel.call((id, settle), ThreadsafeFunctionCallMode::NonBlocking);
    });
    Ok(Object::from_raw(env.raw(), promise))
}

/// A call's job that a worker or a JavaScript thread may run: `work(may_block)` returns `None`
/// when it would need the network and may not block (nothing was sent or waited for).
struct Shared {
    id: u64,
    channel: Arc<Channel>,
    work: Box<dyn FnMut(bool) -> Option<Settle> + Send>,
}

impl Shared {
    /// Runs the job; gives it back when it needs the network and `may_block` is false.
    fn run(mut self, may_block: bool) -> Option<Shared> {
        match (self.work)(may_block) {
            Some(settle) => {
                self.channel.call((self.id, settle), ThreadsafeFunctionCallMode::NonBlocking);
                None
            }
            None => Some(self),
        }
    }
}

/// Shared jobs not yet taken, from every JavaScript thread, and the worker tasks taking them.
struct SharedQueue {
    jobs: VecDeque<Shared>,
    takers: usize,
}

static SHARED: Mutex<SharedQueue> = Mutex::new(SharedQueue { jobs: VecDeque::new(), takers: 0 });

fn shared() -> MutexGuard<'static, SharedQueue> {
    // Jobs run without the lock, so nothing can poison it.
    SHARED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Queues `work` as a shared job (see the module doc); returns a Promise of its result.
/// `work(true)` must return `Some`.
pub fn spawn_shared<T: ToNapiValue + Send + 'static>(env: &Env, mut work: impl FnMut(bool) -> Option<napi::Result<T>> + Send + 'static) -> napi::Result<Object<'_>> {
    let (id, channel, promise) = register(env)?;
    let job = Shared { id, channel, work: Box::new(move |may_block| work(may_block).map(settle_with)) };
    let mut queue = shared();
    queue.jobs.push_back(job);
    // A worker task takes jobs until the queue is empty. One task fewer than the cores (the
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

/// A worker task: runs shared jobs until none is queued. A job that needs the network runs as
/// its own pool job (which may wait seconds; the pool adds threads for that), not here.
fn take_jobs() {
    loop {
        let mut queue = shared();
        let Some(job) = queue.jobs.pop_front() else {
            queue.takers -= 1;
            return;
        };
        drop(queue);
        run_here(job);
    }
}

/// Runs a shared job without the network; one that needs it goes to its own pool job.
fn run_here(job: Shared) {
    if let Some(job) = job.run(false) {
        pool::spawn(move || {
            let _ = job.run(true);
        });
    }
}

/// Runs queued shared jobs on the calling (JavaScript) thread until the queue is empty, as
/// the workers do.
pub fn help() {
    loop {
        // Its own statement: the lock is released before the job runs.
        let Some(job) = shared().jobs.pop_front() else { return };
        run_here(job);
    }
}

fn settle_with<T: ToNapiValue + Send + 'static>(result: napi::Result<T>) -> Settle {
    match result {
        // SAFETY: runs on the JavaScript thread with its env.
        Ok(value) => Box::new(move |env| unsafe { T::to_napi_value(env.raw(), value) }),
        Err(e) => Box::new(move |_| Err(e)),
    }
}

/// A new Promise whose deferred waits in the thread's calls in flight, its number and the
/// channel that settles it.
fn register(env: &Env) -> napi::Result<(u64, Arc<Channel>, sys::napi_value)> {
    IN_FLIGHT.with(|f| -> napi::Result<_> {
        let mut f = f.borrow_mut();
        let channel = match &f.channel {
            // The first call in flight holds the event loop open.
            Some(channel) if f.deferreds.is_empty() => {
                check_status!(unsafe { sys::napi_ref_threadsafe_function(env.raw(), channel.raw()) })?;
                Arc::clone(channel)
            }
            Some(channel) => Arc::clone(channel),
            None => Arc::clone(f.channel.insert(Arc::new(open_channel(env)?))),
        };
        let (mut deferred, mut promise) = (ptr::null_mut(), ptr::null_mut());
        check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        let id = f.next;
        f.next += 1;
        f.deferreds.insert(id, deferred);
        Ok((id, channel, promise))
    })
}

fn open_channel(env: &Env) -> napi::Result<Channel> {
    // The threadsafe function calls a function; the work is done in `settle` before it.
    let noop = env.create_function_from_closure::<(), (), _>("clerkauthSettled", |_| Ok(()))?;
    noop.build_threadsafe_function().callee_handled::<false>().build_callback(settle)
}

/// Settles one call's Promise, on the JavaScript thread; after the last call in flight, the
/// channel lets the event loop end.
fn settle(ctx: ThreadsafeCallContext<(u64, Settle)>) -> napi::Result<()> {
    let (id, settle) = ctx.value;
    let env = ctx.env.raw();
    let deferred = IN_FLIGHT.with(|f| -> napi::Result<_> {
        let mut f = f.borrow_mut();
        let deferred = f.deferreds.remove(&id);
        if let (true, Some(channel)) = (f.deferreds.is_empty(), &f.channel) {
            check_status!(unsafe { sys::napi_unref_threadsafe_function(env, channel.raw()) })?;
        }
        Ok(deferred)
    })?;
    let Some(deferred) = deferred else { return Ok(()) };
    match settle(&ctx.env) {
        Ok(value) => check_status!(unsafe { sys::napi_resolve_deferred(env, deferred, value) }),
        Err(e) => check_status!(unsafe { sys::napi_reject_deferred(env, deferred, JsError::from(e).into_value(env)) }),
    }
}
