//! Node bindings for clerkauth (private native layer).
//!
//! This module is loaded by the hand-written JS API (`index.js`); it is not a public API.
//! Everything crosses the boundary as JSON strings or plain values. Configuration errors are
//! returned as `{ code, message }` objects (never thrown) so the JS layer can raise an Error
//! with a stable `code`. Every export carries `#[napi(catch_unwind)]`, and the work run on the
//! addon's worker threads catches panics itself, so a panic becomes a rejected Promise / a
//! thrown Error, never a dead process.

mod pool;
mod promises;
mod states;
mod text;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerkauth::devinstance::DevInstance;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::{AuthStatus, Authenticator, Error as CoreError, ErrorCode, HasCheck, OptionKind, Options, Request, RequestState, TokenType, OPTION_NAMES};
use napi::bindgen_prelude::{Either, Object, ToNapiValue};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::{Map, Value};
use states::{Held, ToJs};
use text::{Headers, JsStr, Text};

/// A configuration / input error with the core's stable code.
#[napi(object)]
#[derive(Clone)]
pub struct NativeError {
    pub code: String,
    pub message: String,
}

impl From<CoreError> for NativeError {
    fn from(e: CoreError) -> Self {
        NativeError { code: e.code().as_str().to_string(), message: e.message().to_string() }
    }
}

fn invalid(code: ErrorCode, message: impl Into<String>) -> NativeError {
    NativeError { code: code.as_str().to_string(), message: message.into() }
}

/// A panic caught on a worker, as the error that rejects the call's Promise.
fn panicked(p: Box<dyn std::any::Any + Send>) -> napi::Error {
    let message = if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    };
    napi::Error::new(Status::GenericFailure, format!("clerkauth panicked: {message}"))
}

/// A result as the JS side receives it: the value, or the `{ code, message }` error object.
fn either<T>(r: Result<T, NativeError>) -> Either<T, NativeError> {
    match r {
        Ok(v) => Either::A(v),
        Err(e) => Either::B(e),
    }
}

/// Runs `work` on the addon's worker threads (never on libuv's pool, see [`pool`]) and returns
/// a Promise of its result: the value or the `{ code, message }` error object; a panic rejects.
fn on_worker<T>(env: &Env, work: impl FnOnce() -> Result<T, NativeError> + Send + 'static) -> napi::Result<Object<'_>>
where
    T: ToNapiValue + Send + 'static,
{
    promises::spawn(env, move || catch_unwind(AssertUnwindSafe(work)).map(either).map_err(panicked))
}

fn parse_options(json: Option<&str>) -> Result<Options, NativeError> {
    match json {
        None | Some("") => Ok(Options::default()),
        Some(s) => Options::from_json_str(s).map_err(NativeError::from),
    }
}

/// A request from its parts.
fn request_of(method: Text, url: Text, headers: Headers) -> Request {
    Request { method: method.0, url: url.0, headers: headers.0 }
}

/// A long-lived authenticator (instance options, parsed keys, JWKS cache). Shared by all
/// requests; the network work it may do runs on the addon's worker threads.
#[napi]
pub struct NativeAuthenticator {
    inner: AssertUnwindSafe<Arc<Authenticator>>,
    /// The last per-call options parsed, by their JSON (a server passes the same ones on
    /// every call).
    last_overrides: Mutex<Option<(String, Arc<Options>)>>,
}

impl NativeAuthenticator {
    /// Per-call options, parsed once per distinct JSON in a row (compared without a copy).
    fn overrides(&self, json: Option<JsStr>) -> Result<Option<Arc<Options>>, NativeError> {
        let Some(json) = json else { return Ok(None) };
        let read = json.with(|json| {
            if json.is_empty() {
                return Ok(None);
            }
            let mut last = self.last_overrides.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((j, o)) = last.as_ref() {
                if j == json {
                    return Ok(Some(Arc::clone(o)));
                }
            }
            let parsed = Arc::new(parse_options(Some(json))?);
            *last = Some((json.to_owned(), Arc::clone(&parsed)));
            Ok(Some(parsed))
        });
        read.map_err(|e| invalid(ErrorCode::InvalidOption, format!("clerkauth: per-call options: {}", e.reason)))?
    }
}

/// Builds an authenticator from instance options (JSON, @clerk/backend option names).
/// `jwksRetryBaseDelayMs` shortens the JWKS retry backoff (testing knob; default 125 ms).
#[napi(catch_unwind)]
pub fn create_authenticator(options_json: String, jwks_retry_base_delay_ms: Option<u32>) -> Either<NativeAuthenticator, NativeError> {
    let build = || -> Result<NativeAuthenticator, NativeError> {
        let options = parse_options(Some(&options_json))?;
        let mut builder = Authenticator::builder(options);
        if let Some(ms) = jwks_retry_base_delay_ms {
            let policy = JwksPolicy { retry: RetryPolicy { attempts: RetryPolicy::default().attempts, base_delay: Duration::from_millis(ms as u64) }, ..JwksPolicy::default() };
            builder = builder.jwks_policy(policy);
        }
        let auth = builder.build().map_err(NativeError::from)?;
        Ok(NativeAuthenticator { inner: AssertUnwindSafe(Arc::new(auth)), last_overrides: Mutex::new(None) })
    };
    either(build())
}

/// Authenticates on this thread: the no-network path (`Ok(None)` when the Backend API is
/// needed) or the normal one.
fn authenticate(auth: &Arc<Authenticator>, request: &Request, overrides: Option<Arc<Options>>, now_ms: Option<f64>, no_network: bool) -> Result<Option<NativeState>, NativeError> {
    let none = Options::default();
    let opts = overrides.as_deref().unwrap_or(&none);
    let state = if no_network { auth.authenticate_without_network(request, opts, now_ms) } else { auth.authenticate_with(request, opts, now_ms).map(Some) };
    // The per-call options are kept for getToken({ template }): the Backend API call uses them.
    Ok(state.map_err(NativeError::from)?.map(|state| NativeState { state: AssertUnwindSafe(state), auth: AssertUnwindSafe(Arc::clone(auth)), overrides: AssertUnwindSafe(overrides) }))
}

/// [`authenticate`] with the per-call options as parsed (an option error is the call's
/// answer): the state or error object, `None` when it needs the Backend API and `no_network`.
fn decide(auth: &Arc<Authenticator>, request: &Request, overrides: &Result<Option<Arc<Options>>, NativeError>, now_ms: Option<f64>, no_network: bool) -> Option<Either<ToJs, NativeError>> {
    let decided = match overrides {
        Ok(overrides) => authenticate(auth, request, overrides.clone(), now_ms, no_network),
        Err(e) => Err(e.clone()),
    };
    match decided {
        Ok(None) => None,
        Ok(Some(state)) => Some(Either::A(ToJs(state))),
        Err(e) => Some(Either::B(e)),
    }
}

/// `getToken({ template, expiresInSeconds })`: one Backend API request.
fn session_token(auth: &Authenticator, overrides: Option<&Options>, session_id: &str, template: Option<&str>, expires_in_seconds: Option<f64>) -> Result<String, NativeError> {
    let expires_in_seconds = match expires_in_seconds {
        None => None,
        Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => Some(n as u64),
        Some(n) => return Err(invalid(ErrorCode::InvalidOption, format!("clerkauth: getToken expiresInSeconds must be a non-negative integer, not {n}"))),
    };
    let none = Options::default();
    auth.session_token(session_id, template, expires_in_seconds, overrides.unwrap_or(&none)).map_err(NativeError::from)
}

#[napi]
impl NativeAuthenticator {
    /// Authenticates a request: decided on the calling thread when it can be, without a
    /// Promise. `first`: the first call of this turn of the event loop; the calls after it are
    /// a burst.
    /// - A first call is decided here and now as far as it goes without the network (the state
    ///   or error object), unless the workers are still taking a burst's jobs: then it is
    ///   queued for them, as part of that burst (measured with 64 in flight on 2 cores: +2.5%).
    /// - A later call is decided here while the workers have queued calls enough to stay busy
    ///   (this thread's share of the burst costs it no more than a call made alone), else queued
    ///   for the workers and for `helpWorkers()`, which the JavaScript thread calls at the end of
    ///   its turn to decide queued calls itself while the workers decide others.
    ///
    /// A queued call, or one that needs the Backend API, is a Promise (the workers run a call
    /// that needs the network as a job of its own).
    #[napi(
        catch_unwind,
        ts_args_type = "method: string, url: string, headers: string | Array<string>, overridesJson: string | null, nowMs: number | null, first: boolean",
        ts_return_type = "object | NativeError | Promise<object | NativeError>"
    )]
    #[allow(clippy::too_many_arguments)] // JavaScript's positional arguments
    pub fn authenticate<'env>(
        &self,
        env: &'env Env,
        method: Text,
        url: Text,
        headers: Headers,
        overrides_json: Option<JsStr>,
        now_ms: Option<f64>,
        first: bool,
    ) -> napi::Result<Either<Either<ToJs, NativeError>, Object<'env>>> {
        let auth = Arc::clone(&self.inner);
        let overrides = self.overrides(overrides_json);
        let request = request_of(method, url, headers);
        let here = if first { !promises::workers_taking_jobs() } else { promises::workers_have_backlog() };
        if here {
            // `None`: it needs the network, and is queued (nothing was sent or waited for).
            if let Some(answer) = decide(&auth, &request, &overrides, now_ms, true) {
                return Ok(Either::A(answer));
            }
        }
        let promise = promises::spawn_shared(env, move |may_block| match catch_unwind(AssertUnwindSafe(|| decide(&auth, &request, &overrides, now_ms, !may_block))) {
            Ok(answer) => answer.map(Ok),
            Err(p) => Some(Err(panicked(p))),
        })?;
        Ok(Either::B(promise))
    }

    /// `verifyToken(token)` with per-call options (JSON), off the event loop: resolves to the
    /// core's JSON answer (`{ok: true, claims}` or `{ok: false, reason, message, action}`) or
    /// a `{ code, message }` error for unusable options.
    #[napi(catch_unwind, ts_return_type = "Promise<string | NativeError>")]
    pub fn verify_token<'env>(&self, env: &'env Env, token: String, overrides_json: Option<String>, now_ms: Option<f64>) -> napi::Result<Object<'env>> {
        let auth = Arc::clone(&self.inner);
        on_worker(env, move || {
            let overrides = parse_options(overrides_json.as_deref())?;
            clerkauth::verify_token_json(&auth, &token, &overrides, now_ms).map(|v| v.to_string()).map_err(NativeError::from)
        })
    }

    /// The normal path on the calling thread (for benchmarks and tests; blocks on network
    /// work). A state is an External (`object` in the types).
    #[napi(catch_unwind, ts_args_type = "method: string, url: string, headers: string | Array<string>, overridesJson?: string | null, nowMs?: number | null", ts_return_type = "object | NativeError")]
    pub fn authenticate_sync(&self, method: Text, url: Text, headers: Headers, overrides_json: Option<JsStr>, now_ms: Option<f64>) -> Either<ToJs, NativeError> {
        let run = || {
            authenticate(&self.inner, &request_of(method, url, headers), self.overrides(overrides_json)?, now_ms, false)?
                .map(ToJs)
                .ok_or_else(|| invalid(ErrorCode::Unexpected, "the normal path gave no state"))
        };
        either(run())
    }
}

/// A request state held natively (so `has()` is evaluated by the core), with the
/// authenticator and per-call options it came from (for `getToken({ template })`). JavaScript
/// holds it as an External ([`states`]) and reads it with the `state*` functions below.
pub struct NativeState {
    state: AssertUnwindSafe<RequestState>,
    auth: AssertUnwindSafe<Arc<Authenticator>>,
    overrides: AssertUnwindSafe<Option<Arc<Options>>>,
}

/// What every state object reads at once, in one number: bits 0–1 the status (0
/// signed-in, 1 signed-out, 2 handshake), bits 2–4 the token type (0 none, 1 session,
/// 2 API key, 3 M2M, 4 OAuth), bit 5 isAuthenticated, bit 6 a reason, bit 7 a message.
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_summary(state: Held) -> u32 {
    let s = &*state.state().state;
    let status = match s.status {
        AuthStatus::SignedIn => 0,
        AuthStatus::SignedOut => 1,
        AuthStatus::Handshake => 2,
    };
    let token_type = match s.token_type {
        None => 0,
        Some(TokenType::SessionToken) => 1,
        Some(TokenType::ApiKey) => 2,
        Some(TokenType::M2mToken) => 3,
        Some(TokenType::OAuthToken) => 4,
    };
    status | token_type << 2 | u32::from(s.is_authenticated()) << 5 | u32::from(s.reason.is_some()) << 6 | u32::from(s.message.is_some()) << 7
}

/// The reason (signed-out and handshake states).
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_reason(state: Held) -> Option<String> {
    state.state().state.reason.clone()
}

/// The message (signed-out and handshake states).
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_message(state: Held) -> Option<String> {
    state.state().state.message.clone()
}

/// The response headers, flat: `[name, value, …]`.
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_headers(state: Held) -> Vec<String> {
    state.state().state.headers.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect()
}

/// The token that authenticated the request.
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_token(state: Held) -> Option<String> {
    state.state().state.token.clone()
}

/// Until when (ms since epoch) the answer holds.
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_valid_until(state: Held) -> Option<f64> {
    state.state().state.valid_until_ms()
}

/// Where to redirect (a handshake, a dev instance's handshake resolution).
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_redirect_location(state: Held) -> Option<String> {
    state.state().state.redirect_location().map(str::to_string)
}

/// The state as JSON (reference field names; `auth` = `toAuth()` with pending sessions
/// treated as signed out).
#[napi(catch_unwind, ts_args_type = "state: object")]
pub fn state_to_json(state: Held) -> String {
    state.state().state.to_json().to_string()
}

/// `toAuth({ treatPendingAsSignedOut })` as JSON (`null` for handshakes).
#[napi(catch_unwind, ts_args_type = "state: object, treatPendingAsSignedOut: boolean")]
pub fn state_auth_json(state: Held, treat_pending_as_signed_out: bool) -> String {
    state.state().state.to_auth_with(treat_pending_as_signed_out).map(|a| a.to_json()).unwrap_or(Value::Null).to_string()
}

/// `toAuth({ treatPendingAsSignedOut }).has(check)`; `checkJson` is the params object.
#[napi(catch_unwind, ts_args_type = "state: object, checkJson: string, treatPendingAsSignedOut: boolean")]
pub fn state_has(state: Held, check_json: String, treat_pending_as_signed_out: bool) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(&check_json) else { return false };
    if !v.is_object() {
        return false;
    }
    let check = HasCheck::from_json(&v);
    state.state().state.to_auth_with(treat_pending_as_signed_out).is_some_and(|a| a.has(&check))
}

/// `state.continues(previous)`: `null` when this state (a socket's re-authentication)
/// continues `previous` (same user, session and organization, or the same machine), else
/// what changed.
#[napi(catch_unwind, ts_args_type = "state: object, previous: object")]
pub fn state_continues(state: Held, previous: Held) -> Option<String> {
    state.state().state.continues(&previous.state().state).err().map(str::to_string)
}

/// `getToken({ template, expiresInSeconds })` for `sessionId`: a new token from the Backend
/// API (with this state's instance and per-call options), off the event loop. Resolves to
/// the jwt or a `{ code, message }` error (never rejects, except on a panic).
/// `expiresInSeconds` must be a non-negative integer (checked here too).
#[napi(catch_unwind, ts_args_type = "state: object, sessionId: string, template?: string | null, expiresInSeconds?: number | null", ts_return_type = "Promise<string | NativeError>")]
pub fn state_session_token(env: &Env, state: Held, session_id: String, template: Option<String>, expires_in_seconds: Option<f64>) -> napi::Result<Object<'_>> {
    let s = state.state();
    let (auth, overrides) = (Arc::clone(&s.auth), s.overrides.as_ref().map(Arc::clone));
    on_worker(env, move || session_token(&auth, overrides.as_deref(), &session_id, template.as_deref(), expires_in_seconds))
}

/// How many request states this thread holds (tests: they are freed once collected).
#[napi(catch_unwind)]
pub fn live_states() -> u32 {
    states::live() as u32
}

/// A local development instance for `clerkauth/testing` (the core's `DevInstance`: an RSA key,
/// keys, JWKS and minted tokens). Never contacts Clerk.
#[napi]
pub struct NativeDevInstance {
    inner: AssertUnwindSafe<DevInstance>,
}

fn json_object(json: Option<&str>, what: &str) -> napi::Result<Map<String, Value>> {
    match json.map(serde_json::from_str::<Value>) {
        None => Ok(Map::new()),
        Some(Ok(Value::Object(m))) => Ok(m),
        Some(_) => Err(napi::Error::new(Status::InvalidArg, format!("clerkauth: {what} must be a JSON object"))),
    }
}

#[napi]
impl NativeDevInstance {
    /// Generates a fresh RSA-2048 key and keys for the Frontend API host `frontendApi`.
    #[napi(constructor, catch_unwind)]
    pub fn new(frontend_api: String) -> Self {
        NativeDevInstance { inner: AssertUnwindSafe(DevInstance::generate(&frontend_api)) }
    }

    /// `[kid, publishableKey, secretKey, frontendApi, jwtKey]`.
    #[napi(catch_unwind)]
    pub fn keys(&self) -> Vec<String> {
        let d = &*self.inner;
        vec![d.kid.clone(), d.publishable_key.clone(), d.secret_key.clone(), d.frontend_api.clone(), d.jwt_key.clone()]
    }

    /// The JWKS document (JSON) the Backend API would serve.
    #[napi(catch_unwind)]
    pub fn jwks(&self) -> String {
        self.inner.jwks().to_string()
    }

    /// Signs claims (a JSON object) as an RS256 JWT; `headerJson` fields are added to the header
    /// (`alg`, `kid`, `typ` unless given).
    #[napi(catch_unwind)]
    pub fn sign(&self, claims_json: String, header_json: Option<String>) -> napi::Result<String> {
        let claims = Value::Object(json_object(Some(&claims_json), "claims")?);
        Ok(self.inner.sign(json_object(header_json.as_deref(), "header")?, &claims))
    }

    /// A session token issued at `iat` (seconds) valid 60 s, with extra claims (a JSON object)
    /// merged in.
    #[napi(catch_unwind)]
    pub fn session_token(&self, user_id: String, session_id: String, iat: i64, azp: String, extra_json: Option<String>) -> napi::Result<String> {
        let extra = Value::Object(json_object(extra_json.as_deref(), "extra")?);
        Ok(self.inner.session_token(&user_id, &session_id, iat, &azp, extra))
    }
}

/// The absolute URL from a request's scheme, Host header and target (the core's rule: an
/// `invalid-request` error when the host is not `host[:port]`).
#[napi(catch_unwind)]
pub fn request_url(scheme: String, host: String, target: String) -> Either<String, NativeError> {
    either(clerkauth::request_url(&scheme, &host, &target).map_err(NativeError::from))
}

/// A WebSocket upgrade's session token (a `Sec-WebSocket-Protocol` entry, or the opt-in query
/// parameter) moved into `Authorization: Bearer`: the core's JSON answer
/// (`{request, tokenSource, selectedProtocol}`) or a `{ code, message }` error.
#[napi(catch_unwind)]
pub fn websocket_upgrade(request_json: String, options_json: String) -> Either<String, NativeError> {
    let run = || -> Result<String, NativeError> {
        let request: Value = serde_json::from_str(&request_json).map_err(|e| invalid(ErrorCode::InvalidRequest, format!("Invalid request JSON: {e}")))?;
        let options: Value = serde_json::from_str(&options_json).map_err(|e| invalid(ErrorCode::InvalidOption, format!("Invalid WebSocket options JSON: {e}")))?;
        clerkauth::websocket::upgrade_json(&request, &options).map(|v| v.to_string()).map_err(NativeError::from)
    };
    either(run())
}

/// The `@clerk/backend` options the core accepts and ignores: the JS layer sends their names
/// (so the core checks them) but never their values, which need not be JSON (an `apiClient`).
#[napi(catch_unwind)]
pub fn ignored_option_names() -> Vec<String> {
    OPTION_NAMES.iter().filter(|o| o.kind == OptionKind::IgnoredReference).map(|o| o.name.to_string()).collect()
}

/// The options that define a long-lived authenticator (the core's `INSTANCE_OPTION_NAMES`):
/// the standalone `authenticateRequest` keys its cache by them and passes the rest per call.
#[napi(catch_unwind)]
pub fn instance_option_names() -> Vec<String> {
    clerkauth::INSTANCE_OPTION_NAMES.iter().map(|n| n.to_string()).collect()
}

/// The core's vocabularies (tests check the JS and `.d.ts` lists against them).
#[napi(object)]
pub struct Vocabulary {
    /// Every reason code.
    pub reasons: Vec<String>,
    /// Every token type.
    pub token_types: Vec<String>,
    /// Every error code.
    pub error_codes: Vec<String>,
    /// Every top-level option name, with its kind.
    pub options: Vec<VocabularyOption>,
    /// Every name inside `organizationSyncOptions`.
    pub organization_sync_options: Vec<String>,
}

/// One option name of the core's list and what the core does with it.
#[napi(object)]
pub struct VocabularyOption {
    /// The camelCase name.
    pub name: String,
    /// `authentication`, `ignored-reference` or `host`.
    pub kind: String,
}

/// The core's reasons, token types, error codes and option names, in the core's order (the
/// same entries as the core's `vocabulary()`).
#[napi(catch_unwind)]
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        reasons: clerkauth::Reason::ALL.iter().map(|r| r.as_str().to_string()).collect(),
        token_types: TokenType::ALL.iter().map(|t| t.as_str().to_string()).collect(),
        error_codes: ErrorCode::ALL.iter().map(|c| c.as_str().to_string()).collect(),
        options: OPTION_NAMES.iter().map(|o| VocabularyOption { name: o.name.to_string(), kind: o.kind.as_str().to_string() }).collect(),
        organization_sync_options: clerkauth::ORGANIZATION_SYNC_OPTION_NAMES.iter().map(|n| n.to_string()).collect(),
    }
}

/// Decides the burst calls still queued (`authenticate`) on the calling thread, as far
/// as they go without the network, until only the few left to the workers are queued.
#[napi(catch_unwind)]
pub fn help_workers(env: Env) {
    promises::help(&env)
}

/// The library version.
#[napi(catch_unwind)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Panics on purpose, to prove in tests that a panic surfaces as a JS Error. Only in builds
/// with the `test-hooks` feature (bindings-node/ci.sh), never in release packages.
#[cfg(feature = "test-hooks")]
#[napi(catch_unwind, js_name = "__testPanic")]
pub fn test_panic() {
    panic!("deliberate test panic");
}
