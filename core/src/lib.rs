//! # clerkauth
//!
//! Clerk's backend request authentication — the `authenticateRequest` state machine of
//! `@clerk/backend` — in Rust: header and cookie flows, handshakes, satellites, organization
//! sync, machine tokens, `toAuth()` and `has()`.
//!
//! ```no_run
//! use clerkauth::{Authenticator, Options, Request};
//!
//! let auth = Authenticator::new(
//!     Options::default()
//!         .with_secret_key("sk_test_…")
//!         .with_publishable_key("pk_test_…")
//!         .with_jwt_key("-----BEGIN PUBLIC KEY-----\n…"),
//! )?;
//! let req = Request::new("GET", "https://app.example.com/dashboard")
//!     .header("cookie", "__session=…; __client_uat=1767222000")
//!     .header("sec-fetch-dest", "document");
//! let state = auth.authenticate(&req)?;
//! if let Some(clerkauth::AuthObject::SignedIn(session)) = state.to_auth() {
//!     println!("user {}", session.user_id());
//! }
//! # Ok::<(), clerkauth::Error>(())
//! ```

pub mod auth_object;
mod authenticate;
mod authenticator_cache;
pub mod bapi;
pub mod claims;
mod context;
pub mod cookies;
pub mod devinstance;
mod error;
mod handshake;
mod js;
pub mod jwks;
pub mod jwt;
pub mod keys;
mod lru;
mod machine;
mod membership;
mod option_names;
mod options;
pub mod org_sync;
mod reason;
mod refresh;
mod request;
pub mod session_tokens;
mod state;
mod string_enum;
mod token_cache;
mod trace;
pub mod transport;
mod verify;
mod verify_token;
mod vocabulary;
pub mod websocket;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

pub use auth_object::{AuthObject, HasCheck, MachineAuth, SessionAuth};
pub use authenticator_cache::AuthenticatorCache;
pub use error::{Error, ErrorCode, Result};
pub use machine::{is_machine_token, machine_token_type};
pub use option_names::{KeyCase, OptionKind, OptionName, INSTANCE_OPTION_NAMES, OPTION_NAMES, ORGANIZATION_SYNC_OPTION_NAMES};
pub use options::{AcceptsToken, Options, OrganizationSyncOptions, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE};
pub use org_sync::{OnMismatch, OrganizationSync, SyncOutcome, SyncTarget};
pub use reason::{Reason, UnknownReason};
pub use request::{parse_authorization, request_url, Request};
pub use state::{lapse, AuthStatus, RequestState, TokenType};
pub use trace::{Trace, TraceStep};
pub use verify_token::{verify_token_json, VerifyTokenError};
pub use vocabulary::{vocabulary, vocabulary_json};

use jwks::{JwksCache, JwksPolicy, RsaKey};
use keys::PublishableKey;
use membership::MembershipCache;
use options::{CallOptions, ResolvedOptions};
use org_sync::OrganizationMatcher;
use token_cache::TokenCache;
use transport::{HttpTransport, Transport};

/// A log sink for the reference's informational messages.
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

/// How many distinct per-call option sets an [`Authenticator`] keeps resolved.
const CALL_OPTIONS_KEPT: usize = 16;

/// The long-lived, thread-safe authenticator: instance options, parsed keys, the JWKS cache
/// and the Backend API transport, built once and shared.
pub struct Authenticator {
    options: Options,
    /// `options` resolved once, read by every call that does not override them.
    resolved: ResolvedOptions,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) jwks: JwksCache,
    /// The instance `jwtKey`, parsed at build.
    instance_pem: Option<Arc<RsaKey>>,
    /// The instance publishable key, parsed at build.
    instance_pk: Option<PublishableKey>,
    /// PEM keys given per call, parsed once each.
    pem_keys: RwLock<HashMap<String, Arc<RsaKey>>>,
    org_matcher: Option<Arc<OrganizationMatcher>>,
    /// Matchers compiled for per-call `organizationSyncOptions` (a few kept: hosts like the
    /// Node drop-in pass them on every call).
    call_matchers: RwLock<Vec<(OrganizationSyncOptions, Arc<OrganizationMatcher>)>>,
    /// Per-call options resolved once each (the last [`CALL_OPTIONS_KEPT`] distinct sets):
    /// hosts like the Node drop-in pass the same ones on every call.
    call_resolved: RwLock<VecDeque<(Options, Arc<ResolvedOptions>)>>,
    pub(crate) memberships: MembershipCache,
    /// Verified-token cache, when `verifiedTokenCacheSize` > 0.
    pub(crate) token_cache: Option<TokenCache>,
    logger: Option<Logger>,
    azp_warned: AtomicBool,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

/// Builds an [`Authenticator`] with a custom transport, JWKS policy or logger.
pub struct AuthenticatorBuilder {
    options: Options,
    transport: Option<Arc<dyn Transport>>,
    jwks: JwksPolicy,
    logger: Option<Logger>,
}

impl AuthenticatorBuilder {
    /// Uses this transport for the Backend API.
    pub fn transport(mut self, t: Arc<dyn Transport>) -> Self {
        self.transport = Some(t);
        self
    }
    /// JWKS cache policy (TTL, refetch rate limit, stale serving, retries).
    pub fn jwks_policy(mut self, p: JwksPolicy) -> Self {
        self.jwks = p;
        self
    }
    /// Receives the reference's log lines (redirect loops, handshake failures, azp warning).
    pub fn logger(mut self, l: Logger) -> Self {
        self.logger = Some(l);
        self
    }
    /// Builds, parsing keys and compiling organization patterns once.
    pub fn build(self) -> Result<Authenticator> {
        let resolved = self.options.resolve()?;
        let mut jwks = self.jwks;
        if let Some(ttl) = resolved.jwks_cache_ttl_in_ms {
            jwks.ttl_ms = ttl;
        }
        // Parse the instance keys once, here; a bad key is reported per request, as before.
        let instance_pem = resolved.jwt_key.as_deref().and_then(|pem| RsaKey::from_pem(pem).ok()).map(Arc::new);
        let instance_pk = PublishableKey::parse(resolved.publishable_key.as_deref()).ok();
        let auth = Authenticator {
            instance_pem,
            instance_pk,
            org_matcher: compile_matcher(resolved.organization_sync.as_ref())?,
            call_matchers: RwLock::new(Vec::new()),
            call_resolved: RwLock::new(VecDeque::new()),
            memberships: MembershipCache::default(),
            token_cache: (resolved.verified_token_cache_size > 0).then(|| TokenCache::new(resolved.verified_token_cache_size)),
            transport: self.transport.unwrap_or_else(|| Arc::new(HttpTransport::default())),
            jwks: JwksCache::new(jwks),
            pem_keys: RwLock::new(HashMap::new()),
            logger: self.logger,
            azp_warned: AtomicBool::new(false),
            options: self.options,
            resolved,
        };
        Ok(auth)
    }
}

fn compile_matcher(sync: Option<&OrganizationSyncOptions>) -> Result<Option<Arc<OrganizationMatcher>>> {
    sync.map(|s| OrganizationMatcher::new(s.organization_patterns.as_deref(), s.personal_account_patterns.as_deref()).map(Arc::new)).transpose()
}

/// A call that may use the network always decides.
fn decided(state: Option<RequestState>) -> Result<RequestState> {
    state.ok_or_else(|| Error::new(ErrorCode::Unexpected, "a call that may use the network gave no state"))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(0.0)
}

impl Authenticator {
    /// An authenticator with the default HTTP transport.
    pub fn new(options: Options) -> Result<Authenticator> {
        Authenticator::builder(options).build()
    }

    /// A builder.
    pub fn builder(options: Options) -> AuthenticatorBuilder {
        AuthenticatorBuilder { options, transport: None, jwks: JwksPolicy::default(), logger: None }
    }

    /// The instance options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Authenticates a request with the instance options at the current time.
    pub fn authenticate(&self, request: &Request) -> Result<RequestState> {
        self.authenticate_call(request, CallOptions::Instance(&self.resolved), now_ms(), false).and_then(decided)
    }

    /// Authenticates with per-call option overrides and an explicit clock (ms since epoch;
    /// `None` = now).
    pub fn authenticate_with(&self, request: &Request, overrides: &Options, now: Option<f64>) -> Result<RequestState> {
        self.authenticate_with_mode(request, overrides, now, false).and_then(decided)
    }

    /// The no-network path: [`Authenticator::authenticate_with`]'s answer when it can be
    /// given without the Backend API (a `jwtKey`, a warm JWKS cache, cached memberships, no
    /// refresh or handshake nonce), else `Ok(None)`: then call `authenticate_with` (off an
    /// event loop: it may wait on the network). A `None` call waited for nothing and changed
    /// no cache, so the two paths always give the same answer. Hosts with an event loop call
    /// this on the loop thread and hop to a worker only on `None`.
    pub fn authenticate_without_network(&self, request: &Request, overrides: &Options, now: Option<f64>) -> Result<Option<RequestState>> {
        self.authenticate_with_mode(request, overrides, now, true)
    }

    fn authenticate_with_mode(&self, request: &Request, overrides: &Options, now: Option<f64>, no_network: bool) -> Result<Option<RequestState>> {
        self.authenticate_call(request, self.call_options(overrides)?, now.unwrap_or_else(now_ms), no_network)
    }

    /// The options of a call: the instance's, or the instance's overlaid with `overrides`
    /// and resolved (an `invalid-option` error for a bad override), once per distinct set.
    pub(crate) fn call_options(&self, overrides: &Options) -> Result<CallOptions<'_>> {
        if overrides.is_empty() {
            return Ok(CallOptions::Instance(&self.resolved));
        }
        if let Some((_, r)) = self.call_resolved.read().unwrap_or_else(|p| p.into_inner()).iter().find(|(k, _)| k == overrides) {
            return Ok(CallOptions::Call(Arc::clone(r)));
        }
        let resolved = Arc::new(self.options.merged(overrides).resolve()?);
        let mut kept = self.call_resolved.write().unwrap_or_else(|p| p.into_inner());
        if !kept.iter().any(|(k, _)| k == overrides) {
            if kept.len() >= CALL_OPTIONS_KEPT {
                kept.pop_front();
            }
            kept.push_back((overrides.clone(), Arc::clone(&resolved)));
        }
        Ok(CallOptions::Call(resolved))
    }

    /// The organization matcher for a call: the instance's, or one compiled for these
    /// per-call patterns once (up to 16 distinct pattern sets kept).
    pub(crate) fn org_matcher_for(&self, opts: &ResolvedOptions) -> Result<Option<Arc<OrganizationMatcher>>> {
        let same_patterns = |a: &OrganizationSyncOptions, b: &OrganizationSyncOptions| a.organization_patterns == b.organization_patterns && a.personal_account_patterns == b.personal_account_patterns;
        let Some(sync) = &opts.organization_sync else {
            return Ok(None);
        };
        if std::ptr::eq(opts, &self.resolved) || self.resolved.organization_sync.as_ref().is_some_and(|own| same_patterns(own, sync)) {
            return Ok(self.org_matcher.clone());
        }
        if let Some((_, m)) = self.call_matchers.read().unwrap_or_else(|p| p.into_inner()).iter().find(|(k, _)| same_patterns(k, sync)) {
            return Ok(Some(m.clone()));
        }
        let compiled = compile_matcher(Some(sync))?;
        if let Some(m) = &compiled {
            let mut kept = self.call_matchers.write().unwrap_or_else(|p| p.into_inner());
            if kept.len() < 16 && !kept.iter().any(|(k, _)| same_patterns(k, sync)) {
                kept.push((sync.clone(), m.clone()));
            }
        }
        Ok(compiled)
    }

    /// The parsed PEM key: the instance key without a lookup, a per-call key parsed once
    /// per distinct PEM (up to 64 kept).
    pub(crate) fn pem_key(&self, pem: &str) -> std::result::Result<Cow<'_, Arc<RsaKey>>, String> {
        if let Some(k) = &self.instance_pem {
            if self.resolved.jwt_key.as_deref() == Some(pem) {
                // Borrowed: no reference-count traffic shared between threads per request.
                return Ok(Cow::Borrowed(k));
            }
        }
        if let Some(k) = self.pem_keys.read().unwrap_or_else(|p| p.into_inner()).get(pem) {
            return Ok(Cow::Owned(k.clone()));
        }
        let key = Arc::new(RsaKey::from_pem(pem)?);
        let mut keys = self.pem_keys.write().unwrap_or_else(|p| p.into_inner());
        if keys.len() < 64 {
            keys.insert(pem.to_string(), key.clone());
        }
        Ok(Cow::Owned(key))
    }

    /// The parsed publishable key: the instance key without parsing, else parsed now.
    pub(crate) fn publishable_key(&self, key: Option<&str>) -> Result<Cow<'_, PublishableKey>> {
        match &self.instance_pk {
            Some(pk) if key == Some(pk.key.as_str()) => Ok(Cow::Borrowed(pk)),
            _ => PublishableKey::parse(key).map(Cow::Owned),
        }
    }

    /// Tokens held by the verified-token cache (0 when it is off).
    pub fn verified_token_cache_len(&self) -> usize {
        self.token_cache.as_ref().map_or(0, TokenCache::len)
    }

    pub(crate) fn log(&self, line: &str) {
        if let Some(l) = &self.logger {
            l(line);
        }
    }

    pub(crate) fn warn_missing_azp_once(&self) {
        if !self.azp_warned.swap(true, Ordering::Relaxed) {
            self.log(
                "Clerk: Session token from cookie is missing the azp claim. In a future version of Clerk, this token will be considered invalid. Please contact Clerk support if you see this warning.",
            );
        }
    }
}

#[cfg(test)]
mod call_options_tests {
    use super::*;
    use crate::devinstance::DevInstance;
    use serde_json::json;

    const NOW: i64 = 1_767_225_600;

    fn setup() -> (DevInstance, Authenticator) {
        let dev = DevInstance::generate("call-options.clerk.accounts.dev");
        let opts = Options::from_json(&json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key})).unwrap();
        let auth = Authenticator::new(opts).unwrap();
        (dev, auth)
    }

    fn parties(azp: &str) -> Options {
        Options::default().with_authorized_parties([azp])
    }

    fn shared(o: &CallOptions<'_>) -> Arc<ResolvedOptions> {
        match o {
            CallOptions::Call(r) => Arc::clone(r),
            CallOptions::Instance(_) => panic!("per-call options resolved as the instance's"),
        }
    }

    #[test]
    fn a_per_call_set_is_resolved_once_and_each_set_keeps_its_own_values() {
        let (_, auth) = setup();
        assert!(matches!(auth.call_options(&Options::default()).unwrap(), CallOptions::Instance(r) if std::ptr::eq(r, &auth.resolved)));
        let a1 = shared(&auth.call_options(&parties("https://a.example")).unwrap());
        let b = shared(&auth.call_options(&parties("https://b.example")).unwrap());
        let a2 = shared(&auth.call_options(&parties("https://a.example")).unwrap());
        assert!(Arc::ptr_eq(&a1, &a2), "the same overrides share one resolution");
        assert_eq!(a1.authorized_parties, ["https://a.example"]);
        assert_eq!(b.authorized_parties, ["https://b.example"]);
        // The instance's own options are still in every resolution.
        assert_eq!(a1.secret_key, auth.resolved.secret_key);
    }

    #[test]
    fn the_kept_sets_are_bounded_and_the_oldest_goes_first() {
        let (_, auth) = setup();
        let first = shared(&auth.call_options(&parties("https://0.example")).unwrap());
        for i in 1..=CALL_OPTIONS_KEPT {
            auth.call_options(&parties(&format!("https://{i}.example"))).unwrap();
        }
        assert_eq!(auth.call_resolved.read().unwrap().len(), CALL_OPTIONS_KEPT);
        let again = shared(&auth.call_options(&parties("https://0.example")).unwrap());
        assert!(!Arc::ptr_eq(&first, &again), "the oldest set was dropped and resolved anew");
        assert_eq!(again.authorized_parties, ["https://0.example"]);
    }

    #[test]
    fn an_invalid_override_is_an_error_every_time_and_never_kept() {
        let (_, auth) = setup();
        let bad = Options { header_type: Some(json!(5)), ..Options::default() };
        for _ in 0..2 {
            assert_eq!(auth.call_options(&bad).unwrap_err().code(), ErrorCode::InvalidOption);
        }
        assert!(auth.call_resolved.read().unwrap().is_empty());
    }

    #[test]
    fn calls_alternating_between_more_sets_than_are_kept_each_get_their_own_answer() {
        let (dev, auth) = setup();
        let token = dev.session_token("user_1", "sess_1", NOW - 10, "https://app.example.com", json!({}));
        let req = Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"));
        for round in 0..3 {
            for i in 0..(CALL_OPTIONS_KEPT + 4) {
                let (over, expect) = match i % 2 {
                    0 => (Options::default().with_authorized_parties(["https://app.example.com".to_string(), format!("https://extra{i}.example")]), AuthStatus::SignedIn),
                    _ => (parties(&format!("https://other{i}.example")), AuthStatus::SignedOut),
                };
                let state = auth.authenticate_with(&req, &over, Some(NOW as f64 * 1000.0)).unwrap();
                assert_eq!(state.status, expect, "round {round}, set {i}");
            }
        }
    }
}
