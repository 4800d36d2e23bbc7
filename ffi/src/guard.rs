//! The guards every export runs behind: the panic guard (`guarded` for fallible functions,
//! `getter` for infallible ones), the calling thread's last error message
//! (`clerkauth_last_error_message`), and the checks of C arguments (NULL pointers, UTF-8
//! strings, out-parameters).

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::cstr::cstring_lossy;
use crate::status::{clerkauth_status, status_of};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(msg: &str) {
    let c = cstring_lossy(msg);
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = c);
}

/// A failed call: the status to return and the message for `clerkauth_last_error_message`.
pub(crate) struct Fail(pub(crate) clerkauth_status, pub(crate) String);

impl From<clerkauth::Error> for Fail {
    fn from(e: clerkauth::Error) -> Self {
        Fail(status_of(e.code()), format!("{}: {}", e.code().as_str(), e.message()))
    }
}

/// Fails the call with `code` and `msg`.
pub(crate) fn fail<T>(code: clerkauth_status, msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(code, msg.into()))
}

/// Runs a fallible export body inside the panic guard.
pub(crate) fn guarded(f: impl FnOnce() -> Result<(), Fail>) -> clerkauth_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => clerkauth_status::Ok,
        Ok(Err(Fail(code, msg))) => {
            set_last_error(&msg);
            code
        }
        Err(_) => {
            set_last_error("panic: an internal error was caught inside libclerkauth");
            clerkauth_status::Panic
        }
    }
}

/// Runs an infallible getter inside the panic guard, returning `default` on panic.
pub(crate) fn getter<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return fail(clerkauth_status::NullParameter, format!("{what} is NULL"));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| Fail(clerkauth_status::InvalidUtf8, format!("{what} is not valid UTF-8: {e}")))
}

/// Checks that an out-parameter is non-NULL.
pub(crate) fn check_out<T>(out: *mut T, what: &str) -> Result<(), Fail> {
    if out.is_null() {
        return fail(clerkauth_status::NullParameter, format!("{what} is NULL"));
    }
    Ok(())
}

/// A human-readable description of the most recent failure (non-OK status) on the calling
/// thread, or "" when none. Valid until the next failing clerkauth call on this thread;
/// never free it. (Hosts that may switch OS threads between calls, like Go without
/// `runtime.LockOSThread`, should treat it as best-effort detail.)
#[no_mangle]
pub extern "C" fn clerkauth_last_error_message() -> *const c_char {
    getter(c"".as_ptr(), || LAST_ERROR.try_with(|e| e.borrow().as_ptr()).unwrap_or(c"".as_ptr()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panic_guard_turns_a_panic_into_a_status_and_a_default() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let st = guarded(|| panic!("boom"));
        let v = getter(7usize, || panic!("boom"));
        std::panic::set_hook(hook);
        assert_eq!(st, clerkauth_status::Panic);
        assert_eq!(v, 7);
        let msg = unsafe { CStr::from_ptr(clerkauth_last_error_message()) };
        assert!(msg.to_str().unwrap().starts_with("panic"));
    }
}
