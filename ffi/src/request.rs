//! The request handle (`clerkauth_request`): built from C strings, header arrays or JSON,
//! extended header by header, copied with a WebSocket token moved to `Authorization`; and the
//! request JSON of `clerkauth_authenticate_json` (`JsonCall`).

use std::ffi::c_char;

use clerkauth::websocket::{TokenSource, WebSocketTokenOptions};
use clerkauth::{HasCheck, Options, Request};
use serde_json::Value;

use crate::cstr::cstring_lossy;
use crate::guard::{arg_str, check_out, fail, getter, guarded, Fail};
use crate::json::{has_checks, parse_json};
use crate::status::clerkauth_status;

/// A request: method, absolute URL and ordered headers (the body is never read).
/// Mutation (`clerkauth_request_add_header`) needs exclusive access; reading it through
/// `clerkauth_authenticate` may happen from several threads at once.
pub struct clerkauth_request {
    pub(crate) inner: Request,
}

/// Creates a request with `method` (e.g. "GET") and absolute `url`
/// (e.g. "https://app.example.com/dashboard?x=1") and no headers. Thread-safe.
///
/// # Safety
/// `method` and `url` are NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_request_new(method: *const c_char, url: *const c_char, out: *mut *mut clerkauth_request) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let (m, u) = unsafe { (arg_str(method, "method")?, arg_str(url, "url")?) };
        let handle = Box::into_raw(Box::new(clerkauth_request { inner: Request::new(m, u) }));
        // SAFETY: checked non-NULL.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Creates a request with `count` headers given as two parallel arrays of NUL-terminated
/// strings (`names[i]`, `values[i]`). `names`/`values` may be NULL only when `count` is 0.
/// Thread-safe (the arrays are copied).
///
/// # Safety
/// The arrays hold `count` valid string pointers; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_request_new_with_headers(
    method: *const c_char,
    url: *const c_char,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
    out: *mut *mut clerkauth_request,
) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let (m, u) = unsafe { (arg_str(method, "method")?, arg_str(url, "url")?) };
        let mut req = Request::new(m, u);
        if count > 0 {
            if names.is_null() || values.is_null() {
                return fail(clerkauth_status::NullParameter, "names/values is NULL with a non-zero count");
            }
            for i in 0..count {
                // SAFETY: the arrays hold `count` elements.
                let (n, v) = unsafe { (*names.add(i), *values.add(i)) };
                // SAFETY: caller contract.
                let (n, v) = unsafe { (arg_str(n, "header name")?, arg_str(v, "header value")?) };
                req.headers.push((n.to_string(), v.to_string()));
            }
        }
        let handle = Box::into_raw(Box::new(clerkauth_request { inner: req }));
        // SAFETY: checked non-NULL.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Creates a request from JSON: `{"method": "GET", "url": "…", "headers": [["name","value"], …]}`
/// (headers may also be an object `{name: value | [values]}`). Thread-safe.
///
/// # Safety
/// `request_json` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_request_from_json(request_json: *const c_char, out: *mut *mut clerkauth_request) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let text = unsafe { arg_str(request_json, "request_json") }?;
        let req = Request::from_json(&parse_json(text, "request_json")?)?;
        let handle = Box::into_raw(Box::new(clerkauth_request { inner: req }));
        // SAFETY: checked non-NULL.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Appends a header (names are case-insensitive; repeated headers are kept in order).
///
/// # Safety
/// `request` is NULL or a live request not used by another thread; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_request_add_header(request: *mut clerkauth_request, name: *const c_char, value: *const c_char) -> clerkauth_status {
    guarded(|| {
        // SAFETY: caller contract (NULL or a live, exclusively held request).
        let Some(req) = (unsafe { request.as_mut() }) else { return fail(clerkauth_status::NullParameter, "request is NULL") };
        // SAFETY: caller contract.
        let (n, v) = unsafe { (arg_str(name, "name")?, arg_str(value, "value")?) };
        req.inner.headers.push((n.to_string(), v.to_string()));
        Ok(())
    })
}

/// Frees a request. NULL is a no-op. Call it once, after every thread is done with it.
#[no_mangle]
pub extern "C" fn clerkauth_request_free(request: Option<Box<clerkauth_request>>) {
    getter((), || drop(request))
}

/// Prepares a WebSocket upgrade for authentication: a browser cannot set `Authorization` on a
/// WebSocket, so a tab offers its own session token as a subprotocol
/// (`new WebSocket(url, ["app.v1", "clerk.session." + token])`) or, opt-in only, as a query
/// parameter. This moves that token to `Authorization: Bearer` in a **new** request, so
/// `clerkauth_authenticate` takes the header path and authenticates the tab's user, not the
/// shared `__session` cookie's.
///
/// * `options_json`: `{"protocolPrefix": "clerk.session." | null, "queryParam": "token" | null}`
///   (missing keys take the defaults; `null` disables that carrier), or NULL for the defaults:
///   the `clerk.session.` subprotocol prefix, no query parameter. Opt into `queryParam`
///   knowingly: URLs end up in access logs.
/// * Only a WebSocket upgrade (`Upgrade: websocket`) is changed; any other request is copied
///   as is. An `Authorization` header already present wins (no token is moved). Token entries
///   are removed from `Sec-WebSocket-Protocol`, the query parameter from the URL.
/// * `*out` (on OK): the new request, owned by the caller (`clerkauth_request_free`); the
///   input request is not modified and remains the caller's.
/// * `token_source` (may be NULL): on OK, "protocol" or "query" (static strings) when a token
///   was moved, else NULL.
/// * `selected_protocol` (may be NULL): on OK, the first offered subprotocol that is not a
///   token — answer it in the `101` response's `Sec-WebSocket-Protocol` (a browser fails the
///   socket when it offered protocols and none is answered) — owned by the caller
///   (`clerkauth_string_free`), or NULL when there is none.
///
/// Returns OK, or `_NULL_PARAMETER` (request, out), `_INVALID_UTF8`, `_INVALID_JSON` or
/// `_INVALID_OPTION` (an unknown key or a value that is not a non-empty string or null).
/// Thread-safe: it only reads `request`, like `clerkauth_authenticate`.
///
/// # Safety
/// `request` is NULL or a live request; `options_json` is NULL or NUL-terminated; the
/// out-parameters are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_request_with_websocket_token(
    request: *const clerkauth_request,
    options_json: *const c_char,
    out: *mut *mut clerkauth_request,
    token_source: *mut *const c_char,
    selected_protocol: *mut *mut c_char,
) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let Some(request) = (unsafe { request.as_ref() }) else { return fail(clerkauth_status::NullParameter, "request is NULL") };
        let opts = if options_json.is_null() {
            WebSocketTokenOptions::default()
        } else {
            // SAFETY: caller contract.
            WebSocketTokenOptions::from_json(&parse_json(unsafe { arg_str(options_json, "options_json") }?, "options_json")?)?
        };
        let upgrade = request.inner.with_websocket_token(&opts);
        let source = match upgrade.token_source {
            None => std::ptr::null(),
            Some(TokenSource::Protocol) => c"protocol".as_ptr(),
            Some(TokenSource::Query) => c"query".as_ptr(),
        };
        // SAFETY: `out` checked non-NULL; the optional out-parameters are written when non-NULL.
        unsafe {
            *out = Box::into_raw(Box::new(clerkauth_request { inner: upgrade.request }));
            if let Some(s) = token_source.as_mut() {
                *s = source;
            }
            if let Some(p) = selected_protocol.as_mut() {
                *p = upgrade.selected_protocol.as_deref().map_or(std::ptr::null_mut(), |p| cstring_lossy(p).into_raw());
            }
        }
        Ok(())
    })
}

/// The `request_json` of `clerkauth_authenticate_json`: the request and the call's `nowMs`,
/// `hasChecks` and `overrides`.
pub(crate) struct JsonCall {
    pub(crate) request: Request,
    pub(crate) now: Option<f64>,
    pub(crate) checks: Option<Vec<HasCheck>>,
    pub(crate) overrides: Options,
}

impl JsonCall {
    /// Reads `request_json` (`_INVALID_JSON`, `_INVALID_REQUEST`, `_INVALID_ARGUMENT`,
    /// `_INVALID_OPTION` for the wrong shapes).
    pub(crate) fn parse(req_text: &str) -> Result<JsonCall, Fail> {
        let req_value = parse_json(req_text, "request_json")?;
        let request = Request::from_json(&req_value)?;
        let now = match req_value.get("nowMs") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                Some(n) if n.is_finite() => (n >= 0.0).then_some(n),
                _ => return fail(clerkauth_status::InvalidArgument, "request_json.nowMs must be a number"),
            },
        };
        let checks = match req_value.get("hasChecks") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(a.iter().map(has_checks).collect::<Result<Vec<_>, _>>()?),
            Some(_) => return fail(clerkauth_status::InvalidArgument, "request_json.hasChecks must be a list of objects"),
        };
        let overrides = match req_value.get("overrides") {
            None | Some(Value::Null) => Options::default(),
            Some(v @ Value::Object(_)) => Options::from_json(v)?,
            Some(_) => return fail(clerkauth_status::InvalidOption, "request_json.overrides must be an object"),
        };
        Ok(JsonCall { request, now, checks, overrides })
    }
}
