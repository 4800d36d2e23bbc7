//! JSON arguments: a JSON string parsed, the options object (`options_from_text`, and
//! `overrides_arg` for the per-call `overrides_json` that may be NULL) and `has()` checks.

use std::ffi::c_char;

use clerkauth::{HasCheck, Options};
use serde_json::Value;

use crate::guard::{arg_str, fail, Fail};
use crate::status::clerkauth_status;

/// Parses the JSON argument `what`.
pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value, Fail> {
    serde_json::from_str(text).map_err(|e| Fail(clerkauth_status::InvalidJson, format!("{what} is not valid JSON: {e}")))
}

/// The options object of the JSON argument `what` (`_INVALID_OPTION` when not an object).
pub(crate) fn options_from_text(text: &str, what: &str) -> Result<Options, Fail> {
    let v = parse_json(text, what)?;
    if !v.is_object() {
        return fail(clerkauth_status::InvalidOption, format!("{what} must be a JSON object"));
    }
    Ok(Options::from_json(&v)?)
}

/// The per-call options of an `overrides_json` argument: none when it is NULL.
///
/// # Safety
/// `overrides_json` is NULL or a NUL-terminated string.
pub(crate) unsafe fn overrides_arg(overrides_json: *const c_char) -> Result<Options, Fail> {
    if overrides_json.is_null() {
        return Ok(Options::default());
    }
    // SAFETY: caller contract.
    options_from_text(unsafe { arg_str(overrides_json, "overrides_json") }?, "overrides_json")
}

/// A `has()` check given as a JSON object.
pub(crate) fn has_checks(v: &Value) -> Result<HasCheck, Fail> {
    if !v.is_object() {
        return fail(clerkauth_status::InvalidArgument, "a has() check must be a JSON object such as {\"role\":\"org:admin\"}");
    }
    Ok(HasCheck::from_json(v))
}
