//! Verification keys: the networkless PEM (`jwtKey`) and the Backend API's JWKS, cached per
//! (apiUrl, apiVersion, secretKey) scope: one fetch in flight per scope, stale keys served
//! at once while a background thread refreshes them, a backoff after failed fetches, a rate
//! limit on refetches for unknown kids and a hard expiry.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RsaParameters, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use serde_json::Value;

use crate::bapi::{api_errors, BackendApi};
use crate::jwt::{action, TokenError, VerifyError};
use crate::reason::Reason;
use crate::transport::TransportError;

/// An RSA public key, parsed once: `jsonwebtoken` reads the PEM or JWK, and the key is
/// handed to aws-lc-rs (`jsonwebtoken`'s own backend) once per algorithm, so a verify is
/// the RSA operation alone (jsonwebtoken 11 re-parses the key on every verify).
pub struct RsaKey {
    /// `kid` (JWKS) or empty (PEM).
    pub kid: String,
    /// The key's declared algorithm (`alg`), if any.
    pub alg: Option<Algorithm>,
    /// PKCS#1 `RSAPublicKey` DER.
    der: Vec<u8>,
    /// Parsed keys for RS256, RS384, RS512, built on first use.
    parsed: [OnceLock<Option<ParsedPublicKey>>; 3],
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey").field("kid", &self.kid).field("alg", &self.alg).finish()
    }
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn der_unsigned(out: &mut Vec<u8>, bytes: &[u8]) {
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(bytes.len().saturating_sub(1));
    let v = &bytes[skip..];
    let pad = v.first().is_some_and(|b| b & 0x80 != 0);
    out.push(0x02);
    der_length(out, v.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(v);
}

/// DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    der_unsigned(&mut body, n);
    der_unsigned(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.push(0x30);
    der_length(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

impl RsaKey {
    fn from_decoding_key(kid: String, alg: Option<Algorithm>, key: &DecodingKey) -> RsaKey {
        let der = match key.kind() {
            DecodingKeyKind::SecretOrDer(der) => der.clone(),
            DecodingKeyKind::RsaModulusExponent { n, e } => pkcs1_der(n, e),
        };
        RsaKey { kid, alg, der, parsed: Default::default() }
    }

    /// Parses a PEM (`-----BEGIN PUBLIC KEY-----`), or a bare base64 SPKI body.
    pub fn from_pem(pem: &str) -> Result<RsaKey, String> {
        let pem = pem.trim();
        let armoured = if pem.contains("-----BEGIN") {
            pem.to_string()
        } else {
            let body: String = pem.chars().filter(|c| !c.is_whitespace()).collect();
            let lines: Vec<String> = body.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n"))
        };
        let key = DecodingKey::from_rsa_pem(armoured.as_bytes()).map_err(|e| e.to_string())?;
        Ok(RsaKey::from_decoding_key(String::new(), Some(Algorithm::RS256), &key))
    }

    /// Builds a key from a JWK (`kty` RSA, `n`, `e`).
    pub fn from_jwk(jwk: &Value) -> Option<RsaKey> {
        let kid = jwk.get("kid")?.as_str()?.to_string();
        if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
            return None;
        }
        let n = jwk.get("n")?.as_str()?;
        let e = jwk.get("e")?.as_str()?;
        let key = DecodingKey::from_rsa_components(n, e).ok()?;
        let alg = jwk.get("alg").and_then(Value::as_str).and_then(crate::jwt::algorithm);
        Some(RsaKey::from_decoding_key(kid, alg, &key))
    }

    /// The key parsed for `alg` (RS256/384/512), once; `None` when aws-lc rejects the key.
    fn parsed(&self, alg: Algorithm) -> Option<&ParsedPublicKey> {
        let (slot, params): (usize, &'static RsaParameters) = match alg {
            Algorithm::RS256 => (0, &RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => (1, &RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => (2, &RSA_PKCS1_2048_8192_SHA512),
            _ => return None,
        };
        self.parsed[slot].get_or_init(|| ParsedPublicKey::new(params, &self.der).ok()).as_ref()
    }

    /// Verifies `signature` over `message` with `alg`. A key whose declared algorithm differs
    /// fails as a crypto error (the reference's WebCrypto import behaviour); a key aws-lc
    /// rejects (e.g. under 2048 bits) verifies nothing.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<bool, VerifyError> {
        if self.alg.is_some_and(|a| a != alg) {
            return Err(VerifyError::new(Reason::TokenVerificationFailed, "Error verifying JWT signature. The key's algorithm does not match the token's algorithm."));
        }
        Ok(self.parsed(alg).is_some_and(|k| k.verify_sig(message, signature).is_ok()))
    }
}

/// Retry schedule within one JWKS fetch: the reference makes 5 attempts with a jittered
/// exponential backoff starting at 125 ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts (at least 1).
    pub attempts: u32,
    /// Base delay before the first retry.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, base_delay: Duration::from_millis(125) }
    }
}

/// JWKS cache tuning. Times are on the request clock (the `now_ms` each call runs at).
///
/// Keys are *fresh* for `ttl_ms` after the fetch that brought them, then *stale* for
/// `stale_if_error_ms`, then unusable (the hard expiry). Fresh and stale keys are *usable*:
/// a request whose `kid` is in them is served at once, and a request that finds them stale
/// starts a refresh in the background. A request with no usable key for its `kid` waits for
/// a fetch (one per scope at a time), unless a rate limit or a backoff answers it at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksPolicy {
    /// How long fetched keys are fresh (reference: 5 minutes; `jwksCacheTtlInMs`).
    pub ttl_ms: u64,
    /// Minimum interval between fetches for a `kid` missing from usable keys (fresh or
    /// stale); inside it such a request fails with `jwk-kid-mismatch` at once.
    pub kid_refetch_interval_ms: u64,
    /// How long past the TTL keys stay usable while their refresh is pending or failing.
    /// Past `ttl_ms + stale_if_error_ms` they are never served.
    pub stale_if_error_ms: u64,
    /// After a failed fetch, no fetch starts for this long (from when it ended); doubled
    /// after each further failure in a row, up to `backoff_max_ms`. Meanwhile requests are
    /// served usable keys, or fail at once with the failed fetch's error.
    pub backoff_ms: u64,
    /// Cap of the backoff.
    pub backoff_max_ms: u64,
    /// Retry schedule within one fetch.
    pub retry: RetryPolicy,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        JwksPolicy { ttl_ms: 300_000, kid_refetch_interval_ms: 5_000, stale_if_error_ms: 3_600_000, backoff_ms: 1_000, backoff_max_ms: 30_000, retry: RetryPolicy::default() }
    }
}

impl JwksPolicy {
    /// The backoff after `failures` failed fetches in a row (at least 1).
    fn backoff(&self, failures: u32) -> f64 {
        let doubled = self.backoff_ms.saturating_mul(1u64 << (failures - 1).min(32));
        doubled.min(self.backoff_max_ms) as f64
    }
}

/// The keys of a scope, replaced whole by each successful fetch.
#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<RsaKey>>,
    /// Request clock at the start of the fetch that brought them, if any.
    fetched_ms: Option<f64>,
}

/// A failed fetch, until a fetch succeeds.
struct Failure {
    /// Failed fetches in a row.
    count: u32,
    /// No fetch starts before this (request clock).
    retry_at_ms: f64,
    /// What the failed fetch returned.
    error: TokenError,
}

/// The fetching state of a scope. Its lock is held for bookkeeping only, never across a
/// request to the Backend API or a sleep.
#[derive(Default)]
struct Flight {
    /// A fetch is running (at most one per scope).
    in_flight: bool,
    /// Fetches ended so far: waiters wake when it moves.
    landed: u64,
    /// Request clock at the start of the last fetch (for the unknown-`kid` rate limit).
    attempted_ms: Option<f64>,
    failure: Option<Failure>,
}

#[derive(Default)]
struct Scope {
    /// Read by every request; written only when a fetch lands (under `flight`).
    keys: RwLock<KeySet>,
    flight: Mutex<Flight>,
    /// Signalled when a fetch lands.
    landed: Condvar,
}

/// What a request does once the keys it needs were not found fresh.
enum Plan {
    Serve(Arc<RsaKey>),
    /// Serve this stale key and start a refresh in the background.
    ServeAndRefresh(Arc<RsaKey>),
    Fail(TokenError),
    /// Wait for the fetch in flight.
    Wait,
    /// Fetch in this thread.
    Fetch,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

impl Flight {
    /// Marks a fetch as started (none was in flight).
    fn claim(&mut self, now_ms: f64) {
        self.in_flight = true;
        self.attempted_ms = Some(now_ms);
    }
}

impl Scope {
    /// Runs a claimed fetch (no lock held) and lands its outcome; returns the flight locked.
    /// A panicking transport counts as a failed fetch, so the flight always ends.
    fn fetch(&self, api: &BackendApi, secret_key: &str, started_ms: f64, policy: &JwksPolicy) -> MutexGuard<'_, Flight> {
        let clock = Instant::now();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| fetch_jwks(api, secret_key, &policy.retry))).unwrap_or_else(|_| Err(TokenError::Unexpected("The JWKS fetch panicked.".into())));
        let mut flight = lock(&self.flight);
        self.land(&mut flight, outcome, started_ms, started_ms + clock.elapsed().as_secs_f64() * 1000.0, policy);
        flight
    }

    /// Ends the fetch in flight: new keys, or a failure that starts (or extends) the backoff.
    fn land(&self, flight: &mut Flight, outcome: Result<Vec<RsaKey>, TokenError>, started_ms: f64, ended_ms: f64, policy: &JwksPolicy) {
        flight.in_flight = false;
        flight.landed += 1;
        match outcome {
            Ok(keys) => {
                // The latest answer is the whole truth: a key the Backend API no longer lists
                // is dropped at once (the reference merges, so a made-up kid every few seconds
                // would keep a removed key trusted forever).
                let keys = keys.into_iter().map(|k| (k.kid.clone(), Arc::new(k))).collect();
                *self.keys.write().unwrap_or_else(|p| p.into_inner()) = KeySet { keys, fetched_ms: Some(started_ms) };
                flight.failure = None;
            }
            Err(error) => {
                let count = flight.failure.as_ref().map_or(1, |f| f.count.saturating_add(1));
                flight.failure = Some(Failure { count, retry_at_ms: ended_ms + policy.backoff(count), error });
            }
        }
        self.landed.notify_all();
    }
}

/// The first scope used, found without a lock or an allocation (the instance's own keys in
/// practice): (api_url, api_version, secret_key, scope).
type PrimaryScope = (String, String, String, Arc<Scope>);

/// Per-authenticator JWKS cache, shared by all threads.
#[derive(Default)]
pub struct JwksCache {
    scopes: Mutex<HashMap<String, Arc<Scope>>>,
    primary: OnceLock<PrimaryScope>,
    policy: JwksPolicy,
}

fn kid_mismatch(kid: &str) -> TokenError {
    VerifyError::new(
        Reason::JwkKidMismatch,
        format!("Unable to find a signing key in JWKS that matches the kid='{kid}' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT."),
    )
    .with_action(action::KID_MISMATCH)
    .into()
}

impl JwksCache {
    /// A cache with the given policy.
    pub fn new(policy: JwksPolicy) -> Self {
        JwksCache { scopes: Mutex::new(HashMap::new()), primary: OnceLock::new(), policy }
    }

    /// The policy in force.
    pub fn policy(&self) -> &JwksPolicy {
        &self.policy
    }

    fn fresh(&self, keys: &KeySet, now_ms: f64) -> bool {
        keys.fetched_ms.is_some_and(|f| now_ms - f < self.policy.ttl_ms as f64)
    }

    /// Fresh or stale: not past the hard expiry.
    fn usable(&self, keys: &KeySet, now_ms: f64) -> bool {
        keys.fetched_ms.is_some_and(|f| now_ms - f < self.policy.ttl_ms as f64 + self.policy.stale_if_error_ms as f64)
    }

    fn scope(&self, api: &BackendApi, secret_key: &str, now_ms: f64) -> Arc<Scope> {
        let primary = || self.primary.get().filter(|(u, v, k, _)| u == api.api_url && v == api.api_version && k == secret_key).map(|p| p.3.clone());
        if let Some(s) = primary() {
            return s;
        }
        let key = format!("{}|{}|{}", api.api_url, api.api_version, secret_key);
        let mut scopes = lock(&self.scopes);
        // Set by another thread while this one waited for the lock.
        if let Some(s) = primary() {
            return s;
        }
        if let Some(s) = scopes.get(&key) {
            return s.clone();
        }
        if self.primary.get().is_none() {
            let s = Arc::new(Scope::default());
            if self.primary.set((api.api_url.to_string(), api.api_version.to_string(), secret_key.to_string(), s.clone())).is_ok() {
                return s;
            }
        }
        // Evict scopes whose keys are past any use before adding a new one.
        scopes.retain(|_, s| self.usable(&read(&s.keys), now_ms));
        let s = Arc::new(Scope::default());
        scopes.insert(key, s.clone());
        s
    }

    /// The key for `kid`, fetching the JWKS when needed.
    ///
    /// A request whose `kid` is in usable keys never waits on the network: stale keys are
    /// served while one background thread refreshes them. A request with no usable key for
    /// its `kid` waits for one fetch at most (the one in flight, or its own), bounded by the
    /// transport timeouts and the retry schedule.
    pub fn get_key(&self, api: &BackendApi, secret_key: Option<&str>, kid: &str, skip_cache: bool, now_ms: f64) -> Result<Arc<RsaKey>, TokenError> {
        let Some(secret_key) = secret_key.filter(|s| !s.is_empty()) else {
            return Err(VerifyError::new(Reason::JwkRemoteFailedToLoad, "Failed to load JWKS from Clerk Backend or Frontend API.").with_action(action::SET_CLERK_JWT_KEY).into());
        };
        let scope = self.scope(api, secret_key, now_ms);
        if !skip_cache {
            let keys = read(&scope.keys);
            if let Some(k) = keys.keys.get(kid).filter(|_| self.fresh(&keys, now_ms)) {
                return Ok(k.clone());
            }
        }
        let mut flight = lock(&scope.flight);
        match self.plan(&scope, &flight, kid, skip_cache, now_ms) {
            Plan::Serve(k) => return Ok(k),
            Plan::Fail(e) => return Err(e),
            Plan::ServeAndRefresh(k) => {
                flight.claim(now_ms);
                drop(flight);
                self.refresh_in_background(scope, api, secret_key, now_ms);
                return Ok(k);
            }
            Plan::Wait | Plan::Fetch if api.refuse() => return Err(TokenError::Unexpected("The JWKS is not fetched on the no-network path.".into())),
            Plan::Wait => {
                let seen = flight.landed;
                flight = scope.landed.wait_while(flight, |f| f.landed == seen).unwrap_or_else(|p| p.into_inner());
            }
            Plan::Fetch => {
                flight.claim(now_ms);
                drop(flight);
                flight = scope.fetch(api, secret_key, now_ms, &self.policy);
            }
        }
        // The fetch this request waited for or made has landed: its keys (or, if it failed,
        // the usable keys) have the kid, or its error stands.
        let keys = read(&scope.keys);
        match keys.keys.get(kid).filter(|_| self.usable(&keys, now_ms)) {
            Some(k) => Ok(k.clone()),
            None => Err(flight.failure.as_ref().map_or_else(|| kid_mismatch(kid), |f| f.error.clone())),
        }
    }

    /// Decides, under the flight lock, how a request that found no fresh key proceeds.
    fn plan(&self, scope: &Scope, flight: &Flight, kid: &str, skip_cache: bool, now_ms: f64) -> Plan {
        let keys = read(&scope.keys);
        let cached = keys.keys.get(kid).filter(|_| self.usable(&keys, now_ms)).cloned();
        let backoff = flight.failure.as_ref().filter(|f| now_ms < f.retry_at_ms);
        if skip_cache {
            // `skipJwksCache`: a fetch (the one in flight, or a new one); while backing off,
            // as if that fetch had failed again.
            return match (flight.in_flight, backoff, cached) {
                (true, _, _) => Plan::Wait,
                (false, Some(_), Some(k)) => Plan::Serve(k),
                (false, Some(f), None) => Plan::Fail(f.error.clone()),
                (false, None, _) => Plan::Fetch,
            };
        }
        if let Some(k) = cached {
            // Stale keys are refreshed by one background fetch at a time, none while backing
            // off. (Fresh ones are possible here: a fetch landed since the lock-free look.)
            let refresh = !self.fresh(&keys, now_ms) && !flight.in_flight && backoff.is_none();
            return if refresh { Plan::ServeAndRefresh(k) } else { Plan::Serve(k) };
        }
        let rate_limited = self.usable(&keys, now_ms) && flight.attempted_ms.is_some_and(|a| now_ms - a < self.policy.kid_refetch_interval_ms as f64);
        if flight.in_flight {
            Plan::Wait
        } else if let Some(f) = backoff {
            Plan::Fail(f.error.clone())
        } else if rate_limited {
            Plan::Fail(kid_mismatch(kid))
        } else {
            Plan::Fetch
        }
    }

    /// Fetches in a new thread a refresh that `flight` was claimed for.
    fn refresh_in_background(&self, scope: Arc<Scope>, api: &BackendApi, secret_key: &str, started_ms: f64) {
        let (transport, api_url, api_version, secret_key, policy) = (api.transport.clone(), api.api_url.to_string(), api.api_version.to_string(), secret_key.to_string(), self.policy);
        let fetcher = scope.clone();
        let spawned = std::thread::Builder::new().name("clerkauth-jwks-refresh".into()).spawn(move || {
            let api = BackendApi { transport: &transport, api_url: &api_url, api_version: &api_version, offline: None };
            // Lands the outcome; nothing else to do with the flight here.
            drop(fetcher.fetch(&api, &secret_key, started_ms, &policy));
        });
        if let Err(e) = spawned {
            let error = TokenError::Unexpected(format!("Could not start a JWKS refresh: {e}"));
            scope.land(&mut lock(&scope.flight), Err(error), started_ms, started_ms, &self.policy);
        }
    }
}

fn fetch_once(api: &BackendApi, secret_key: &str) -> Result<Vec<RsaKey>, (TokenError, bool)> {
    let url = api.versioned("jwks");
    let resp = match api.send("GET", url.clone(), Some(secret_key), None) {
        Ok(r) => r,
        Err(e @ (TransportError::Timeout(_) | TransportError::Network(_))) => {
            return Err((VerifyError::new(Reason::BackendApiUnreachable, format!("Error loading Clerk JWKS from {url}: {e}")).into(), true))
        }
    };
    if !(200..300).contains(&resp.status) {
        let errors = api_errors(&resp.body);
        let err = match errors.iter().find(|e| e.code == "clerk_key_invalid") {
            Some(e) => VerifyError::new(Reason::SecretKeyInvalid, e.message.clone()).with_action(action::CONTACT_SUPPORT),
            None => VerifyError::new(Reason::JwkRemoteFailedToLoad, format!("Error loading Clerk JWKS from {url} with code={}", resp.status)).with_action(action::CONTACT_SUPPORT),
        };
        return Err((err.into(), true));
    }
    let body: Value = serde_json::from_slice(&resp.body).map_err(|e| (TokenError::Unexpected(format!("Invalid JWKS response: {e}")), true))?;
    let keys: Vec<RsaKey> = body.get("keys").and_then(Value::as_array).map(|ks| ks.iter().filter_map(RsaKey::from_jwk).collect()).unwrap_or_default();
    let listed = body.get("keys").and_then(Value::as_array).is_some_and(|k| !k.is_empty());
    if !listed {
        return Err((
            VerifyError::new(Reason::JwkRemoteFailedToLoad, "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.").with_action(action::CONTACT_SUPPORT).into(),
            false,
        ));
    }
    Ok(keys)
}

fn fetch_jwks(api: &BackendApi, secret_key: &str, retry: &RetryPolicy) -> Result<Vec<RsaKey>, TokenError> {
    let attempts = retry.attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        match fetch_once(api, secret_key) {
            Ok(keys) => return Ok(keys),
            Err((e, retryable)) => {
                if !retryable || n >= attempts {
                    return Err(e);
                }
                let jitter = 1.0 + rand::random::<f64>();
                let delay = retry.base_delay.mul_f64(f64::from(1u32 << (n - 1).min(16)) * jitter);
                std::thread::sleep(delay);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let p = JwksPolicy { backoff_ms: 1_000, backoff_max_ms: 30_000, ..JwksPolicy::default() };
        let steps: Vec<f64> = (1..=7).map(|n| p.backoff(n)).collect();
        assert_eq!(steps, [1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0]);
        assert_eq!(p.backoff(u32::MAX), 30_000.0, "no overflow after many failures");
        assert_eq!(JwksPolicy { backoff_ms: u64::MAX, ..p }.backoff(40), 30_000.0);
    }
}
