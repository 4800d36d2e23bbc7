//! Verification keys: the networkless PEM (`jwtKey`) and the Backend API's JWKS, cached per
//! (apiUrl, apiVersion, secretKey) scope, with single-flight fetching, a rate limit on
//! refetches for unknown kids and stale keys served while the Backend API is failing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, RsaParameters, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use serde_json::Value;

use crate::bapi::{api_errors, BackendApi};
use crate::jwt::{action, reason, TokenError, VerifyError};
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
            return Err(VerifyError::new(
                reason::TOKEN_VERIFICATION_FAILED,
                "Error verifying JWT signature. The key's algorithm does not match the token's algorithm.",
            ));
        }
        Ok(self.parsed(alg).is_some_and(|k| k.verify_sig(message, signature).is_ok()))
    }
}

/// Retry schedule for JWKS fetches: the reference makes 5 attempts with a jittered
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

/// JWKS cache tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksPolicy {
    /// How long fetched keys are fresh (reference: 5 minutes).
    pub ttl_ms: u64,
    /// Minimum interval between refetches caused by unknown kids while the keys are fresh.
    pub kid_refetch_interval_ms: u64,
    /// How long past expiry cached keys are still served when a refresh fails.
    pub stale_if_error_ms: u64,
    /// Retry schedule.
    pub retry: RetryPolicy,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        JwksPolicy { ttl_ms: 300_000, kid_refetch_interval_ms: 5_000, stale_if_error_ms: 3_600_000, retry: RetryPolicy::default() }
    }
}

#[derive(Default)]
struct ScopeState {
    keys: HashMap<String, Arc<RsaKey>>,
    /// Time of the last successful fetch (ms), if any.
    updated_ms: Option<f64>,
    /// Time of the last fetch attempt (ms).
    attempted_ms: Option<f64>,
}

#[derive(Default)]
struct Scope {
    state: RwLock<ScopeState>,
    /// Held while fetching: concurrent misses wait for one fetch instead of each fetching.
    fetching: Mutex<()>,
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

/// Counts of what the cache did (for tests and benchmarks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JwksStats {
    /// Number of scopes held.
    pub scopes: usize,
}

fn kid_mismatch(kid: &str) -> VerifyError {
    VerifyError::new(
        reason::JWK_KID_MISMATCH,
        format!("Unable to find a signing key in JWKS that matches the kid='{kid}' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT."),
    )
    .with_action(action::KID_MISMATCH)
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

    /// Number of scopes held.
    pub fn stats(&self) -> JwksStats {
        JwksStats { scopes: self.scopes.lock().map(|s| s.len()).unwrap_or(0) + usize::from(self.primary.get().is_some()) }
    }

    fn scope(&self, api: &BackendApi, secret_key: &str, now_ms: f64) -> Arc<Scope> {
        let primary = || self.primary.get().filter(|(u, v, k, _)| u == api.api_url && v == api.api_version && k == secret_key).map(|p| p.3.clone());
        if let Some(s) = primary() {
            return s;
        }
        let key = format!("{}|{}|{}", api.api_url, api.api_version, secret_key);
        let mut scopes = self.scopes.lock().unwrap_or_else(|p| p.into_inner());
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
        let limit = self.policy.ttl_ms as f64 + self.policy.stale_if_error_ms as f64;
        scopes.retain(|_, s| {
            let st = s.state.read().unwrap_or_else(|p| p.into_inner());
            st.updated_ms.is_some_and(|u| now_ms - u < limit)
        });
        let s = Arc::new(Scope::default());
        scopes.insert(key, s.clone());
        s
    }

    /// The key for `kid`, fetching the JWKS when needed.
    pub fn get_key(&self, api: &BackendApi, secret_key: Option<&str>, kid: &str, skip_cache: bool, now_ms: f64) -> Result<Arc<RsaKey>, TokenError> {
        let Some(secret_key) = secret_key.filter(|s| !s.is_empty()) else {
            return Err(VerifyError::new(reason::JWK_REMOTE_FAILED_TO_LOAD, "Failed to load JWKS from Clerk Backend or Frontend API.")
                .with_action(action::SET_CLERK_JWT_KEY)
                .into());
        };
        let scope = self.scope(api, secret_key, now_ms);
        let ttl = self.policy.ttl_ms as f64;
        let lookup = |st: &ScopeState, fresh_only: bool| -> Option<Arc<RsaKey>> {
            let fresh = st.updated_ms.is_some_and(|u| now_ms - u < ttl);
            if fresh_only && !fresh {
                return None;
            }
            st.keys.get(kid).cloned()
        };
        if !skip_cache {
            if let Some(k) = lookup(&scope.state.read().unwrap_or_else(|p| p.into_inner()), true) {
                return Ok(k);
            }
        }
        let started = now_ms;
        let _flight = scope.fetching.lock().unwrap_or_else(|p| p.into_inner());
        {
            let st = scope.state.read().unwrap_or_else(|p| p.into_inner());
            // Another thread fetched while we waited: use its result.
            if st.attempted_ms.is_some_and(|a| a >= started) || !skip_cache {
                if let Some(k) = lookup(&st, true) {
                    return Ok(k);
                }
            }
            // Fresh keys but an unknown kid: refetch at most once per interval.
            let fresh = st.updated_ms.is_some_and(|u| now_ms - u < ttl);
            if !skip_cache && fresh && st.attempted_ms.is_some_and(|a| now_ms - a < self.policy.kid_refetch_interval_ms as f64) {
                return Err(kid_mismatch(kid).into());
            }
        }
        let fetched = fetch_jwks(api, secret_key, &self.policy.retry);
        let mut st = scope.state.write().unwrap_or_else(|p| p.into_inner());
        st.attempted_ms = Some(now_ms);
        match fetched {
            Ok(keys) => {
                // The latest answer is the whole truth: a key the Backend API no longer lists
                // is dropped at once (the reference merges, so a made-up kid every few seconds
                // would keep a removed key trusted forever).
                st.keys.clear();
                for k in keys {
                    st.keys.insert(k.kid.clone(), Arc::new(k));
                }
                st.updated_ms = Some(now_ms);
                st.keys.get(kid).cloned().ok_or_else(|| kid_mismatch(kid).into())
            }
            Err(e) => {
                // Serve a cached key while the Backend API is failing, until the hard expiry.
                let within = st.updated_ms.is_some_and(|u| now_ms - u < ttl + self.policy.stale_if_error_ms as f64);
                match (within, st.keys.get(kid)) {
                    (true, Some(k)) => Ok(k.clone()),
                    _ => Err(e),
                }
            }
        }
    }
}

fn fetch_once(api: &BackendApi, secret_key: &str) -> Result<Vec<RsaKey>, (TokenError, bool)> {
    let url = api.versioned("jwks");
    let resp = match api.send("GET", url.clone(), Some(secret_key), None) {
        Ok(r) => r,
        Err(e @ (TransportError::Timeout(_) | TransportError::Network(_))) => {
            return Err((
                VerifyError::new(reason::BACKEND_API_UNREACHABLE, format!("Error loading Clerk JWKS from {url}: {e}")).into(),
                true,
            ))
        }
    };
    if !(200..300).contains(&resp.status) {
        let errors = api_errors(&resp.body);
        let err = match errors.iter().find(|e| e.code == "clerk_key_invalid") {
            Some(e) => VerifyError::new(reason::SECRET_KEY_INVALID, e.message.clone()).with_action(action::CONTACT_SUPPORT),
            None => VerifyError::new(reason::JWK_REMOTE_FAILED_TO_LOAD, format!("Error loading Clerk JWKS from {url} with code={}", resp.status))
                .with_action(action::CONTACT_SUPPORT),
        };
        return Err((err.into(), true));
    }
    let body: Value = serde_json::from_slice(&resp.body).map_err(|e| (TokenError::Unexpected(format!("Invalid JWKS response: {e}")), true))?;
    let keys: Vec<RsaKey> = body.get("keys").and_then(Value::as_array).map(|ks| ks.iter().filter_map(RsaKey::from_jwk).collect()).unwrap_or_default();
    let listed = body.get("keys").and_then(Value::as_array).is_some_and(|k| !k.is_empty());
    if !listed {
        return Err((
            VerifyError::new(reason::JWK_REMOTE_FAILED_TO_LOAD, "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.")
                .with_action(action::CONTACT_SUPPORT)
                .into(),
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
