//! The one authenticator-cache rule for hosts that take every option on every call (C's
//! `clerkauth_authenticate_json`, Node's standalone `authenticateRequest`, Python's `compat`):
//! authenticators are keyed by the instance options
//! ([`INSTANCE_OPTION_NAMES`](crate::INSTANCE_OPTION_NAMES): keys, Backend API, cache sizes),
//! and every other option is applied per call as an override. Two calls that differ only in a
//! per-call option (`authorizedParties`, `audience`, `organizationSyncOptions` …) share one
//! authenticator, so its parsed keys and its JWKS cache.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{Authenticator, Options, Request, RequestState, Result};

type Build = dyn Fn(Options) -> Result<Authenticator> + Send + Sync;

/// A thread-safe, bounded cache of authenticators keyed by their instance options.
///
/// [`AuthenticatorCache::get`] splits full options into the instance part (the key) and the
/// per-call overrides, and returns the shared authenticator with those overrides; at most
/// `max` authenticators are kept, the oldest dropped first (FIFO). A lookup compares the
/// instance options of at most `max` entries under one short lock: no serialization, no
/// hashing of key material.
pub struct AuthenticatorCache {
    max: usize,
    entries: Mutex<VecDeque<(Options, Arc<Authenticator>)>>,
    build: Box<Build>,
}

impl std::fmt::Debug for AuthenticatorCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatorCache").field("max", &self.max).field("len", &self.len()).finish()
    }
}

impl Options {
    /// These options split by [`INSTANCE_OPTION_NAMES`](crate::INSTANCE_OPTION_NAMES):
    /// `(instance, per_call)`. The instance part builds an authenticator; the per-call part is
    /// its overrides.
    pub fn split_instance(mut self) -> (Options, Options) {
        let instance = Options {
            secret_key: self.secret_key.take(),
            publishable_key: self.publishable_key.take(),
            jwt_key: self.jwt_key.take(),
            machine_secret_key: self.machine_secret_key.take(),
            api_url: self.api_url.take(),
            api_version: self.api_version.take(),
            jwks_cache_ttl_in_ms: self.jwks_cache_ttl_in_ms.take(),
            membership_cache_ttl_in_ms: self.membership_cache_ttl_in_ms.take(),
            verified_token_cache_size: self.verified_token_cache_size.take(),
            ..Options::default()
        };
        (instance, self)
    }
}

impl AuthenticatorCache {
    /// A cache of up to `max` authenticators (at least 1) built with [`Authenticator::new`].
    pub fn new(max: usize) -> AuthenticatorCache {
        AuthenticatorCache::with_builder(max, Authenticator::new)
    }

    /// A cache whose authenticators are built by `build` from their instance options (e.g.
    /// with [`Authenticator::builder`] and a transport of the host's own).
    pub fn with_builder(max: usize, build: impl Fn(Options) -> Result<Authenticator> + Send + Sync + 'static) -> AuthenticatorCache {
        AuthenticatorCache { max: max.max(1), entries: Mutex::new(VecDeque::new()), build: Box::new(build) }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(Options, Arc<Authenticator>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn find(entries: &VecDeque<(Options, Arc<Authenticator>)>, instance: &Options) -> Option<Arc<Authenticator>> {
        entries.iter().find(|(k, _)| k == instance).map(|(_, a)| a.clone())
    }

    /// The authenticator for `options`' instance part (built on first use; a build error, such
    /// as a bad option, is returned and nothing is cached) and the per-call overrides to pass
    /// to [`Authenticator::authenticate_with`].
    pub fn get(&self, options: Options) -> Result<(Arc<Authenticator>, Options)> {
        let (instance, per_call) = options.split_instance();
        let found = Self::find(&self.lock(), &instance);
        let auth = match found {
            Some(a) => a,
            None => self.insert(instance)?,
        };
        Ok((auth, per_call))
    }

    fn insert(&self, instance: Options) -> Result<Arc<Authenticator>> {
        // Built outside the lock: a slow build does not hold up other instances' calls.
        let built = Arc::new((self.build)(instance.clone())?);
        let mut entries = self.lock();
        if let Some(a) = Self::find(&entries, &instance) {
            return Ok(a); // another thread won the race: share its JWKS cache
        }
        while entries.len() >= self.max {
            entries.pop_front();
        }
        entries.push_back((instance, built.clone()));
        Ok(built)
    }

    /// [`AuthenticatorCache::get`] and [`Authenticator::authenticate_with`] in one: `options`
    /// are the full options, `call` more per-call options over them (e.g. a request's own
    /// overrides; empty for none), `now` the clock (ms since the epoch; `None` = now).
    pub fn authenticate(&self, request: &Request, options: Options, call: &Options, now: Option<f64>) -> Result<RequestState> {
        let (auth, per_call) = self.get(options)?;
        let overrides = if call.is_empty() { per_call } else { per_call.merged(call) };
        auth.authenticate_with(request, &overrides, now)
    }

    /// Authenticators held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every authenticator (their keys and JWKS caches). Calls in flight keep theirs
    /// until they return.
    pub fn clear(&self) {
        drop(std::mem::take(&mut *self.lock()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devinstance::DevInstance;
    use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};
    use crate::{AuthStatus, INSTANCE_OPTION_NAMES};
    use serde_json::{json, Value};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    fn dev() -> &'static DevInstance {
        static DEV: OnceLock<DevInstance> = OnceLock::new();
        DEV.get_or_init(|| DevInstance::generate("cache-test.clerk.accounts.dev"))
    }

    /// Serves the dev instance's JWKS and counts the fetches.
    struct Jwks(Arc<AtomicUsize>);

    impl Transport for Jwks {
        fn send(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
            assert!(request.url.ends_with("/jwks"), "{}", request.url);
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(HttpResponse { status: 200, body: dev().jwks().to_string().into_bytes() })
        }
    }

    fn counting(max: usize) -> (AuthenticatorCache, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let f = fetches.clone();
        let cache = AuthenticatorCache::with_builder(max, move |o| Authenticator::builder(o).transport(Arc::new(Jwks(f.clone()))).build());
        (cache, fetches)
    }

    const NOW: i64 = 1_767_225_600;

    fn request(azp: &str) -> Request {
        let token = dev().session_token("user_1", "sess_1", NOW - 10, azp, json!({"aud": "ours"}));
        Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"))
    }

    fn options(extra: Value) -> Options {
        let mut base = json!({"secretKey": dev().secret_key, "publishableKey": dev().publishable_key});
        base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Options::from_json(&base).unwrap()
    }

    fn status(cache: &AuthenticatorCache, req: &Request, o: Options) -> AuthStatus {
        cache.authenticate(req, o, &Options::default(), Some(NOW as f64 * 1000.0)).unwrap().status
    }

    #[test]
    fn per_call_options_share_one_authenticator_and_still_apply() {
        let (cache, fetches) = counting(8);
        let req = request("https://app.example.com");
        assert_eq!(status(&cache, &req, options(json!({}))), AuthStatus::SignedIn);
        let good = options(json!({"authorizedParties": ["https://app.example.com"]}));
        assert_eq!(status(&cache, &req, good), AuthStatus::SignedIn);
        let bad = options(json!({"authorizedParties": ["https://other.example.com"]}));
        assert_eq!(status(&cache, &req, bad), AuthStatus::SignedOut);
        assert_eq!(status(&cache, &req, options(json!({"audience": "ours"}))), AuthStatus::SignedIn);
        assert_eq!(status(&cache, &req, options(json!({"audience": "theirs"}))), AuthStatus::SignedOut);
        let sync = options(json!({"organizationSyncOptions": {"organizationPatterns": ["/orgs/:slug"]}}));
        assert_eq!(status(&cache, &req, sync), AuthStatus::SignedIn);
        assert_eq!(cache.len(), 1);
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one JWKS fetch for one instance");
        // A request's own overrides go over the options' per-call part.
        let bad = options(json!({"authorizedParties": ["https://other.example.com"]}));
        let call = Options::default().with_authorized_parties(["https://app.example.com"]);
        assert_eq!(cache.authenticate(&req, bad, &call, Some(NOW as f64 * 1000.0)).unwrap().status, AuthStatus::SignedIn);
    }

    #[test]
    fn instance_options_do_not_share() {
        let (cache, _) = counting(8);
        let (a, over) = cache.get(options(json!({"audience": "x"}))).unwrap();
        assert_eq!(over.audience, Some(json!("x")));
        assert!(over.secret_key.is_none() && a.options().audience.is_none());
        let (b, _) = cache.get(options(json!({"organizationSyncOptions": {}}))).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let (c, _) = cache.get(options(json!({"secretKey": "sk_test_other"}))).unwrap();
        let (d, _) = cache.get(options(json!({"jwtKey": dev().jwt_key}))).unwrap();
        assert!(!Arc::ptr_eq(&a, &c) && !Arc::ptr_eq(&a, &d) && !Arc::ptr_eq(&c, &d));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn bounded_fifo_and_clear() {
        let (cache, _) = counting(2);
        let key = |n: u32| options(json!({"secretKey": format!("sk_test_{n}")}));
        let (first, _) = cache.get(key(1)).unwrap();
        cache.get(key(2)).unwrap();
        cache.get(key(3)).unwrap();
        assert_eq!(cache.len(), 2);
        let (again, _) = cache.get(key(1)).unwrap();
        assert!(!Arc::ptr_eq(&first, &again), "the oldest was dropped");
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn split_follows_the_instance_names() {
        for name in INSTANCE_OPTION_NAMES {
            let value = if name.ends_with("Ms") || name.ends_with("Size") { json!(1) } else { json!("x") };
            let (instance, per_call) = Options::from_json(&json!({ *name: value })).unwrap().split_instance();
            assert!(!instance.is_empty() && per_call.is_empty(), "{name} is instance-scoped");
        }
        let all = options(json!({"audience": "a", "authorizedParties": ["p"], "domain": "d", "explain": true}));
        let (instance, per_call) = all.clone().split_instance();
        assert_eq!(instance, options(json!({})));
        assert_eq!(instance.merged(&per_call), all);
    }
}
