//! The result handle (`clerkauth_result`): `clerkauth_authenticate` makes one from a request,
//! and its getters read the request state, the auth object (`toAuth()`, built once and cached
//! with its C strings), `has()` checks and the long-lived-connection answers (`validUntil`,
//! continues).

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use clerkauth::{AuthObject, RequestState};
use serde_json::Value;

use crate::authenticator::clerkauth_authenticator;
use crate::cstr::{cstring_lossy, opt_ptr};
use crate::guard::{arg_str, check_out, fail, getter, guarded};
use crate::json::{has_checks, overrides_arg, parse_json};
use crate::request::clerkauth_request;
use crate::status::clerkauth_status;
use crate::vocabulary::{auth_status_c, clerkauth_auth_kind, clerkauth_auth_status, clerkauth_token_type, lapse_cstr, token_type_c};

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

/// `toAuth()`, built on first use, with the C strings its getters return.
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

    /// The value of the first response header named `name` (case-insensitive), or NULL.
    fn header_value(&self, name: &str) -> *const c_char {
        self.state.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)).map_or(std::ptr::null(), |i| self.headers[i].1.as_ptr())
    }

    fn string_field(&self, k: &str) -> *const c_char {
        self.auth().strings.iter().find(|(n, _)| *n == k).map_or(std::ptr::null(), |(_, c)| c.as_ptr())
    }

    fn json_field(&self, k: &str) -> *const c_char {
        self.auth().json_fields.iter().find(|(n, _)| *n == k).map_or(std::ptr::null(), |(_, c)| c.as_ptr())
    }
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
    // SAFETY: the caller's contract, passed on.
    unsafe { authenticate(auth, request, overrides_json, now_ms, out, false) }
}

/// `clerkauth_authenticate` for an event loop: the same answer when it can be given without
/// the Backend API (a `jwtKey`, a warm JWKS cache, cached memberships; no refresh or handshake
/// nonce to exchange), else OK with `*out` set to NULL: then call `clerkauth_authenticate` off
/// the loop thread (it may wait on the network). A NULL answer contacted nothing, waited for
/// nothing and changed no cache, so the two calls never answer differently. It never waits on
/// the network.
///
/// # Safety
/// As `clerkauth_authenticate`.
#[no_mangle]
pub unsafe extern "C" fn clerkauth_authenticate_without_network(
    auth: *const clerkauth_authenticator,
    request: *const clerkauth_request,
    overrides_json: *const c_char,
    now_ms: i64,
    out: *mut *mut clerkauth_result,
) -> clerkauth_status {
    // SAFETY: the caller's contract, passed on.
    unsafe { authenticate(auth, request, overrides_json, now_ms, out, true) }
}

/// Both entry points; `no_network`: `*out` is NULL when the Backend API is needed.
///
/// # Safety
/// As `clerkauth_authenticate`.
unsafe fn authenticate(
    auth: *const clerkauth_authenticator,
    request: *const clerkauth_request,
    overrides_json: *const c_char,
    now_ms: i64,
    out: *mut *mut clerkauth_result,
    no_network: bool,
) -> clerkauth_status {
    guarded(|| {
        check_out(out, "out")?;
        // SAFETY: caller contract.
        let Some(auth) = (unsafe { auth.as_ref() }) else { return fail(clerkauth_status::NullParameter, "auth is NULL") };
        // SAFETY: caller contract.
        let Some(request) = (unsafe { request.as_ref() }) else { return fail(clerkauth_status::NullParameter, "request is NULL") };
        // SAFETY: caller contract.
        let overrides = unsafe { overrides_arg(overrides_json) }?;
        let now = (now_ms >= 0).then_some(now_ms as f64);
        let state = if no_network { auth.inner.authenticate_without_network(&request.inner, &overrides, now)? } else { Some(auth.inner.authenticate_with(&request.inner, &overrides, now)?) };
        let handle = state.map_or(std::ptr::null_mut(), |state| Box::into_raw(Box::new(clerkauth_result::new(state))));
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
    getter(clerkauth_auth_status::None, || result.map_or(clerkauth_auth_status::None, |r| auth_status_c(r.state.status).0))
}

/// The status as the reference's string: "signed-in", "signed-out" or "handshake" (NULL for NULL).
#[no_mangle]
pub extern "C" fn clerkauth_result_status_str(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| auth_status_c(r.state.status).1.as_ptr()))
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
    getter(clerkauth_token_type::None, || result.and_then(|r| r.state.token_type).map_or(clerkauth_token_type::None, |t| token_type_c(t).0))
}

/// The token type as the reference's string ("session_token", "api_key", "m2m_token",
/// "oauth_token"), NULL when null or for NULL.
#[no_mangle]
pub extern "C" fn clerkauth_result_token_type_str(result: Option<&clerkauth_result>) -> *const c_char {
    getter(std::ptr::null(), || result.and_then(|r| r.state.token_type).map_or(std::ptr::null(), |t| token_type_c(t).1.as_ptr()))
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
        r.header_value(name)
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
    // SAFETY: caller contract.
    unsafe { list_item(result, index, out, "permission", |a| &a.org_permissions) }
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
    // SAFETY: caller contract.
    unsafe { list_item(result, index, out, "scope", |a| &a.scopes) }
}

/// `list(auth)[index]` into `*out` (borrowed from the result): the body of the indexed getters.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn list_item(result: Option<&clerkauth_result>, index: usize, out: *mut *const c_char, what: &str, list: impl Fn(&AuthCache) -> &Vec<CString>) -> clerkauth_status {
    guarded(|| {
        let Some(r) = result else { return fail(clerkauth_status::NullParameter, "result is NULL") };
        check_out(out, "out")?;
        let Some(p) = list(r.auth()).get(index) else { return fail(clerkauth_status::IndexOutOfRange, format!("{what} index {index} out of range")) };
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
    getter(std::ptr::null(), || result.map_or(std::ptr::null(), |r| r.header_value("location")))
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
