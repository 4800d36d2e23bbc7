//! Strings from JavaScript, read in one pass.
//!
//! napi-rs reads a `String` argument in two passes (its UTF-8 length, then the bytes, into a
//! zeroed buffer): ~0.8 µs of a ~3 µs cached call whose request carries a 1 kB token. Here a
//! string is written once into this thread's scratch buffer and used from there: the request's
//! headers are split into their pairs straight from it, and the per-call options are compared
//! with the last ones without a copy. Only a string longer than the buffer takes a second pass.

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::FromNapiValue;
use napi::{check_status, sys, Status};

/// The scratch buffer's usual size; a larger one (a huge header) is given back after use.
const SCRATCH: usize = 16 * 1024;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH]);
}

/// Reads the JavaScript string `value` as UTF-8 (lone surrogates become U+FFFD, as V8 writes
/// them) and gives it to `f`. An error when `value` is not a string.
///
/// # Safety
/// `env` and `value` are the arguments of a napi callback on this thread.
pub unsafe fn with_str<R>(env: sys::napi_env, value: sys::napi_value, f: impl FnOnce(&str) -> R) -> napi::Result<R> {
    BUFFER.with(|cell| {
        // Nothing under this borrow calls back into JavaScript; a nested read would get its own.
        let mut own = Vec::new();
        let mut borrowed = cell.try_borrow_mut();
        let buf = match &mut borrowed {
            Ok(b) => &mut **b,
            Err(_) => &mut own,
        };
        if buf.len() < SCRATCH {
            buf.resize(SCRATCH, 0);
        }
        let mut written = 0;
        check_status!(unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut written) }, "clerkauth: expected a string")?;
        if written + 4 >= buf.len() {
            // Possibly cut short: V8 stops before a character that does not fit (up to 4 bytes).
            let mut len = 0;
            check_status!(unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) }, "clerkauth: expected a string")?;
            buf.resize(len + 1, 0);
            check_status!(unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut written) }, "clerkauth: expected a string")?;
        }
        // SAFETY: V8 writes well-formed UTF-8 (it replaces what is not).
        let r = f(unsafe { std::str::from_utf8_unchecked(&buf[..written]) });
        if buf.len() > 4 * SCRATCH {
            buf.truncate(SCRATCH);
            buf.shrink_to_fit();
        }
        Ok(r)
    })
}

/// A string argument read in one pass.
pub struct Text(pub String);

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        unsafe { with_str(env, value, |s| Text(s.to_owned())) }
    }
}

/// A string argument read where it is used ([`JsStr::with`]), without a copy; e.g. per-call
/// options compared with the last ones.
pub struct JsStr {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl JsStr {
    /// The string, to `f` (an error when the argument is not a string).
    pub fn with<R>(&self, f: impl FnOnce(&str) -> R) -> napi::Result<R> {
        // SAFETY: a `JsStr` is an argument of the callback running now (it is not `Send`).
        unsafe { with_str(self.env, self.value, f) }
    }
}

impl FromNapiValue for JsStr {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Ok(JsStr { env, value })
    }
}

/// A request's headers as the JS layer sends them: `name NUL value NUL name NUL value …` (one
/// string crosses the boundary instead of an array of them), or `[name, value, …]` for a request
/// whose headers hold a NUL. A trailing name without a value is dropped.
pub struct Headers(pub Vec<(String, String)>);

fn pairs<S: Into<String>>(mut items: impl Iterator<Item = S>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(8);
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        out.push((name.into(), value.into()));
    }
    out
}

impl FromNapiValue for Headers {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut kind = 0;
        check_status!(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
        if kind == sys::ValueType::napi_string {
            return unsafe { with_str(env, value, |joined| Headers(pairs(joined.split('\0')))) };
        }
        let list: Vec<String> = unsafe { Vec::from_napi_value(env, value) }.map_err(|_| napi::Error::new(Status::InvalidArg, "clerkauth: headers must be a string or a list of strings"))?;
        Ok(Headers(pairs(list.into_iter())))
    }
}
