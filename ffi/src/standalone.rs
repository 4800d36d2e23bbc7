//! The calls that need no request or result handle and answer with caller-owned strings:
//! `clerkauth_verify_token` (verifyToken), `clerkauth_authenticate_json` (the one-call JSON
//! entry point, with its process-wide authenticator cache and `clerkauth_json_cache_clear`),
//! `clerkauth_session_token` (getToken), and `clerkauth_string_free` for those strings.

use std::ffi::{c_char, CString};
use std::sync::LazyLock;

use clerkauth::{verify_token_json, AuthenticatorCache};
use serde_json::Value;

use crate::authenticator::clerkauth_authenticator;
use crate::cstr::cstring_lossy;
use crate::guard::{arg_str, check_out, fail, getter, guarded};
use crate::json::{options_from_text, overrides_arg};
use crate::request::JsonCall;
use crate::status::clerkauth_status;

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
        // SAFETY: caller contract.
        let overrides = unsafe { overrides_arg(overrides_json) }?;
        let now = (now_ms >= 0).then_some(now_ms as f64);
        let json = verify_token_json(&auth.inner, token, &overrides, now)?;
        let text = cstring_lossy(&json.to_string()).into_raw();
        // SAFETY: checked non-NULL.
        unsafe { *out_json = text };
        Ok(())
    })
}

/// The process-wide cache of `clerkauth_authenticate_json`: the core's one rule
/// (authenticators keyed by the instance options, everything else applied per call).
fn json_cache() -> &'static AuthenticatorCache {
    static CACHE: LazyLock<AuthenticatorCache> = LazyLock::new(|| AuthenticatorCache::new(32));
    &CACHE
}

/// One call, JSON in and JSON out, for hosts binding through a generic FFI (Go cgo, PHP FFI,
/// Ruby FFI, Python ctypes).
///
/// * `options_json`: the authenticator options object (as for `clerkauth_authenticator_new`).
///   Authenticators are cached by their instance options (`secretKey`, `publishableKey`,
///   `jwtKey`, `machineSecretKey`, `apiUrl`, `apiVersion`, `jwksCacheTtlInMs`,
///   `membershipCacheTtlInMs`, `verifiedTokenCacheSize`; up to 32, process-wide, oldest
///   dropped first), so keys are parsed and the JWKS fetched once per instance; every other
///   option applies per call, so options that differ only there (`authorizedParties`,
///   `audience` …) share one authenticator and its JWKS cache. `clerkauth_json_cache_clear`
///   empties the cache.
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
        let call = JsonCall::parse(req_text)?;
        let options = options_from_text(opts_text, "options_json")?;
        let state = json_cache().authenticate(&call.request, options, &call.overrides, call.now)?;
        let mut json = state.to_json();
        if let Some(checks) = call.checks {
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
        // SAFETY: caller contract.
        let overrides = unsafe { overrides_arg(overrides_json) }?;
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
    getter((), || json_cache().clear())
}
