//! # libclerkauth — the C ABI of clerkauth
//!
//! Conventions (the rustls-ffi habits):
//!
//! * Every symbol and type starts with `clerkauth_`; handles are opaque structs created by a
//!   `_new` function and released by the matching `_free`, which accepts NULL (no-op).
//! * Every fallible function returns a `clerkauth_status` (`CLERKAUTH_STATUS_OK` = 0). Outputs
//!   go through out-parameters and are written **only** when the call returns OK.
//!   A human-readable detail of the most recent failure on the calling thread is available
//!   from `clerkauth_last_error_message()`.
//! * Simple getters cannot fail: they return a documented default (NULL, 0, false) when given
//!   NULL or when the value is absent.
//! * Strings returned by a result's getters are NUL-terminated, UTF-8, owned by the result and
//!   valid until `clerkauth_result_free`. Strings returned through a `char **` out-parameter
//!   (`clerkauth_authenticate_json`, `clerkauth_verify_token`, `clerkauth_session_token`, the
//!   selected protocol of `clerkauth_request_with_websocket_token`) are owned by the caller
//!   and released with `clerkauth_string_free`. Static strings (`clerkauth_version`,
//!   `clerkauth_status_text`, `clerkauth_vocabulary_json`, a WebSocket token source, a
//!   `clerkauth_result_continues` lapse reason) are never freed.
//! * Integers that name enum values are received as `uint32_t` and validated.
//! * Every export runs inside a panic guard: a panic never crosses into C; fallible functions
//!   return `CLERKAUTH_STATUS_PANIC`, getters their documented default.
//! * Thread safety: a `const clerkauth_authenticator *` may be used by any number of threads at
//!   once; a `clerkauth_request` may be read (authenticated, or copied by
//!   `clerkauth_request_with_websocket_token`) concurrently but must not be
//!   mutated (`clerkauth_request_add_header`) while another thread uses it; every getter of a
//!   `const clerkauth_result *` is safe to call concurrently. A handle must not be freed while
//!   another thread still uses it.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use clerkauth::websocket::{TokenSource, WebSocketTokenOptions};
use clerkauth::{verify_token_json, AuthObject, AuthStatus, Authenticator, ErrorCode, HasCheck, Options, Request, RequestState, TokenType};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------------------------

/// Status code returned by every fallible function. Values are stable; new codes may be added.
/// Codes 100 and up mirror the core library's error codes (configuration errors).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An argument had an impossible value (e.g. a JSON value of the wrong shape).
    InvalidArgument = 3,
    /// A JSON argument was not valid JSON.
    InvalidJson = 4,
    /// An index was past the end.
    IndexOutOfRange = 5,
    /// The requested value is absent.
    NotFound = 6,
    /// A panic was caught inside the library (a bug; the call had no effect).
    Panic = 7,
    /// The publishable key is missing or malformed.
    InvalidPublishableKey = 100,
    /// The secret key is missing.
    MissingSecretKey = 101,
    /// Satellite configuration is incomplete or inconsistent.
    InvalidSatelliteConfig = 102,
    /// Machine-token authentication without any secret key.
    MissingMachineSecretKey = 103,
    /// An organization-sync pattern failed to compile.
    InvalidOrganizationPattern = 104,
    /// An option has the wrong type or an impossible value.
    InvalidOption = 105,
    /// The request (method, URL, headers) could not be used.
    InvalidRequest = 106,
    /// A development handshake token failed verification.
    HandshakeVerificationFailed = 107,
    /// Any other error the core reports.
    UnexpectedError = 108,
}

impl clerkauth_status {
    fn from_u32(code: u32) -> Option<clerkauth_status> {
        use clerkauth_status::*;
        Some(match code {
            0 => Ok,
            1 => NullParameter,
            2 => InvalidUtf8,
            3 => InvalidArgument,
            4 => InvalidJson,
            5 => IndexOutOfRange,
            6 => NotFound,
            7 => Panic,
            100 => InvalidPublishableKey,
            101 => MissingSecretKey,
            102 => InvalidSatelliteConfig,
            103 => MissingMachineSecretKey,
            104 => InvalidOrganizationPattern,
            105 => InvalidOption,
            106 => InvalidRequest,
            107 => HandshakeVerificationFailed,
            108 => UnexpectedError,
            _ => return None,
        })
    }

    fn text(self) -> &'static CStr {
        use clerkauth_status::*;
        match self {
            Ok => c"ok",
            NullParameter => c"null-parameter",
            InvalidUtf8 => c"invalid-utf8",
            InvalidArgument => c"invalid-argument",
            InvalidJson => c"invalid-json",
            IndexOutOfRange => c"index-out-of-range",
            NotFound => c"not-found",
            Panic => c"panic",
            InvalidPublishableKey => c"invalid-publishable-key",
            MissingSecretKey => c"missing-secret-key",
            InvalidSatelliteConfig => c"invalid-satellite-config",
            MissingMachineSecretKey => c"missing-machine-secret-key",
            InvalidOrganizationPattern => c"invalid-organization-pattern",
            InvalidOption => c"invalid-option",
            InvalidRequest => c"invalid-request",
            HandshakeVerificationFailed => c"handshake-verification-failed",
            UnexpectedError => c"unexpected-error",
        }
    }
}

fn status_of(code: ErrorCode) -> clerkauth_status {
    match code {
        ErrorCode::InvalidPublishableKey => clerkauth_status::InvalidPublishableKey,
        ErrorCode::MissingSecretKey => clerkauth_status::MissingSecretKey,
        ErrorCode::InvalidSatelliteConfig => clerkauth_status::InvalidSatelliteConfig,
        ErrorCode::MissingMachineSecretKey => clerkauth_status::MissingMachineSecretKey,
        ErrorCode::InvalidOrganizationPattern => clerkauth_status::InvalidOrganizationPattern,
        ErrorCode::InvalidOption => clerkauth_status::InvalidOption,
        ErrorCode::InvalidRequest => clerkauth_status::InvalidRequest,
        ErrorCode::HandshakeVerificationFailed => clerkauth_status::HandshakeVerificationFailed,
        _ => clerkauth_status::UnexpectedError,
    }
}

/// `status` of a result: what `authenticateRequest` decided.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_auth_status {
    /// Returned for a NULL result.
    None = 0,
    /// `signed-in`.
    SignedIn = 1,
    /// `signed-out` (see the reason).
    SignedOut = 2,
    /// `handshake`: respond with the result's headers (a redirect).
    Handshake = 3,
}

/// The credential kind a result evaluated.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_token_type {
    /// No token type (NULL result, or the acceptsToken pre-filter's invalid-token state).
    None = 0,
    /// `session_token`.
    SessionToken = 1,
    /// `api_key`.
    ApiKey = 2,
    /// `m2m_token`.
    M2mToken = 3,
    /// `oauth_token`.
    OauthToken = 4,
}

/// The shape of a result's auth object (`toAuth()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_auth_kind {
    /// `toAuth()` is null (handshake) or the result is NULL.
    None = 0,
    /// A signed-in session.
    SignedIn = 1,
    /// A signed-out session object.
    SignedOut = 2,
    /// A machine token (authenticated or not).
    Machine = 3,
    /// The acceptsToken pre-filter's invalid-token object.
    InvalidToken = 4,
}

// ---------------------------------------------------------------------------------------------
// Plumbing: last error, panic guard, string conversion
// ---------------------------------------------------------------------------------------------

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(msg: &str) {
    let c = cstring_lossy(msg);
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = c);
}

/// A CString from `s`, dropping interior NULs (only reachable through JSON `\u0000` input).
fn cstring_lossy(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "")).unwrap_or_default())
}

struct Fail(clerkauth_status, String);

impl From<clerkauth::Error> for Fail {
    fn from(e: clerkauth::Error) -> Self {
        Fail(status_of(e.code()), format!("{}: {}", e.code().as_str(), e.message()))
    }
}

fn fail<T>(code: clerkauth_status, msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(code, msg.into()))
}

/// Runs a fallible export body inside the panic guard.
fn guarded(f: impl FnOnce() -> Result<(), Fail>) -> clerkauth_status {
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
fn getter<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
unsafe fn arg_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return fail(clerkauth_status::NullParameter, format!("{what} is NULL"));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| Fail(clerkauth_status::InvalidUtf8, format!("{what} is not valid UTF-8: {e}")))
}

fn parse_json(text: &str, what: &str) -> Result<Value, Fail> {
    serde_json::from_str(text).map_err(|e| Fail(clerkauth_status::InvalidJson, format!("{what} is not valid JSON: {e}")))
}

fn check_out<T>(out: *mut T, what: &str) -> Result<(), Fail> {
    if out.is_null() {
        return fail(clerkauth_status::NullParameter, format!("{what} is NULL"));
    }
    Ok(())
}

fn opt_ptr(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

// ---------------------------------------------------------------------------------------------
// Version, status text and vocabulary
// ---------------------------------------------------------------------------------------------

/// The core's vocabularies as JSON: `{"reasons":[...],"tokenTypes":[...],"errorCodes":[...]}`:
/// every reason code (`clerkauth_result_reason`; a refresh failure's reason is composed,
/// `session-token-expired-refresh-<why>`, and listed as its head `session-token-expired`),
/// token type string (`clerkauth_result_token_type_str`) and error code
/// (`clerkauth_status_text` of the codes 100 and up), in the core's order. Static: the same pointer on every call, valid for the
/// life of the process; never free it. Thread-safe. NULL only if the library panicked.
#[no_mangle]
pub extern "C" fn clerkauth_vocabulary_json() -> *const c_char {
    static JSON: OnceLock<CString> = OnceLock::new();
    getter(std::ptr::null(), || JSON.get_or_init(|| CString::new(clerkauth::vocabulary_json()).unwrap_or_default()).as_ptr())
}

/// The library version, e.g. "0.1.0". Static; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn clerkauth_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A stable kebab-case name for a status code ("ok", "null-parameter", "invalid-publishable-key", …),
/// or "unknown-status" for a value that is not a status code. Static; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn clerkauth_status_text(code: u32) -> *const c_char {
    getter(c"unknown-status".as_ptr(), || clerkauth_status::from_u32(code).map_or(c"unknown-status", clerkauth_status::text).as_ptr())
}

/// A human-readable description of the most recent failure (non-OK status) on the calling
/// thread, or "" when none. Valid until the next failing clerkauth call on this thread;
/// never free it. (Hosts that may switch OS threads between calls, like Go without
/// `runtime.LockOSThread`, should treat it as best-effort detail.)
#[no_mangle]
pub extern "C" fn clerkauth_last_error_message() -> *const c_char {
    getter(c"".as_ptr(), || LAST_ERROR.try_with(|e| e.borrow().as_ptr()).unwrap_or(c"".as_ptr()))
}

// ---------------------------------------------------------------------------------------------
// Authenticator
// ---------------------------------------------------------------------------------------------

/// A long-lived authenticator: instance options (keys, domains, Backend API URL), the parsed
/// keys, the JWKS cache and the HTTP client. Build one per Clerk instance and share it: every
/// function taking a `const clerkauth_authenticator *` is thread-safe.
pub struct clerkauth_authenticator {
    inner: Arc<Authenticator>,
}

fn options_from_text(text: &str, what: &str) -> Result<Options, Fail> {
    let v = parse_json(text, what)?;
    if !v.is_object() {
        return fail(clerkauth_status::InvalidOption, format!("{what} must be a JSON object"));
    }
    Ok(Options::from_json(&v)?)
}

/// Creates an authenticator from `options_json`, a JSON object with `@clerk/backend`'s option
/// names (`secretKey`, `publishableKey`, `jwtKey`, `apiUrl`, `authorizedParties`,
/// `organizationSyncOptions`, `acceptsToken`, …; every name is listed in ffi/README.md). An
/// unknown name is `CLERKAUTH_STATUS_INVALID_OPTION`, its message naming the key (and the
/// closest known name for a near miss); `@clerk/backend` options that do not affect
/// authentication (`telemetry`, `userAgent`, …) are accepted and ignored.
///
/// Returns OK and writes `*out` (free it with `clerkauth_authenticator_free`), or
/// `CLERKAUTH_STATUS_NULL_PARAMETER`, `_INVALID_UTF8`, `_INVALID_JSON`, `_INVALID_OPTION` or another
/// configuration code (e.g. `_INVALID_PUBLISHABLE_KEY`, `_INVALID_ORGANIZATION_PATTERN`).
///
/// Thread-safe (builds an independent authenticator). Parses keys and compiles organization
/// patterns once; never touches the network.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_authenticator_new(options_json: *const c_char, out: *mut *mut clerkauth_authenticator) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let text = unsafe { arg_str(options_json, "options_json") }?;
        let opts = options_from_text(text, "options_json")?;
        let auth = Authenticator::new(opts)?;
        let handle = Box::into_raw(Box::new(clerkauth_authenticator { inner: Arc::new(auth) }));
        // SAFETY: `out` checked non-NULL; written only on success.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Frees an authenticator. NULL is a no-op. Call it once, after every thread is done with it.
#[no_mangle]
pub extern "C" fn clerkauth_authenticator_free(auth: Option<Box<clerkauth_authenticator>>) {
    getter((), || drop(auth))
}

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

/// A request: method, absolute URL and ordered headers (the body is never read).
/// Mutation (`clerkauth_request_add_header`) needs exclusive access; reading it through
/// `clerkauth_authenticate` may happen from several threads at once.
pub struct clerkauth_request {
    inner: Request,
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

// ---------------------------------------------------------------------------------------------
// Authenticate
// ---------------------------------------------------------------------------------------------

/// The outcome of `clerkauth_authenticate`: the request state and its auth object.
/// Every getter is read-only and thread-safe; returned strings live until the result is freed.
pub struct clerkauth_result {
    state: RequestState,
    reason: Option<CString>,
    message: Option<CString>,
    token: Option<CString>,
    headers: Vec<(CString, CString)>,
    auth: OnceLock<AuthCache>,
    /// `toAuth({ treatPendingAsSignedOut: false })` as JSON, only when it differs from
    /// `toAuth()` (a pending session); `None` = the same as `auth.json`.
    auth_json_keep_pending: OnceLock<Option<CString>>,
    state_json: OnceLock<CString>,
    trace_json: OnceLock<Option<CString>>,
    org_sync_json: OnceLock<Option<CString>>,
}

struct AuthCache {
    object: Option<AuthObject>,
    json: Option<CString>,
    strings: Vec<(&'static str, CString)>,
    json_fields: Vec<(&'static str, CString)>,
    org_permissions: Vec<CString>,
    scopes: Vec<CString>,
}

impl clerkauth_result {
    fn new(state: RequestState) -> clerkauth_result {
        let c = |o: &Option<String>| o.as_deref().map(cstring_lossy);
        clerkauth_result {
            reason: c(&state.reason),
            message: c(&state.message),
            token: c(&state.token),
            headers: state.headers.iter().map(|(k, v)| (cstring_lossy(k), cstring_lossy(v))).collect(),
            state,
            auth: OnceLock::new(),
            auth_json_keep_pending: OnceLock::new(),
            state_json: OnceLock::new(),
            trace_json: OnceLock::new(),
            org_sync_json: OnceLock::new(),
        }
    }

    fn auth(&self) -> &AuthCache {
        const STRING_FIELDS: [&str; 11] = ["userId", "sessionId", "sessionStatus", "orgId", "orgRole", "orgSlug", "machineId", "subject", "id", "name", "clientId"];
        const JSON_FIELDS: [&str; 4] = ["actor", "sessionClaims", "claims", "factorVerificationAge"];
        self.auth.get_or_init(|| {
            let object = self.state.to_auth();
            let json = object.as_ref().map(AuthObject::to_json);
            let mut cache =
                AuthCache { json: json.as_ref().map(|j| cstring_lossy(&j.to_string())), object, strings: Vec::new(), json_fields: Vec::new(), org_permissions: Vec::new(), scopes: Vec::new() };
            if let Some(Value::Object(m)) = &json {
                for k in STRING_FIELDS {
                    if let Some(Value::String(s)) = m.get(k) {
                        cache.strings.push((k, cstring_lossy(s)));
                    }
                }
                for k in JSON_FIELDS {
                    if let Some(v) = m.get(k).filter(|v| !v.is_null()) {
                        cache.json_fields.push((k, cstring_lossy(&v.to_string())));
                    }
                }
                let list = |k: &str| -> Vec<CString> { m.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(cstring_lossy).collect()).unwrap_or_default() };
                cache.org_permissions = list("orgPermissions");
                cache.scopes = list("scopes");
            }
            cache
        })
    }

    /// `toAuth({ treatPendingAsSignedOut })` as JSON, owned by the result.
    fn auth_json_with(&self, treat_pending_as_signed_out: bool) -> *const c_char {
        let default = &self.auth().json;
        if treat_pending_as_signed_out {
            return opt_ptr(default);
        }
        let kept = self.auth_json_keep_pending.get_or_init(|| {
            let object = self.state.to_auth_with(false);
            if object == self.auth().object {
                None
            } else {
                object.map(|o| cstring_lossy(&o.to_json().to_string()))
            }
        });
        match kept {
            Some(c) => c.as_ptr(),
            None => opt_ptr(default),
        }
    }

    fn string_field(&self, k: &str) -> *const c_char {
        self.auth().strings.iter().find(|(n, _)| *n == k).map_or(std::ptr::null(), |(_, c)| c.as_ptr())
    }

    fn json_field(&self, k: &str) -> *const c_char {
        self.auth().json_fields.iter().find(|(n, _)| *n == k).map_or(std::ptr::null(), |(_, c)| c.as_ptr())
    }
}

fn has_checks(v: &Value) -> Result<HasCheck, Fail> {
    if !v.is_object() {
        return fail(clerkauth_status::InvalidArgument, "a has() check must be a JSON object such as {\"role\":\"org:admin\"}");
    }
    Ok(HasCheck::from_json(v))
}

/// Authenticates `request` with the authenticator's options, overlaid with `overrides_json`
/// (a JSON object of per-call options such as `authorizedParties`, `acceptsToken`,
/// `organizationSyncOptions`, `explain`, with the names of `clerkauth_authenticator_new`: an
/// unknown one is `_INVALID_OPTION`; NULL for none), at time `now_ms` (milliseconds since
/// the Unix epoch; any negative value means the system clock).
///
/// Returns OK and writes `*out` (free it with `clerkauth_result_free`). Authentication
/// failures are OK results with status signed-out and a reason; non-OK codes mean bad
/// arguments or configuration (e.g. `_INVALID_REQUEST` for a URL that is not absolute,
/// `_INVALID_OPTION` for bad overrides, `_HANDSHAKE_VERIFICATION_FAILED`).
///
/// Thread-safe: many threads may authenticate with the same authenticator concurrently. The
/// call blocks while the Backend API is contacted (JWKS, machine tokens) unless `jwtKey` is set.
///
/// # Safety
/// Pointers are NULL or valid; `overrides_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_authenticate(
    auth: *const clerkauth_authenticator,
    request: *const clerkauth_request,
    overrides_json: *const c_char,
    now_ms: i64,
    out: *mut *mut clerkauth_result,
) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let Some(auth) = (unsafe { auth.as_ref() }) else { return fail(clerkauth_status::NullParameter, "auth is NULL") };
        // SAFETY: caller contract.
        let Some(request) = (unsafe { request.as_ref() }) else { return fail(clerkauth_status::NullParameter, "request is NULL") };
        let overrides = if overrides_json.is_null() {
            Options::default()
        } else {
            // SAFETY: caller contract.
            options_from_text(unsafe { arg_str(overrides_json, "overrides_json") }?, "overrides_json")?
        };
        let now = (now_ms >= 0).then_some(now_ms as f64);
        let state = auth.inner.authenticate_with(&request.inner, &overrides, now)?;
        let handle = Box::into_raw(Box::new(clerkauth_result::new(state)));
        // SAFETY: checked non-NULL.
        unsafe { *out = handle };
        Ok(())
    })
}

/// Frees a result and every string obtained from it. NULL is a no-op. Call it once, after
/// every thread is done with it.
#[no_mangle]
pub extern "C" fn clerkauth_result_free(result: Option<Box<clerkauth_result>>) {
    getter((), || drop(result))
}

/// The status (`CLERKAUTH_AUTH_STATUS_NONE` for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_status(result: Option<&clerkauth_result>) -> clerkauth_auth_status {
    getter(clerkauth_auth_status::None, || match result.map(|r| r.state.status) {
        None => clerkauth_auth_status::None,
        Some(AuthStatus::SignedIn) => clerkauth_auth_status::SignedIn,
        Some(AuthStatus::SignedOut) => clerkauth_auth_status::SignedOut,
        Some(AuthStatus::Handshake) => clerkauth_auth_status::Handshake,
    })
}

/// The status as the reference's string: "signed-in", "signed-out" or "handshake" (NULL for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_status_str(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || match result.map(|r| r.state.status) {
        None => std::ptr::null(),
        Some(AuthStatus::SignedIn) => c"signed-in".as_ptr(),
        Some(AuthStatus::SignedOut) => c"signed-out".as_ptr(),
        Some(AuthStatus::Handshake) => c"handshake".as_ptr(),
    })
}

/// `isAuthenticated` (true only when signed in; false for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_is_authenticated(result: Option<&clerkauth_result>) -> bool {
    getter(false, || result.is_some_and(|r| r.state.is_authenticated()))
}

/// The reason code (e.g. "session-token-and-uat-missing"), NULL when signed in or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_reason(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(&r.reason)))
}

/// The human-readable message, NULL when signed in or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_message(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(&r.message)))
}

/// The verified token (signed in only), else NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_token(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(&r.token)))
}

/// The token type evaluated (`CLERKAUTH_TOKEN_TYPE_NONE` when null or for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_token_type(result: Option<&clerkauth_result>) -> clerkauth_token_type {
    getter(clerkauth_token_type::None, || match result.and_then(|r| r.state.token_type) {
        None => clerkauth_token_type::None,
        Some(TokenType::SessionToken) => clerkauth_token_type::SessionToken,
        Some(TokenType::ApiKey) => clerkauth_token_type::ApiKey,
        Some(TokenType::M2mToken) => clerkauth_token_type::M2mToken,
        Some(TokenType::OAuthToken) => clerkauth_token_type::OauthToken,
    })
}

fn token_type_cstr(t: TokenType) -> &'static CStr {
    match t {
        TokenType::SessionToken => c"session_token",
        TokenType::ApiKey => c"api_key",
        TokenType::M2mToken => c"m2m_token",
        TokenType::OAuthToken => c"oauth_token",
    }
}

/// The token type as the reference's string ("session_token", "api_key", "m2m_token",
/// "oauth_token"), NULL when null or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_token_type_str(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.and_then(|r| r.state.token_type).map_or(std::ptr::null(), |t| token_type_cstr(t).as_ptr()))
}

/// Number of response headers to send (0 for NULL). Names are lower-case; `set-cookie`
/// entries are separate.
#[no_mangle]
pub extern "C" fn clerkauth_result_header_count(result: Option<&clerkauth_result>) -> usize {
    getter(0, || result.map_or(0, |r| r.headers.len()))
}

/// Header `index` (0-based, in order). Writes `*name` and `*value` (owned by the result).
/// Like every result getter, thread-safe on a shared `const clerkauth_result *`.
/// Returns `_NULL_PARAMETER` or `_INDEX_OUT_OF_RANGE` otherwise.
///
/// # Safety
/// `name` and `value` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_header(result: Option<&clerkauth_result>, index: usize, name: *mut *const c_char, value: *mut *const c_char) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(name, "name")?;
        check_out(value, "value")?;
        let Some((n, v)) = r.headers.get(index) else {
            return fail(clerkauth_status::IndexOutOfRange, format!("header index {index} out of range (count {})", r.headers.len()));
        };
        // SAFETY: both checked non-NULL.
        unsafe {
            *name = n.as_ptr();
            *value = v.as_ptr();
        }
        Ok(())
    })
}

/// The value of the first response header named `name` (case-insensitive), or NULL.
///
/// # Safety
/// `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_header_value(result: Option<&clerkauth_result>, name: *const c_char) -> *const c_char {
    getter(std::ptr::null(), || {
        let Some(r) = result else { return std::ptr::null() };
        // SAFETY: caller contract.
        let Ok(name) = (unsafe { arg_str(name, "name") }) else { return std::ptr::null() };
        r.state.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(std::ptr::null(), |i| r.headers[i].1.as_ptr())
    })
}

/// The kind of auth object `toAuth()` gives.
#[no_mangle]
pub extern "C" fn clerkauth_result_auth_kind(result: Option<&clerkauth_result>) -> clerkauth_auth_kind {
    getter(clerkauth_auth_kind::None, || match result.and_then(|r| r.auth().object.as_ref()) {
        None => clerkauth_auth_kind::None,
        Some(AuthObject::SignedIn(_)) => clerkauth_auth_kind::SignedIn,
        Some(AuthObject::SignedOut { .. }) => clerkauth_auth_kind::SignedOut,
        Some(AuthObject::Machine(_)) => clerkauth_auth_kind::Machine,
        Some(AuthObject::InvalidToken) => clerkauth_auth_kind::InvalidToken,
    })
}

/// The whole auth object (`toAuth()`) as JSON — exactly the reference's shape — or NULL when
/// `toAuth()` is null (handshake) or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_auth_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(&r.auth().json)))
}

/// `toAuth({ treatPendingAsSignedOut })` as JSON, or NULL when `toAuth()` is null (handshake)
/// or for NULL. With `true` it is `clerkauth_result_auth_json` (the same string). With
/// `false`, a pending session (claim `sts: "pending"`: the state is signed-in but `toAuth()`
/// is the signed-out object with `"sessionStatus": "pending"`) is the signed-in object with
/// its `userId`, `sessionId`, claims…; every other result gives the same JSON as with `true`.
/// The string is owned by the result (built once, on first use). Thread-safe.
///
/// The other auth getters (`_user_id`, `_session_id`, `_has`, …) always answer for the
/// default `toAuth()` (pending sessions treated as signed out).
#[no_mangle]
pub extern "C" fn clerkauth_result_auth_json_with(result: Option<&clerkauth_result>, treat_pending_as_signed_out: bool) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.auth_json_with(treat_pending_as_signed_out)))
}

/// `auth.userId` (sessions; API keys owned by a user; OAuth tokens), NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_user_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("userId")))
}

/// `auth.sessionId`, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_session_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("sessionId")))
}

/// `auth.sessionStatus` ("active", "pending"…), NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_session_status(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("sessionStatus")))
}

/// `auth.orgId` (the active organization), NULL when absent/null or not a string.
#[no_mangle]
pub extern "C" fn clerkauth_result_org_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("orgId")))
}

/// `auth.orgRole` (e.g. "org:admin"), NULL when absent/null or not a string.
#[no_mangle]
pub extern "C" fn clerkauth_result_org_role(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("orgRole")))
}

/// `auth.orgSlug`, NULL when absent/null or not a string.
#[no_mangle]
pub extern "C" fn clerkauth_result_org_slug(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("orgSlug")))
}

/// Machine tokens: `auth.machineId` (M2M tokens), NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_machine_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("machineId")))
}

/// Machine tokens: `auth.subject`, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_subject(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("subject")))
}

/// Machine tokens: `auth.id` (the token's id), NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_token_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("id")))
}

/// API keys: `auth.name`, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_name(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("name")))
}

/// OAuth tokens: `auth.clientId`, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_client_id(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.string_field("clientId")))
}

/// `auth.actor` (impersonation) as JSON, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_actor_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.json_field("actor")))
}

/// `auth.sessionClaims` (all verified claims) as JSON, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_session_claims_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.json_field("sessionClaims")))
}

/// Machine tokens: `auth.claims` as JSON, NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_claims_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.json_field("claims")))
}

/// `auth.factorVerificationAge` as JSON (e.g. "[3,-1]"), NULL when absent/null.
#[no_mangle]
pub extern "C" fn clerkauth_result_factor_verification_age_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.json_field("factorVerificationAge")))
}

/// `auth.factorVerificationAge` as two integers (minutes since first / second factor
/// verification; -1 = never). Returns OK and writes both, or `_NOT_FOUND` when absent or not
/// a pair of integers, `_NULL_PARAMETER` for NULL arguments.
///
/// # Safety
/// `first` and `second` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_factor_verification_age(result: Option<&clerkauth_result>, first: *mut i64, second: *mut i64) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(first, "first")?;
        check_out(second, "second")?;
        let pair = match r.auth().object.as_ref() {
            Some(AuthObject::SignedIn(s)) => s.factor_verification_age().as_ref().and_then(Value::as_array).and_then(|a| match a.as_slice() {
                [x, y] => Some((x.as_i64()?, y.as_i64()?)),
                _ => None,
            }),
            _ => None,
        };
        let Some((x, y)) = pair else { return fail(clerkauth_status::NotFound, "no factorVerificationAge") };
        // SAFETY: both checked non-NULL.
        unsafe {
            *first = x;
            *second = y;
        }
        Ok(())
    })
}

/// Number of `auth.orgPermissions` entries (0 when absent or for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_org_permission_count(result: Option<&clerkauth_result>) -> usize {
    getter(0, || result.map_or(0, |r| r.auth().org_permissions.len()))
}

/// `auth.orgPermissions[index]`. Returns OK and writes `*out`, or `_NULL_PARAMETER` /
/// `_INDEX_OUT_OF_RANGE`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_org_permission(result: Option<&clerkauth_result>, index: usize, out: *mut *const c_char) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(out, "out")?;
        let Some(p) = r.auth().org_permissions.get(index) else { return fail(clerkauth_status::IndexOutOfRange, format!("permission index {index} out of range")) };
        // SAFETY: checked non-NULL.
        unsafe { *out = p.as_ptr() };
        Ok(())
    })
}

/// Number of machine-token `auth.scopes` entries (0 when absent or for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_scope_count(result: Option<&clerkauth_result>) -> usize {
    getter(0, || result.map_or(0, |r| r.auth().scopes.len()))
}

/// Machine tokens: `auth.scopes[index]`. Returns OK and writes `*out`, or `_NULL_PARAMETER` /
/// `_INDEX_OUT_OF_RANGE`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_scope(result: Option<&clerkauth_result>, index: usize, out: *mut *const c_char) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(out, "out")?;
        let Some(p) = r.auth().scopes.get(index) else { return fail(clerkauth_status::IndexOutOfRange, format!("scope index {index} out of range")) };
        // SAFETY: checked non-NULL.
        unsafe { *out = p.as_ptr() };
        Ok(())
    })
}

/// `toAuth().has(check)` for a check given as JSON: `{"role": "org:admin"}`,
/// `{"permission": "org:posts:edit"}`, `{"feature": "…"}`, `{"plan": "…"}`,
/// `{"reverification": "strict" | {"level": "…", "afterMinutes": N}}` (keys may be combined).
/// Returns OK and writes `*out` (false when there is no auth object), or `_NULL_PARAMETER`,
/// `_INVALID_UTF8`, `_INVALID_JSON`, `_INVALID_ARGUMENT` (not an object). Thread-safe.
///
/// # Safety
/// `check_json` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_has(result: Option<&clerkauth_result>, check_json: *const c_char, out: *mut bool) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let check = has_checks(&parse_json(unsafe { arg_str(check_json, "check_json") }?, "check_json")?)?;
        let answer = r.auth().object.as_ref().is_some_and(|a| a.has(&check));
        // SAFETY: checked non-NULL.
        unsafe { *out = answer };
        Ok(())
    })
}

/// The organization-sync outcome as JSON
/// (`{"target": {"type": "organization", "organizationSlug": "…"}, "outcome": "active", "activeOrgId": "…"}`),
/// NULL when no organization pattern matched or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_organization_sync_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(r.org_sync_json.get_or_init(|| r.state.organization_sync.as_ref().map(|o| cstring_lossy(&o.to_json().to_string()))))))
}

/// The organization-sync outcome alone: "active", "handshake", "mismatch", "membership" or
/// "not-member"; NULL when no organization pattern matched or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_organization_sync_outcome(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || {
        use clerkauth::SyncOutcome::*;
        match result.and_then(|r| r.state.organization_sync.as_ref()).map(|o| o.outcome) {
            None => std::ptr::null(),
            Some(Active) => c"active".as_ptr(),
            Some(Handshake) => c"handshake".as_ptr(),
            Some(Mismatch) => c"mismatch".as_ptr(),
            Some(Membership) => c"membership".as_ptr(),
            Some(NotMember) => c"not-member".as_ptr(),
        }
    })
}

/// The decision trace as JSON (`[{"step": "…", "detail": "…"}, …]`), NULL unless the
/// `explain` option was true, or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_trace_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| opt_ptr(r.trace_json.get_or_init(|| r.state.trace.as_ref().map(|t| cstring_lossy(&t.to_json().to_string()))))))
}

/// The whole state as JSON with the reference's field names (status, reason, message,
/// isAuthenticated, isSignedIn, token, tokenType, headers, publishableKey, proxyUrl,
/// isSatellite, domain, signInUrl, signUpUrl, afterSignInUrl, afterSignUpUrl, auth,
/// organizationSync, redirectLocation, validUntil, trace when explained). NULL for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_state_json(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.state_json.get_or_init(|| cstring_lossy(&r.state.to_json().to_string())).as_ptr()))
}

/// Where to redirect the client (`redirectLocation`): the `Location` response header of a
/// handshake, or of a development instance's handshake resolution (signed in, with the URL
/// cleaned of handshake parameters). Redirect whenever it is non-NULL, whatever the status.
/// NULL when there is none or for NULL. Owned by the result.
#[no_mangle]
pub extern "C" fn clerkauth_result_redirect_location(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || {
        let Some(r) = result else { return std::ptr::null() };
        r.state.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case("location")).map_or(std::ptr::null(), |i| r.headers[i].1.as_ptr())
    })
}

/// Until when this answer holds (`validUntil`), in milliseconds since the Unix epoch: the
/// token's expiry (`exp * 1000` for a session token), or earlier when an organization
/// membership from the Backend API scoped the auth object (the end of its cache entry). A
/// long-lived connection (a WebSocket) authenticated by this result must re-authenticate, or
/// stop trusting it, by then. Returns true and writes `*out_ms`; false (and leaves `*out_ms`
/// alone) when not signed in, when the credential does not expire, or for a NULL argument.
///
/// # Safety
/// `out_ms` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_valid_until_ms(result: Option<&clerkauth_result>, out_ms: *mut f64) -> bool {
    getter(false, || {
        let Some(until) = result.and_then(|r| r.state.valid_until_ms()) else { return false };
        // SAFETY: caller contract (NULL or writable).
        let Some(out) = (unsafe { out_ms.as_mut() }) else { return false };
        *out = until;
        true
    })
}

fn lapse_cstr(lapse: &str) -> &'static CStr {
    match lapse {
        clerkauth::lapse::SIGNED_OUT => c"signed-out",
        clerkauth::lapse::USER_CHANGED => c"user-changed",
        clerkauth::lapse::SESSION_CHANGED => c"session-changed",
        clerkauth::lapse::ORGANIZATION_CHANGED => c"organization-changed",
        _ => c"principal-changed",
    }
}

/// Whether `result`, a re-authentication of a long-lived connection, continues `previous`,
/// the result the connection was opened with: signed in as the same user, session and
/// organization (or as the same machine). Returns true, or false when the connection should
/// be closed; then `*lapse` (when `lapse` is non-NULL) names what changed, a static string:
/// "signed-out", "user-changed", "session-changed", "organization-changed" or
/// "principal-changed". NULL `result` or `previous`: false, and `*lapse` is NULL. `*lapse`
/// is NULL when the answer is true. Thread-safe (both results are only read).
///
/// # Safety
/// `lapse` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_result_continues(result: Option<&clerkauth_result>, previous: Option<&clerkauth_result>, lapse: *mut *const c_char) -> bool {
    getter(false, || {
        let answer = match (result, previous) {
            (Some(r), Some(p)) => r.state.continues(&p.state).map_err(|l| lapse_cstr(l).as_ptr()),
            _ => Err(std::ptr::null()),
        };
        // SAFETY: caller contract (NULL or writable).
        if let Some(out) = unsafe { lapse.as_mut() } {
            *out = answer.err().unwrap_or(std::ptr::null());
        }
        answer.is_ok()
    })
}

// ---------------------------------------------------------------------------------------------
// verifyToken
// ---------------------------------------------------------------------------------------------

/// `verifyToken(token, options)`: verifies a session token on its own, without a request,
/// with the authenticator's key resolution (PEM `jwtKey` or the JWKS from the Backend API)
/// and claim rules (`authorizedParties`, `audience`, `issuer`, `clockSkewInMs`,
/// `headerType`), overlaid with `overrides_json` (per-call options as for
/// `clerkauth_authenticate`; NULL for none), at time `now_ms` (milliseconds since the Unix
/// epoch; any negative value means the system clock).
///
/// Returns OK and writes `*out_json` (owned by the caller: free it with
/// `clerkauth_string_free`): `{"ok":true,"claims":{…}}` for a valid token, or
/// `{"ok":false,"reason":"token-expired","message":"…","action":"…"|null}` for a token that is
/// refused (the reference's reasons: `token-expired`, `token-invalid-signature`,
/// `jwk-kid-mismatch`, …; `unexpected-error` for a failure that is not the token's, such as an
/// unreachable Backend API). A refused token is an OK status, never an error code. Non-OK
/// codes mean bad arguments or configuration: `_NULL_PARAMETER` (auth, token, out_json),
/// `_INVALID_UTF8`, `_INVALID_JSON` or `_INVALID_OPTION` (overrides; an unknown name is named
/// by `clerkauth_last_error_message()`).
///
/// Thread-safe. Blocks while the JWKS is fetched unless `jwtKey` is set.
///
/// # Safety
/// `auth` is NULL or a live authenticator; strings are NULL or NUL-terminated; `out_json` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_verify_token(
    auth: *const clerkauth_authenticator,
    token: *const c_char,
    overrides_json: *const c_char,
    now_ms: i64,
    out_json: *mut *mut c_char,
) -> clerkauth_status {
    guarded(|| {
        check_out(out_json, "out_json")?;
        // SAFETY: caller contract.
        let Some(auth) = (unsafe { auth.as_ref() }) else { return fail(clerkauth_status::NullParameter, "auth is NULL") };
        // SAFETY: caller contract.
        let token = unsafe { arg_str(token, "token") }?;
        let overrides = if overrides_json.is_null() {
            Options::default()
        } else {
            // SAFETY: caller contract.
            options_from_text(unsafe { arg_str(overrides_json, "overrides_json") }?, "overrides_json")?
        };
        let now = (now_ms >= 0).then_some(now_ms as f64);
        let json = verify_token_json(&auth.inner, token, &overrides, now)?;
        let text = cstring_lossy(&json.to_string()).into_raw();
        // SAFETY: checked non-NULL.
        unsafe { *out_json = text };
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// JSON entry point
// ---------------------------------------------------------------------------------------------

/// The process-wide cache of `clerkauth_authenticate_json`: options text → authenticator.
fn json_cache() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Authenticator>>> {
    static CACHE: LazyLock<Mutex<HashMap<String, Arc<Authenticator>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

fn cached_authenticator(options_text: &str) -> Result<Arc<Authenticator>, Fail> {
    const JSON_CACHE_MAX: usize = 32;
    let lock = json_cache;
    if let Some(a) = lock().get(options_text) {
        return Ok(a.clone());
    }
    let auth = Arc::new(Authenticator::new(options_from_text(options_text, "options_json")?)?);
    let mut cache = lock();
    if let Some(a) = cache.get(options_text) {
        return Ok(a.clone()); // another thread won the race; share its JWKS cache
    }
    if cache.len() >= JSON_CACHE_MAX {
        if let Some(k) = cache.keys().next().cloned() {
            cache.remove(&k);
        }
    }
    cache.insert(options_text.to_string(), auth.clone());
    Ok(auth)
}

/// One call, JSON in and JSON out, for hosts binding through a generic FFI (Go cgo, PHP FFI,
/// Ruby FFI, Python ctypes).
///
/// * `options_json`: the authenticator options object (as for `clerkauth_authenticator_new`).
///   Authenticators are cached per identical options string (up to 32, process-wide), so
///   keys are parsed and the JWKS fetched once; `clerkauth_json_cache_clear` empties the cache.
/// * `request_json`: `{"method": "GET", "url": "…", "headers": [["name","value"], …] | {…},
///   "nowMs": 1767225600000 (optional; absent, null or negative = system clock),
///   "hasChecks": [{"role": "org:admin"}, …] (optional), "overrides": {…} (optional per-call options)}`.
/// * `*out_json` (on OK): the state JSON (as `clerkauth_result_state_json`) plus `"has"`: one
///   boolean per `hasChecks` entry (null when `toAuth()` is null; omitted without `hasChecks`).
///   Free it with `clerkauth_string_free`.
///
/// Returns the same codes as `clerkauth_authenticator_new` + `clerkauth_authenticate`, plus
/// `_INVALID_REQUEST` / `_INVALID_ARGUMENT` for a request JSON of the wrong shape.
/// Thread-safe.
///
/// # Safety
/// Strings NULL or NUL-terminated; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_authenticate_json(options_json: *const c_char, request_json: *const c_char, out_json: *mut *mut c_char) -> clerkauth_status {
    guarded(|| {
        check_out(out_json, "out_json")?;
        // SAFETY: caller contract.
        let (opts_text, req_text) = unsafe { (arg_str(options_json, "options_json")?, arg_str(request_json, "request_json")?) };
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
        let auth = cached_authenticator(opts_text)?;
        let state = auth.authenticate_with(&request, &overrides, now)?;
        let mut json = state.to_json();
        if let Some(checks) = checks {
            let has = state.to_auth().map_or(Value::Null, |a| Value::from(checks.iter().map(|c| a.has(c)).collect::<Vec<_>>()));
            json["has"] = has;
        }
        let text = cstring_lossy(&json.to_string()).into_raw();
        // SAFETY: checked non-NULL.
        unsafe { *out_json = text };
        Ok(())
    })
}

/// Frees a string returned through a `char **` out-parameter: by `clerkauth_authenticate_json`,
/// `clerkauth_verify_token`, `clerkauth_session_token` or (the selected protocol)
/// `clerkauth_request_with_websocket_token`. NULL is a no-op. Never pass a string owned by a
/// result or a static string. Thread-safe (each string freed once).
///
/// # Safety
/// `s` is NULL or such a string not yet freed.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_string_free(s: *mut c_char) {
    getter((), || {
        if !s.is_null() {
            // SAFETY: allocated by CString::into_raw in this library.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Session tokens from the Backend API (getToken)
// ---------------------------------------------------------------------------------------------

/// A signed-in session's `getToken({ template, expiresInSeconds })`: asks the Backend API
/// (`POST {apiUrl}/{apiVersion}/sessions/{session_id}/tokens[/{template}]`, authorized with the
/// secret key) for a new token and writes its `jwt` to `*out_jwt` (owned by the caller: free it
/// with `clerkauth_string_free`).
///
/// * `session_id`: the session, e.g. `clerkauth_result_session_id(res)`.
/// * `template_name`: a JWT template name, or NULL / "" for a fresh session token. The session
///   id and template name are percent-encoded as single path segments.
/// * `expires_in_seconds`: sent as `{"expires_in_seconds": n}` when >= 0; negative = not sent.
/// * `overrides_json`: per-call options as for `clerkauth_authenticate` (NULL for none); pass
///   the ones the request was authenticated with (`secretKey`, `apiUrl`, `apiVersion` apply).
///
/// (Without a template or expiry, `getToken()` is simply the verified session token:
/// `clerkauth_result_token(res)`, no network.)
///
/// Returns OK, or `_NULL_PARAMETER` (auth, session_id, out_jwt), `_INVALID_UTF8`,
/// `_INVALID_JSON` / `_INVALID_OPTION` (overrides), `_MISSING_SECRET_KEY`, `_INVALID_REQUEST`
/// (empty session id, or a session id / template name that is `.` or `..`), or
/// `_UNEXPECTED_ERROR` when the Backend API is unreachable or answers with an error: then
/// `clerkauth_last_error_message()` carries the HTTP status and the Backend API's error (e.g.
/// 404 for an unknown template, 401 for a bad secret key), never the secret key.
///
/// Thread-safe. Blocks for one HTTP request (5 s connect timeout, 10 s overall); nothing is
/// cached.
///
/// # Safety
/// `auth` is NULL or a live authenticator; strings are NULL or NUL-terminated; `out_jwt` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_session_token(
    auth: *const clerkauth_authenticator,
    session_id: *const c_char,
    template_name: *const c_char,
    expires_in_seconds: i64,
    overrides_json: *const c_char,
    out_jwt: *mut *mut c_char,
) -> clerkauth_status {
    guarded(|| {
        check_out(out_jwt, "out_jwt")?;
        // SAFETY: caller contract.
        let Some(auth) = (unsafe { auth.as_ref() }) else { return fail(clerkauth_status::NullParameter, "auth is NULL") };
        // SAFETY: caller contract.
        let sid = unsafe { arg_str(session_id, "session_id") }?;
        let template = if template_name.is_null() {
            None
        } else {
            // SAFETY: caller contract.
            Some(unsafe { arg_str(template_name, "template_name") }?)
        };
        let overrides = if overrides_json.is_null() {
            Options::default()
        } else {
            // SAFETY: caller contract.
            options_from_text(unsafe { arg_str(overrides_json, "overrides_json") }?, "overrides_json")?
        };
        let expires = u64::try_from(expires_in_seconds).ok();
        let jwt = auth.inner.session_token(sid, template, expires, &overrides)?;
        let text = cstring_lossy(&jwt).into_raw();
        // SAFETY: checked non-NULL.
        unsafe { *out_jwt = text };
        Ok(())
    })
}

/// Drops every authenticator cached by `clerkauth_authenticate_json` (their keys and JWKS
/// caches). Calls in flight keep theirs until they return. Thread-safe.
#[no_mangle]
pub extern "C" fn clerkauth_json_cache_clear() {
    getter((), || drop(std::mem::take(&mut *json_cache())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip_and_unknown_values_are_rejected() {
        for code in (0..=10).chain(95..=115).chain([u32::MAX]) {
            match clerkauth_status::from_u32(code) {
                Some(s) => assert_eq!(s as u32, code),
                None => assert_eq!(unsafe { CStr::from_ptr(clerkauth_status_text(code)) }, c"unknown-status"),
            }
        }
        assert_eq!(clerkauth_status::InvalidOrganizationPattern.text().to_str().unwrap(), ErrorCode::InvalidOrganizationPattern.as_str());
        assert_eq!(clerkauth_status::UnexpectedError.text().to_str().unwrap(), ErrorCode::Unexpected.as_str());
    }

    #[test]
    fn every_core_error_code_and_token_type_has_its_own_c_value_and_spelling() {
        for &c in ErrorCode::ALL {
            assert_eq!(status_of(c).text().to_str().unwrap(), c.as_str(), "{c:?} has no clerkauth_status of its own");
        }
        for &t in TokenType::ALL {
            assert_eq!(token_type_cstr(t).to_str().unwrap(), t.as_str());
        }
        let v: Value = serde_json::from_str(unsafe { CStr::from_ptr(clerkauth_vocabulary_json()) }.to_str().unwrap()).unwrap();
        assert_eq!(v, clerkauth::vocabulary());
        assert_eq!(clerkauth_vocabulary_json(), clerkauth_vocabulary_json());
    }

    #[test]
    fn every_lapse_reason_keeps_the_core_spelling() {
        use clerkauth::lapse::*;
        for l in [SIGNED_OUT, USER_CHANGED, SESSION_CHANGED, ORGANIZATION_CHANGED, PRINCIPAL_CHANGED] {
            assert_eq!(lapse_cstr(l).to_str().unwrap(), l);
        }
    }

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
