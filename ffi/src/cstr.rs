//! Rust strings handed to C: NUL-terminated copies and optional pointers.

use std::ffi::{c_char, CString};

/// A CString from `s`, dropping interior NULs (only reachable through JSON `\u0000` input).
pub(crate) fn cstring_lossy(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "")).unwrap_or_default())
}

/// The pointer of an optional string owned by a handle, NULL when absent.
pub(crate) fn opt_ptr(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}
