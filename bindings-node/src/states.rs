//! Request states held for JavaScript.
//!
//! A state stays native (so `has()`, `toAuth()` and `getToken()` are answered by the core) and
//! JavaScript holds an External naming it: each JavaScript thread keeps its states in a table,
//! the External carries the state's slot number, and the External's finalizer empties the slot.
//! This is the whole cost of a state crossing to JavaScript: one slot, one External, one
//! finalizer. (A napi-rs class instance per state cost ~1 µs of a ~4 µs cached call: a
//! constructor call from C++, wrap, reference tracking and class-identity checks.)
//!
//! A slot number is checked against the table before use, so a value that is not one of this
//! thread's live states (another addon's External, a stale number) is an error, never a read
//! of memory that is not a state.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue};
use napi::{check_status, sys, Status};

use crate::NativeState;

/// This thread's live states, by slot, and the free slots.
#[derive(Default)]
struct Table {
    slots: Vec<Option<Rc<NativeState>>>,
    free: Vec<usize>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::default();
}

/// A state on its way to JavaScript (as an External).
pub struct ToJs(pub NativeState);

impl ToNapiValue for ToJs {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let state = Rc::new(val.0);
        let slot = TABLE.with(|t| {
            let mut t = t.borrow_mut();
            match t.free.pop() {
                Some(i) => {
                    t.slots[i] = Some(state);
                    i
                }
                None => {
                    t.slots.push(Some(state));
                    t.slots.len() - 1
                }
            }
        });
        let mut external = ptr::null_mut();
        // The slot number + 1 is the External's data (never null).
        let status = unsafe { sys::napi_create_external(env, (slot + 1) as *mut c_void, Some(release), ptr::null_mut(), &mut external) };
        if status != sys::Status::napi_ok {
            take(slot);
        }
        check_status!(status, "clerkauth: cannot hand a state to JavaScript")?;
        Ok(external)
    }
}

/// Empties a slot (its state is dropped once no call still uses it).
fn take(slot: usize) -> Option<Rc<NativeState>> {
    TABLE
        .try_with(|t| {
            let mut t = t.borrow_mut();
            let state = t.slots.get_mut(slot).and_then(Option::take);
            if state.is_some() {
                t.free.push(slot);
            }
            state
        })
        .ok()
        .flatten()
}

/// The External's finalizer: its state's slot is freed.
unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // Past the thread's end (its table gone) there is nothing left to free.
    drop(take((data as usize).wrapping_sub(1)));
}

/// A state as JavaScript passes it back: the External of one of this thread's states.
pub struct Held(Rc<NativeState>);

impl Held {
    /// The state.
    pub fn state(&self) -> &NativeState {
        &self.0
    }
}

impl FromNapiValue for Held {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut data = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_value_external(env, value, &mut data) }, "clerkauth: not a request state")?;
        let slot = (data as usize).wrapping_sub(1);
        // The state is cloned out of the table, so a finalizer run meanwhile cannot free it.
        let state = TABLE.with(|t| t.borrow().slots.get(slot).and_then(Option::clone));
        state.map(Held).ok_or_else(|| napi::Error::new(Status::InvalidArg, "clerkauth: not a live request state"))
    }
}

/// How many states this thread holds (tests: the table shrinks back as states are collected).
pub fn live() -> usize {
    TABLE.with(|t| {
        let t = t.borrow();
        t.slots.len() - t.free.len()
    })
}
