//! Promises settled by work on the addon's worker threads.
//!
//! Each call's Promise is a plain napi promise whose deferred stays on the JavaScript thread,
//! under a number. The finished job sends (number, result) through the thread's channel: one
//! threadsafe function for every call, so the JavaScript thread wakes once for all the results
//! that arrived meanwhile and nothing is set up or torn down per call (a deferred with its own
//! threadsafe function per call costs 15-30% more CPU per call with 64 in flight). The channel
//! lives as long as the thread's environment and holds its event loop open exactly while calls
//! are in flight.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr;
use std::sync::Arc;

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
    let (id, channel, promise) = IN_FLIGHT.with(|f| -> napi::Result<_> {
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
    })?;
    pool::spawn(move || {
        let settle: Settle = match work() {
            // SAFETY: runs on the JavaScript thread with its env.
            Ok(value) => Box::new(move |env| unsafe { T::to_napi_value(env.raw(), value) }),
            Err(e) => Box::new(move |_| Err(e)),
        };
        // Closing only once the environment is gone, and the Promise with it.
        channel.call((id, settle), ThreadsafeFunctionCallMode::NonBlocking);
    });
    Ok(Object::from_raw(env.raw(), promise))
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
