//! The verified-token cache: only the signature check is remembered; time, azp/aud, header and
//! key checks still run per request; bounded; on by default, off with `verifiedTokenCacheSize: 0`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clerkauth::devinstance::DevInstance;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::{AuthStatus, Authenticator, Options, Request};
use serde_json::json;

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn cached(dev: &DevInstance, size: u64, extra: serde_json::Value) -> Authenticator {
    let mut o = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
        "authorizedParties": [APP], "verifiedTokenCacheSize": size});
    if let (Some(o), serde_json::Value::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

fn bearer(token: &str) -> Request {
    Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"))
}

fn cookie(token: &str) -> Request {
    Request::new("GET", "https://app.example.com/dashboard").header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1", NOW_S - 600))
}

fn at(auth: &Authenticator, req: &Request, over: &Options, now_ms: f64) -> clerkauth::RequestState {
    auth.authenticate_with(req, over, Some(now_ms)).unwrap()
}

#[test]
fn on_by_default_and_zero_turns_it_off() {
    let dev = DevInstance::generate("cache-off-1.clerk.accounts.dev");
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    let off = cached(&dev, 0, json!({}));
    assert_eq!(at(&off, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    assert_eq!(off.verified_token_cache_len(), 0);
    let defaults = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "authorizedParties": [APP]});
    let on = Authenticator::new(Options::from_json(&defaults).unwrap()).unwrap();
    assert_eq!(at(&on, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    assert_eq!(on.verified_token_cache_len(), 1);
}

#[test]
fn cached_token_signs_in_on_both_carriers_with_same_auth() {
    let dev = DevInstance::generate("cache-on-1.clerk.accounts.dev");
    let auth = cached(&dev, 100, json!({}));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({"o": {"id": "org_1", "rol": "admin", "slg": "acme"}}));
    let first = at(&auth, &bearer(&token), &Options::default(), NOW_MS);
    assert_eq!(auth.verified_token_cache_len(), 1);
    for req in [bearer(&token), cookie(&token)] {
        let again = at(&auth, &req, &Options::default(), NOW_MS + 1000.0);
        assert_eq!(again.status, AuthStatus::SignedIn);
        assert_eq!(again.to_auth().unwrap().to_json(), first.to_auth().unwrap().to_json());
    }
    assert_eq!(auth.verified_token_cache_len(), 1);
}

#[test]
fn time_checks_still_apply_to_cached_tokens() {
    let dev = DevInstance::generate("cache-time-1.clerk.accounts.dev");
    let auth = cached(&dev, 100, json!({}));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    // exp = iat + 60 s; past exp + the 5 s skew the cached token is expired.
    let late = at(&auth, &bearer(&token), &Options::default(), NOW_MS + 61_000.0);
    assert_eq!(late.status, AuthStatus::SignedOut);
    assert!(late.reason.as_deref().is_some_and(|r| r.starts_with("session-token-expired")), "{:?}", late.reason);
    // Before nbf - skew (nbf = iat - 5 s) it is not active yet.
    let early = at(&auth, &bearer(&token), &Options::default(), NOW_MS - 20_000.0);
    assert_eq!(early.status, AuthStatus::SignedOut);
    assert_eq!(early.reason.as_deref(), Some("session-token-nbf"));
}

#[test]
fn claim_and_header_options_still_apply_per_call() {
    let dev = DevInstance::generate("cache-opts-1.clerk.accounts.dev");
    let auth = cached(&dev, 100, json!({}));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    let other_party = Options::from_json(&json!({"authorizedParties": ["https://other.example.com"]})).unwrap();
    assert_eq!(at(&auth, &bearer(&token), &other_party, NOW_MS).reason.as_deref(), Some("token-invalid-authorized-parties"));
    let aud = Options::from_json(&json!({"audience": "api://x"})).unwrap();
    let aud_token = dev.sign(Default::default(), &json!({"sub": "user_2", "sid": "sess_2", "azp": APP, "aud": "api://y", "iat": NOW_S - 5, "exp": NOW_S + 60}));
    assert_eq!(at(&auth, &bearer(&aud_token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    assert_eq!(at(&auth, &bearer(&aud_token), &aud, NOW_MS).reason.as_deref(), Some("token-verification-failed"));
    let typ = Options::from_json(&json!({"headerType": "at+jwt"})).unwrap();
    assert_eq!(at(&auth, &bearer(&token), &typ, NOW_MS).reason.as_deref(), Some("token-invalid"));
}

#[test]
fn a_different_key_verifies_again() {
    let dev = DevInstance::generate("cache-key-1.clerk.accounts.dev");
    let other = DevInstance::generate("cache-key-2.clerk.accounts.dev");
    let auth = cached(&dev, 100, json!({}));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    let wrong_key = Options::from_json(&json!({"jwtKey": other.jwt_key})).unwrap();
    let st = at(&auth, &bearer(&token), &wrong_key, NOW_MS);
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
}

#[test]
fn a_token_sharing_the_signature_is_not_a_hit() {
    let dev = DevInstance::generate("cache-forge-1.clerk.accounts.dev");
    let auth = cached(&dev, 100, json!({}));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    // Same header and signature, payload rewritten to another user.
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("user_admin");
    let forged = format!("{}.{}.{}", parts[0], b64.encode(claims.to_string()), parts[2]);
    let st = at(&auth, &bearer(&forged), &Options::default(), NOW_MS);
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
    assert_eq!(auth.verified_token_cache_len(), 1);
}

#[test]
fn expired_and_failed_tokens_are_not_kept_and_size_is_bounded() {
    let dev = DevInstance::generate("cache-bound-1.clerk.accounts.dev");
    let auth = cached(&dev, 64, json!({}));
    let expired = dev.session_token("user_1", "sess_1", NOW_S - 3600, APP, json!({}));
    at(&auth, &bearer(&expired), &Options::default(), NOW_MS);
    at(&auth, &bearer("garbage.token.here"), &Options::default(), NOW_MS);
    assert_eq!(auth.verified_token_cache_len(), 0);
    for i in 0..400 {
        let t = dev.session_token(&format!("user_{i}"), &format!("sess_{i}"), NOW_S - 5, APP, json!({}));
        assert_eq!(at(&auth, &bearer(&t), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    }
    assert!(auth.verified_token_cache_len() <= 64, "{}", auth.verified_token_cache_len());
    assert!(auth.verified_token_cache_len() >= 16, "{}", auth.verified_token_cache_len());
}

#[test]
fn rotated_out_jwks_key_is_not_served_from_the_cache() {
    let old = DevInstance::generate("cache-rot-1.clerk.accounts.dev");
    let new = DevInstance::generate("cache-rot-2.clerk.accounts.dev");
    let rotated = Arc::new(AtomicBool::new(false));
    let (jwks_old, jwks_new, flag) = (old.jwks(), new.jwks(), rotated.clone());
    let server = Server::start(move |_, _| Reply::json(200, if flag.load(Ordering::SeqCst) { jwks_new.clone() } else { jwks_old.clone() }));
    let o = Options::from_json(&json!({"secretKey": old.secret_key, "publishableKey": old.publishable_key, "apiUrl": server.url(), "verifiedTokenCacheSize": 100})).unwrap();
    let policy = JwksPolicy { ttl_ms: 1000, retry: RetryPolicy { attempts: 1, base_delay: Duration::from_millis(1) }, ..JwksPolicy::default() };
    let auth = Authenticator::builder(o).jwks_policy(policy).build().unwrap();
    let token = old.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), NOW_MS).status, AuthStatus::SignedIn);
    assert_eq!(auth.verified_token_cache_len(), 1);
    rotated.store(true, Ordering::SeqCst);
    // After the JWKS TTL the stale key is served at once while a background refresh runs.
    let later = NOW_MS + 2000.0;
    assert_eq!(at(&auth, &bearer(&token), &Options::default(), later).status, AuthStatus::SignedIn);
    // A token of the new key waits for that refresh (or finds it landed); then the old kid is
    // gone, verified-token cache or not.
    let fresh = new.session_token("user_2", "sess_2", NOW_S - 5, APP, json!({}));
    assert_eq!(at(&auth, &bearer(&fresh), &Options::default(), later).status, AuthStatus::SignedIn);
    let st = at(&auth, &bearer(&token), &Options::default(), later);
    assert_eq!(st.status, AuthStatus::SignedOut, "{:?}", st.reason);
    assert_eq!(st.reason.as_deref(), Some("jwk-kid-mismatch"));
    assert_eq!(server.count(), 2);
}

#[test]
fn threads_share_the_cache() {
    let dev = DevInstance::generate("cache-threads-1.clerk.accounts.dev");
    let auth = Arc::new(cached(&dev, 1000, json!({})));
    let tokens: Vec<String> = (0..8).map(|i| dev.session_token(&format!("user_{i}"), &format!("sess_{i}"), NOW_S - 5, APP, json!({}))).collect();
    std::thread::scope(|s| {
        for (i, t) in tokens.iter().enumerate() {
            let auth = auth.clone();
            s.spawn(move || {
                for n in 0..200 {
                    let req = if n % 2 == 0 { bearer(t) } else { cookie(t) };
                    let st = at(&auth, &req, &Options::default(), NOW_MS);
                    assert_eq!(st.status, AuthStatus::SignedIn);
                    let a = st.to_auth().unwrap().to_json();
                    assert_eq!(a["userId"], json!(format!("user_{i}")), "cross-talk between threads");
                }
            });
        }
    });
    assert_eq!(auth.verified_token_cache_len(), 8);
}

#[test]
fn every_token_kind_and_accepted_type_answers_as_without_the_cache() {
    // The default authenticator (cache on) against one with the cache off, on the same
    // requests: session, M2M and OAuth JWTs under every `acceptsToken`, each presented twice (the
    // second a cache hit when the first verified), as Bearer and (session) as cookie.
    let dev = DevInstance::generate("cache-kinds-1.clerk.accounts.dev");
    let iss = "https://cache-kinds-1.clerk.accounts.dev";
    let header = |k: &str, v: &str| serde_json::Map::from_iter([(k.to_string(), json!(v))]);
    let session = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    let m2m = dev.sign(header("cat", clerkauth::jwt::category::M2M), &json!({"sub": "mch_1", "iat": NOW_S - 5, "nbf": NOW_S - 5, "exp": NOW_S + 3600, "jti": "mt_1", "scopes": "mch_2", "iss": iss}));
    let oauth =
        dev.sign(header("typ", "at+jwt"), &json!({"sub": "user_1", "client_id": "client_1", "scope": "read", "iat": NOW_S - 5, "nbf": NOW_S - 5, "exp": NOW_S + 3600, "jti": "oat_1", "iss": iss}));
    let base = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "authorizedParties": [APP]});
    let on = Authenticator::new(Options::from_json(&base).unwrap()).unwrap();
    let off = cached(&dev, 0, json!({}));
    let answer = |st: clerkauth::RequestState| (st.status, st.reason.clone(), st.token_type, st.to_auth().map(|a| a.to_json()));
    let accepts = [json!("session_token"), json!("m2m_token"), json!("oauth_token"), json!("any"), json!(["m2m_token", "oauth_token"]), json!(["session_token"])];
    let mut signed_in = 0;
    for accept in &accepts {
        let over = Options::from_json(&json!({"acceptsToken": accept})).unwrap();
        for req in [bearer(&session), cookie(&session), bearer(&m2m), bearer(&oauth)] {
            let expected = answer(at(&off, &req, &over, NOW_MS));
            signed_in += usize::from(expected.0 == AuthStatus::SignedIn);
            for _ in 0..2 {
                assert_eq!(answer(at(&on, &req, &over, NOW_MS)), expected, "acceptsToken {accept}");
            }
        }
    }
    assert!(signed_in >= 6, "too few signed-in answers to exercise the cache: {signed_in}");
    assert_eq!(on.verified_token_cache_len(), 3, "the session, M2M and OAuth JWTs are each cached once");
    assert_eq!(off.verified_token_cache_len(), 0);
}
