//! JWT attacks against session verification: forged algorithms and key confusion, hostile
//! `kid`s and key-carrying headers, duplicate JSON keys, oversized and non-canonical tokens,
//! garbage claims, time edges, azp/aud confusion and wrong token classes.
//!
//! Every token is presented twice — as `Authorization: Bearer` and as a `__session` cookie
//! (with `__client_uat` and a dev-browser cookie so the cookie flow reaches verification) —
//! and, unless the attack is specific to one key source, against both key sources: the PEM
//! `jwtKey` and a JWKS served by a loopback Backend API. Requests are not handshake-eligible
//! (no `sec-fetch-dest: document`, no `accept: text/html`), so a would-be handshake is a
//! `signed-out` state with the same reason (spec 9.1 step 1) and every reason is exact.
//!
//! Expectations come from the spec (`../shared/spec/authenticate-request.md` beside the repository), sections
//! 6, 7, 8.1, 11.1–11.7 and 2.5; each test says which rule it relies on.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, RsaEncoding};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::{AuthObject, AuthStatus, Authenticator, Options, Request, RequestState, SessionAuth};
use serde_json::{json, Value};

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const FAPI: &str = "attack-suite-7.clerk.accounts.dev";
const APP: &str = "https://app.example.com";
/// The reason of an expired token on a request that cannot handshake (spec 8.1 step 4).
const EXPIRED: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

// ----- keys -----

struct RsaKey {
    pair: KeyPair,
    kid: String,
    pem: String,
    /// SPKI DER.
    der: Vec<u8>,
    n: String,
    e: String,
}

impl RsaKey {
    fn generate(kid: &str) -> RsaKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA keygen");
        let der = pair.public_key().as_der().expect("SPKI").as_ref().to_vec();
        let body = STANDARD.encode(&der);
        let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n"));
        let pk = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero());
        RsaKey { pair, kid: kid.to_string(), pem, der, n, e }
    }

    fn jwk(&self, alg: Option<&str>) -> Value {
        let mut k = json!({"use": "sig", "kty": "RSA", "kid": self.kid, "n": self.n, "e": self.e});
        if let Some(a) = alg {
            k["alg"] = json!(a);
        }
        k
    }

    fn jwks(&self) -> Value {
        json!({"keys": [self.jwk(Some("RS256"))]})
    }

    fn sign_bytes(&self, enc: &'static dyn RsaEncoding, input: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair.sign(enc, &SystemRandom::new(), input, &mut sig).expect("RSA sign");
        sig
    }
}

/// The instance's signing key (configured as `jwtKey` or served in the JWKS).
fn instance() -> &'static RsaKey {
    static K: OnceLock<RsaKey> = OnceLock::new();
    K.get_or_init(|| RsaKey::generate("ins_2AttackSuiteInstanceKey001"))
}

/// A key the attacker controls (never configured anywhere).
fn attacker() -> &'static RsaKey {
    static K: OnceLock<RsaKey> = OnceLock::new();
    K.get_or_init(|| RsaKey::generate("ins_2AttackerOwnKey0000000001"))
}

fn publishable_key() -> String {
    format!("pk_test_{}", STANDARD.encode(format!("{FAPI}$")))
}

// ----- tokens -----

fn b64(b: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

fn header() -> Value {
    json!({"alg": "RS256", "kid": instance().kid, "typ": "JWT"})
}

fn claims(user: &str) -> Value {
    json!({
        "sub": user, "sid": format!("sess_{user}"), "iat": NOW_S - 10, "nbf": NOW_S - 15, "exp": NOW_S + 60,
        "azp": APP, "iss": format!("https://{FAPI}"), "sts": "active", "v": 2,
    })
}

/// `base` with the fields of `patch` set; a patch value `"<remove>"` removes the field.
fn patched(mut base: Value, patch: Value) -> Value {
    let (Some(b), Value::Object(p)) = (base.as_object_mut(), patch) else { panic!("objects only") };
    for (k, v) in p {
        if v == json!("<remove>") {
            b.remove(&k);
        } else {
            b.insert(k, v);
        }
    }
    base
}

/// `b64(header_json).b64(payload_json)` signed with `key` and `enc` over those exact bytes.
fn sign_raw(key: &RsaKey, enc: &'static dyn RsaEncoding, header_json: &str, payload_json: &str) -> String {
    let input = format!("{}.{}", b64(header_json), b64(payload_json));
    let sig = key.sign_bytes(enc, input.as_bytes());
    format!("{input}.{}", b64(sig))
}

/// RS256 signature by `key` over the serialised header and payload.
fn rs256(key: &RsaKey, header: &Value, payload: &Value) -> String {
    sign_raw(key, &signature::RSA_PKCS1_SHA256, &header.to_string(), &payload.to_string())
}

/// A token with an arbitrary signature.
fn with_sig(header: &Value, payload: &Value, sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header.to_string()), b64(payload.to_string()), b64(sig))
}

/// A genuine session token of the instance for `user`.
fn legit(user: &str) -> String {
    rs256(instance(), &header(), &claims(user))
}

fn split3(t: &str) -> (String, String, String) {
    let p: Vec<&str> = t.split('.').collect();
    assert_eq!(p.len(), 3);
    (p[0].to_string(), p[1].to_string(), p[2].to_string())
}

/// Pads a base64url segment with `=` to a multiple of 4 characters.
fn pad(seg: &str) -> String {
    format!("{seg}{}", "=".repeat((4 - seg.len() % 4) % 4))
}

// ----- environments -----

#[derive(Clone, Copy, Debug, PartialEq)]
enum Keys {
    /// `jwtKey` PEM (networkless).
    Pem,
    /// JWKS from the loopback Backend API.
    Jwks,
}

const MODES: [Keys; 2] = [Keys::Pem, Keys::Jwks];

struct Env {
    auth: Authenticator,
    server: Option<Server>,
    mode: Keys,
}

fn merge(o: &mut Value, extra: Value) {
    if let (Some(o), Value::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
}

fn env_with(mode: Keys, extra: Value, jwks: Value) -> Env {
    let mut o = json!({"secretKey": "sk_test_attacksuite0000000000000000000000", "publishableKey": publishable_key()});
    let server = match mode {
        Keys::Pem => {
            o["jwtKey"] = json!(instance().pem);
            None
        }
        Keys::Jwks => {
            let s = Server::start(move |_, target| if target == "/v1/jwks" { Reply::json(200, jwks.clone()) } else { Reply::json(404, json!({})) });
            o["apiUrl"] = json!(s.url());
            Some(s)
        }
    };
    merge(&mut o, extra);
    let opts = Options::from_json(&o).expect("options");
    let policy = JwksPolicy { retry: RetryPolicy { attempts: 2, base_delay: Duration::from_millis(1) }, ..JwksPolicy::default() };
    let auth = Authenticator::builder(opts).jwks_policy(policy).build().expect("authenticator");
    Env { auth, server, mode }
}

fn env(mode: Keys, extra: Value) -> Env {
    env_with(mode, extra, instance().jwks())
}

fn bearer_req(token: &str) -> Request {
    Request::new("GET", format!("{APP}/api/items")).header("authorization", format!("Bearer {token}"))
}

fn cookie_req(token: &str, document: bool) -> Request {
    Request::new("GET", format!("{APP}/dashboard"))
        .header("cookie", format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_attacksuite"))
        .header("sec-fetch-dest", if document { "document" } else { "empty" })
}

fn describe(st: &RequestState) -> String {
    format!("status {:?}, reason {:?}, message {:.300}", st.status, st.reason, st.message.as_deref().unwrap_or(""))
}

fn signed_in_session(st: &RequestState) -> Option<SessionAuth> {
    match st.to_auth() {
        Some(AuthObject::SignedIn(s)) => Some(s),
        _ => None,
    }
}

impl Env {
    fn run(&self, req: &Request, now_ms: f64) -> RequestState {
        self.auth.authenticate_with(req, &Options::default(), Some(now_ms)).expect("request input never raises a configuration error")
    }

    fn carriers(&self, token: &str, now_ms: f64) -> [(&'static str, RequestState); 2] {
        [("bearer", self.run(&bearer_req(token), now_ms)), ("cookie", self.run(&cookie_req(token, false), now_ms))]
    }

    /// Both carriers: signed out with exactly `reason`, nothing authenticated.
    fn rejects_at(&self, token: &str, reason: &str, now_ms: f64) {
        for (carrier, st) in self.carriers(token, now_ms) {
            let ctx = format!("{:?}/{carrier} token {:.80}…: {}", self.mode, token, describe(&st));
            assert_eq!(st.status, AuthStatus::SignedOut, "{ctx}");
            assert_eq!(st.reason.as_deref(), Some(reason), "{ctx}");
            assert!(!st.is_authenticated() && st.token.is_none() && signed_in_session(&st).is_none(), "{ctx}");
        }
    }

    fn rejects(&self, token: &str, reason: &str) {
        self.rejects_at(token, reason, NOW_MS);
    }

    /// Both carriers: signed in as `user` (session `sess_<user>` unless the token says
    /// otherwise); returns the bearer auth object.
    fn accepts_at(&self, token: &str, user: &str, now_ms: f64) -> SessionAuth {
        let mut out = None;
        for (carrier, st) in self.carriers(token, now_ms) {
            let ctx = format!("{:?}/{carrier} token {:.80}…: {}", self.mode, token, describe(&st));
            assert_eq!(st.status, AuthStatus::SignedIn, "{ctx}");
            assert_eq!(st.token.as_deref(), Some(token), "{ctx}");
            let s = signed_in_session(&st).unwrap_or_else(|| panic!("no session auth object: {ctx}"));
            assert_eq!(s.user_id(), user, "{ctx}");
            out.get_or_insert(s);
        }
        out.unwrap()
    }

    fn accepts(&self, token: &str, user: &str) -> SessionAuth {
        self.accepts_at(token, user, NOW_MS)
    }

    fn hits(&self) -> usize {
        self.server.as_ref().map_or(0, Server::count)
    }
}

/// Both key sources reject `token` with `reason`.
fn all_reject(token: &str, reason: &str) {
    for m in MODES {
        env(m, json!({})).rejects(token, reason);
    }
}

/// Both key sources reject `token` with `reason` under extra options.
fn all_reject_with(extra: Value, token: &str, reason: &str) {
    for m in MODES {
        env(m, extra.clone()).rejects(token, reason);
    }
}

fn all_accept(token: &str, user: &str) {
    for m in MODES {
        env(m, json!({})).accepts(token, user);
    }
}

// ===== sanity: the harness signs in a genuine token on every path =====

#[test]
fn control_genuine_token_signs_in_everywhere() {
    for m in MODES {
        let e = env(m, json!({}));
        let s = e.accepts(&legit("user_control"), "user_control");
        assert_eq!(s.session_id(), Some("sess_user_control"));
    }
}

#[test]
fn control_token_from_another_key_is_an_invalid_signature() {
    // 11.3 step 5: mismatch → token-invalid-signature.
    all_reject(&rs256(attacker(), &header(), &claims("user_1")), "token-invalid-signature");
}

// ===== algorithm attacks (11.2, 11.3 step 4) =====

#[test]
fn alg_none_with_empty_signature() {
    let t = format!("{}.{}.", b64(json!({"alg": "none", "kid": instance().kid, "typ": "JWT"}).to_string()), b64(claims("user_1").to_string()));
    all_reject(&t, "token-invalid-algorithm");
}

#[test]
fn alg_none_with_a_real_signature() {
    // The instance really signed these bytes; `none` is still not an accepted algorithm.
    let h = json!({"alg": "none", "kid": instance().kid, "typ": "JWT"});
    all_reject(&rs256(instance(), &h, &claims("user_1")), "token-invalid-algorithm");
}

#[test]
fn alg_none_spellings() {
    for alg in ["None", "NONE", "nOnE", "none "] {
        let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
        all_reject(&with_sig(&h, &claims("user_1"), b""), "token-invalid-algorithm");
    }
}

#[test]
fn alg_none_without_kid_on_jwks_fails_at_key_resolution_first() {
    // 11.3: key resolution (step 3) precedes the alg check (step 4): the JWKS has no key for
    // kid `undefined`. With a PEM the kid is ignored and the alg check answers.
    let h = json!({"alg": "none", "typ": "JWT"});
    let t = with_sig(&h, &claims("user_1"), b"");
    env(Keys::Jwks, json!({})).rejects(&t, "jwk-kid-mismatch");
    env(Keys::Pem, json!({})).rejects(&t, "token-invalid-algorithm");
}

fn hmac_secrets() -> Vec<(&'static str, Vec<u8>)> {
    let k = instance();
    vec![
        ("pem", k.pem.as_bytes().to_vec()),
        ("pem-trimmed", k.pem.trim().as_bytes().to_vec()),
        ("der", k.der.clone()),
        ("base64-body", STANDARD.encode(&k.der).into_bytes()),
        ("jwk-n", k.n.as_bytes().to_vec()),
        ("jwks-json", k.jwks().to_string().into_bytes()),
    ]
}

fn hmac_confusion(alg: &str, algorithm: hmac::Algorithm) {
    let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
    let input = format!("{}.{}", b64(h.to_string()), b64(claims("user_1").to_string()));
    for (name, secret) in hmac_secrets() {
        let tag = hmac::sign(&hmac::Key::new(algorithm, &secret), input.as_bytes());
        let t = format!("{input}.{}", b64(tag.as_ref()));
        for m in MODES {
            let e = env(m, json!({}));
            for (carrier, st) in e.carriers(&t, NOW_MS) {
                assert_eq!(st.status, AuthStatus::SignedOut, "{alg} keyed with {name}, {m:?}/{carrier}");
                assert_eq!(st.reason.as_deref(), Some("token-invalid-algorithm"), "{alg} keyed with {name}, {m:?}/{carrier}: {}", describe(&st));
            }
        }
    }
}

#[test]
fn hs256_keyed_with_the_public_key() {
    hmac_confusion("HS256", hmac::HMAC_SHA256);
}

#[test]
fn hs384_keyed_with_the_public_key() {
    hmac_confusion("HS384", hmac::HMAC_SHA384);
}

#[test]
fn hs512_keyed_with_the_public_key() {
    hmac_confusion("HS512", hmac::HMAC_SHA512);
}

#[test]
fn ps256_signed_with_the_right_rsa_key() {
    // RSASSA-PSS is not RSASSA-PKCS1-v1_5: only RS256/384/512 are supported (11.2).
    let h = json!({"alg": "PS256", "kid": instance().kid, "typ": "JWT"});
    all_reject(&sign_raw(instance(), &signature::RSA_PSS_SHA256, &h.to_string(), &claims("user_1").to_string()), "token-invalid-algorithm");
}

#[test]
fn ps384_and_ps512_signed_with_the_right_rsa_key() {
    for (alg, enc) in [("PS384", &signature::RSA_PSS_SHA384 as &'static dyn RsaEncoding), ("PS512", &signature::RSA_PSS_SHA512)] {
        let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
        all_reject(&sign_raw(instance(), enc, &h.to_string(), &claims("user_1").to_string()), "token-invalid-algorithm");
    }
}

#[test]
fn pss_signature_under_an_rs256_header() {
    // The header claims PKCS#1 v1.5 but the bytes are a PSS signature: the RS256 check fails.
    let input_header = header().to_string();
    let t = sign_raw(instance(), &signature::RSA_PSS_SHA256, &input_header, &claims("user_1").to_string());
    all_reject(&t, "token-invalid-signature");
}

#[test]
fn rs384_and_rs512_against_a_key_declared_rs256() {
    // 11.2 QUIRK: the PEM-derived key and the JWKS key carry `alg: RS256`; the reference's
    // WebCrypto import fails for another hash → token-verification-failed (the port
    // replicates, "reject alg ≠ key alg"). Genuinely signed with the instance key.
    for (alg, enc) in [("RS384", &signature::RSA_PKCS1_SHA384 as &'static dyn RsaEncoding), ("RS512", &signature::RSA_PKCS1_SHA512)] {
        let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
        all_reject(&sign_raw(instance(), enc, &h.to_string(), &claims("user_1").to_string()), "token-verification-failed");
    }
}

#[test]
fn rs384_against_a_jwk_without_alg() {
    // 11.2: "recommended: honour the JWK alg when present" — without one, a genuine RS384
    // signature by the right key is valid (RS384 is a supported algorithm), while an RS384
    // header over an RS256 signature, or an attacker's RS384 signature, is not.
    let e = env_with(Keys::Jwks, json!({}), json!({"keys": [instance().jwk(None)]}));
    let h = json!({"alg": "RS384", "kid": instance().kid, "typ": "JWT"});
    let genuine = sign_raw(instance(), &signature::RSA_PKCS1_SHA384, &h.to_string(), &claims("user_384").to_string());
    e.accepts(&genuine, "user_384");
    let wrong_hash = sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &h.to_string(), &claims("user_1").to_string());
    e.rejects(&wrong_hash, "token-invalid-signature");
    let forged = sign_raw(attacker(), &signature::RSA_PKCS1_SHA384, &h.to_string(), &claims("user_1").to_string());
    e.rejects(&forged, "token-invalid-signature");
}

#[test]
fn es256_signed_by_an_ec_key_with_the_rsa_kid() {
    let ec = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC keygen");
    let h = json!({"alg": "ES256", "kid": instance().kid, "typ": "JWT"});
    let input = format!("{}.{}", b64(h.to_string()), b64(claims("user_1").to_string()));
    let sig = ec.sign(&SystemRandom::new(), input.as_bytes()).expect("EC sign");
    let t = format!("{input}.{}", b64(sig.as_ref()));
    all_reject(&t, "token-invalid-algorithm");
    // And the same EC signature under an RS256 header is just a bad signature.
    let h = header();
    let input = format!("{}.{}", b64(h.to_string()), b64(claims("user_1").to_string()));
    let sig = ec.sign(&SystemRandom::new(), input.as_bytes()).expect("EC sign");
    all_reject(&format!("{input}.{}", b64(sig.as_ref())), "token-invalid-signature");
}

#[test]
fn lowercase_alg_is_not_rs256() {
    for alg in ["rs256", "Rs256", "RS256 ", " RS256", "RS-256", "RSA256"] {
        let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
        all_reject(&rs256(instance(), &h, &claims("user_1")), "token-invalid-algorithm");
    }
}

#[test]
fn alg_that_is_not_a_string() {
    for alg in [json!(256), json!(null), json!(["RS256"]), json!({"name": "RS256"}), json!(true), json!("")] {
        let h = json!({"alg": alg, "kid": instance().kid, "typ": "JWT"});
        all_reject(&rs256(instance(), &h, &claims("user_1")), "token-invalid-algorithm");
    }
    // Missing alg altogether.
    let h = json!({"kid": instance().kid, "typ": "JWT"});
    all_reject(&rs256(instance(), &h, &claims("user_1")), "token-invalid-algorithm");
}

#[test]
fn typ_must_be_exactly_jwt_when_present() {
    // 11.3 step 4: absent typ is fine; otherwise it must be in ["JWT"] (case-sensitive).
    for typ in [json!("jwt"), json!("JWS"), json!(""), json!(null), json!(["JWT"]), json!(1)] {
        let h = json!({"alg": "RS256", "kid": instance().kid, "typ": typ});
        all_reject(&rs256(instance(), &h, &claims("user_1")), "token-invalid");
    }
    let h = json!({"alg": "RS256", "kid": instance().kid});
    all_accept(&rs256(instance(), &h, &claims("user_notyp")), "user_notyp");
}

// ===== kid attacks (11.4, 11.5) =====

fn hostile_kid_token(kid: Value, key: &RsaKey) -> String {
    rs256(key, &json!({"alg": "RS256", "kid": kid, "typ": "JWT"}), &claims("user_1"))
}

fn kid_mismatch_everywhere(kids: &[Value]) {
    // JWKS: no key has that kid → jwk-kid-mismatch, even though the instance signed it.
    let e = env(Keys::Jwks, json!({}));
    e.accepts(&legit("user_warm"), "user_warm");
    for kid in kids {
        e.rejects(&hostile_kid_token(kid.clone(), instance()), "jwk-kid-mismatch");
    }
    assert!(e.hits() <= 2, "hostile kids caused {} JWKS fetches", e.hits());
    // PEM: the kid is ignored (11.4); an attacker's signature is still invalid.
    let e = env(Keys::Pem, json!({}));
    for kid in kids {
        e.rejects(&hostile_kid_token(kid.clone(), attacker()), "token-invalid-signature");
    }
}

#[test]
fn kid_path_traversal() {
    kid_mismatch_everywhere(&[json!("../../etc/passwd"), json!("../../../../../../dev/zero"), json!("/v1/jwks"), json!("..%2F..%2Fetc%2Fpasswd"), json!("file:///etc/passwd")]);
}

#[test]
fn kid_sql_injection() {
    kid_mismatch_everywhere(&[json!("' OR 1=1 --"), json!("\" OR \"\"=\""), json!("x'; DROP TABLE keys; --"), json!("*")]);
}

#[test]
fn kid_of_10_kb() {
    kid_mismatch_everywhere(&[json!("k".repeat(10 * 1024)), json!(format!("{}{}", instance().kid, "A".repeat(10 * 1024)))]);
}

#[test]
fn kid_that_is_not_a_string() {
    // JavaScript would look up the coerced string ("123", "null", "[object Object]",
    // "undefined"): none names a key either way.
    kid_mismatch_everywhere(&[json!(123), json!(-1), json!({"kid": instance().kid}), json!(null), json!([instance().kid]), json!(true)]);
    let no_kid = rs256(instance(), &json!({"alg": "RS256", "typ": "JWT"}), &claims("user_1"));
    env(Keys::Jwks, json!({})).rejects(&no_kid, "jwk-kid-mismatch");
}

#[test]
fn kid_named_like_object_prototype_members() {
    // A JS object cache would find `constructor` etc. on the prototype; a port must not.
    kid_mismatch_everywhere(&[json!("__proto__"), json!("constructor"), json!("toString"), json!("hasOwnProperty"), json!("prototype")]);
}

#[test]
fn kid_with_control_characters() {
    kid_mismatch_everywhere(&[json!("a\r\nx-injected: 1"), json!("\u{0}"), json!("\u{202e}evil"), json!(""), json!(" ")]);
}

#[test]
fn kid_case_and_whitespace_variants_of_the_real_kid() {
    let k = &instance().kid;
    kid_mismatch_everywhere(&[json!(k.to_lowercase()), json!(k.to_uppercase()), json!(format!(" {k}")), json!(format!("{k} ")), json!(format!("{k}\u{0}"))]);
}

#[test]
fn hostile_kid_flood_makes_a_bounded_number_of_fetches() {
    let e = env(Keys::Jwks, json!({}));
    e.accepts(&legit("user_warm"), "user_warm");
    for i in 0..200 {
        let t = hostile_kid_token(json!(format!("../ins_{i}' OR 1=1 --")), attacker());
        e.rejects(&t, "jwk-kid-mismatch");
    }
    assert!(e.hits() <= 2, "400 hostile-kid requests caused {} JWKS fetches", e.hits());
    // The legit key still works afterwards.
    e.accepts(&legit("user_after"), "user_after");
}

#[test]
fn pem_ignores_the_kid_for_genuine_tokens() {
    // 11.4: with jwtKey, kid is ignored: a genuine signature verifies whatever the kid says.
    let e = env(Keys::Pem, json!({}));
    for kid in [json!("../../etc/passwd"), json!(123), json!(null)] {
        e.accepts(&rs256(instance(), &json!({"alg": "RS256", "kid": kid, "typ": "JWT"}), &claims("user_kid")), "user_kid");
    }
}

// ===== key-carrying headers: jku, x5u, jwk, x5c (never consulted, 11.3 step 3) =====

fn attacker_jwks_server() -> Server {
    let jwks = json!({"keys": [attacker().jwk(Some("RS256")), {"kty": "RSA", "kid": instance().kid, "n": attacker().n, "e": attacker().e, "alg": "RS256"}]});
    Server::start(move |_, _| Reply::json(200, jwks.clone()))
}

fn key_header_attack(field: &str, value: Value) {
    let evil = attacker_jwks_server();
    let value = if value == json!("<url>") { json!(format!("{}/.well-known/jwks.json", evil.url())) } else { value };
    // Kid of the instance: the configured key is used, and the attacker's signature fails.
    let h = patched(header(), json!({ field: value.clone() }));
    all_reject(&rs256(attacker(), &h, &claims("user_1")), "token-invalid-signature");
    // Kid of the attacker: not in the JWKS; with a PEM still the configured key.
    let h = json!({"alg": "RS256", "kid": attacker().kid, "typ": "JWT", field: value});
    let t = rs256(attacker(), &h, &claims("user_1"));
    env(Keys::Jwks, json!({})).rejects(&t, "jwk-kid-mismatch");
    env(Keys::Pem, json!({})).rejects(&t, "token-invalid-signature");
    assert_eq!(evil.count(), 0, "the attacker's key URL was fetched");
}

#[test]
fn jku_header_is_ignored() {
    key_header_attack("jku", json!("<url>"));
}

#[test]
fn x5u_header_is_ignored() {
    key_header_attack("x5u", json!("<url>"));
}

#[test]
fn embedded_jwk_header_is_ignored() {
    key_header_attack("jwk", attacker().jwk(Some("RS256")));
    // The attacker's JWK under the instance kid.
    key_header_attack("jwk", json!({"kty": "RSA", "kid": instance().kid, "n": attacker().n, "e": attacker().e, "alg": "RS256"}));
}

#[test]
fn x5c_header_is_ignored() {
    // Not a real certificate chain, but the attacker's key material where one would go.
    key_header_attack("x5c", json!([STANDARD.encode(&attacker().der)]));
    key_header_attack("x5t", json!(b64([7u8; 20])));
}

#[test]
fn key_headers_on_a_genuine_token_change_nothing() {
    let evil = attacker_jwks_server();
    let url = format!("{}/jwks", evil.url());
    for m in MODES {
        let e = env(m, json!({}));
        let plain = e.accepts(&legit("user_kh"), "user_kh");
        let h = patched(header(), json!({"jku": url, "x5u": url, "jwk": attacker().jwk(Some("RS256")), "x5c": [STANDARD.encode(&attacker().der)]}));
        let with_headers = e.accepts(&rs256(instance(), &h, &claims("user_kh")), "user_kh");
        assert_eq!((plain.user_id(), plain.session_id()), (with_headers.user_id(), with_headers.session_id()));
    }
    assert_eq!(evil.count(), 0);
}

// ===== crit (not in the spec: the reference's verifyJwt checks typ and alg only) =====

#[test]
fn crit_with_an_unknown_extension_is_ignored_like_the_reference() {
    // Documented behaviour: 11.3 step 4 checks `typ` and `alg` only; `crit` is never read, so a
    // genuine token carrying an unknown critical extension verifies (the reference does the
    // same; RFC 7515 §4.1.11 would reject it). A forged one is still a bad signature.
    let h = patched(header(), json!({"crit": ["urn:example:never-heard-of-it"], "urn:example:never-heard-of-it": {"bind": "x"}}));
    all_accept(&rs256(instance(), &h, &claims("user_crit")), "user_crit");
    all_reject(&rs256(attacker(), &h, &claims("user_crit")), "token-invalid-signature");
    let h = patched(header(), json!({"crit": "not-a-list", "b64": false}));
    all_accept(&rs256(instance(), &h, &claims("user_crit2")), "user_crit2");
}

// ===== duplicate JSON keys (JSON.parse: the last one wins) =====

fn payload_json_with_duplicate_sub(first: &str, last: &str) -> String {
    format!(r#"{{"sub":"{first}","sid":"sess_dup","iat":{},"nbf":{},"exp":{},"azp":"{APP}","iss":"https://{FAPI}","sub":"{last}"}}"#, NOW_S - 10, NOW_S - 15, NOW_S + 60)
}

#[test]
fn duplicate_sub_in_a_genuine_payload_is_deterministic_last_wins() {
    let t = sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), &payload_json_with_duplicate_sub("user_first", "user_last"));
    for m in MODES {
        let e = env(m, json!({}));
        for _ in 0..3 {
            let s = e.accepts(&t, "user_last");
            assert_eq!(s.session_claims().map()["sub"], "user_last");
        }
    }
}

#[test]
fn duplicate_sub_spliced_in_by_an_attacker() {
    // The attacker appends a second sub to a genuine payload: the signed bytes changed.
    let (h, _, s) = split3(&legit("user_victim"));
    let p = b64(payload_json_with_duplicate_sub("user_victim", "user_admin"));
    all_reject(&format!("{h}.{p}.{s}"), "token-invalid-signature");
}

#[test]
fn duplicate_alg_none_then_rs256() {
    // Last wins: alg RS256, and the instance genuinely signed these exact header bytes.
    let hj = format!(r#"{{"alg":"none","kid":"{}","typ":"JWT","alg":"RS256"}}"#, instance().kid);
    let t = sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &hj, &claims("user_dupalg").to_string());
    for m in MODES {
        let e = env(m, json!({}));
        e.accepts(&t, "user_dupalg");
        e.accepts(&t, "user_dupalg");
    }
    // Forged (attacker's signature, or no signature) with the same header: rejected.
    all_reject(&sign_raw(attacker(), &signature::RSA_PKCS1_SHA256, &hj, &claims("user_1").to_string()), "token-invalid-signature");
    all_reject(&format!("{}.{}.", b64(&hj), b64(claims("user_1").to_string())), "token-invalid-signature");
}

#[test]
fn duplicate_alg_rs256_then_none() {
    let hj = format!(r#"{{"alg":"RS256","kid":"{}","typ":"JWT","alg":"none"}}"#, instance().kid);
    all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &hj, &claims("user_1").to_string()), "token-invalid-algorithm");
    all_reject(&format!("{}.{}.", b64(&hj), b64(claims("user_1").to_string())), "token-invalid-algorithm");
}

#[test]
fn duplicate_kid_last_wins() {
    // JWKS: the last kid is looked up. First the real kid, then a bogus one → mismatch;
    // reversed → the real key.
    let k = &instance().kid;
    let bogus_last = format!(r#"{{"alg":"RS256","kid":"{k}","typ":"JWT","kid":"ins_bogus"}}"#);
    let real_last = format!(r#"{{"alg":"RS256","kid":"ins_bogus","typ":"JWT","kid":"{k}"}}"#);
    let e = env(Keys::Jwks, json!({}));
    e.rejects(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &bogus_last, &claims("user_1").to_string()), "jwk-kid-mismatch");
    e.accepts(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &real_last, &claims("user_dupkid").to_string()), "user_dupkid");
}

// ===== oversized tokens =====

#[test]
fn one_megabyte_payload() {
    let big = patched(claims("user_big"), json!({"pad": "x".repeat(1 << 20)}));
    // Forged: rejected on the signature, not on size.
    all_reject(&rs256(attacker(), &header(), &big), "token-invalid-signature");
    all_reject(&with_sig(&header(), &big, &[0u8; 256]), "token-invalid-signature");
    // Genuine: the spec has no size limit, so a 1 MB token the instance really signed is valid.
    all_accept(&rs256(instance(), &header(), &big), "user_big");
}

#[test]
fn token_of_100k_parts() {
    let t = vec!["eyJhbGciOiJSUzI1NiJ9"; 100_000].join(".");
    all_reject(&t, "token-invalid");
    let dots = ".".repeat(100_000);
    all_reject(&dots, "token-invalid");
}

#[test]
fn header_of_64_kb() {
    let h = patched(header(), json!({"x": "h".repeat(64 * 1024)}));
    all_reject(&rs256(attacker(), &h, &claims("user_1")), "token-invalid-signature");
    all_reject(&with_sig(&h, &claims("user_1"), b"sig"), "token-invalid-signature");
}

#[test]
fn deeply_nested_json() {
    // serde_json stops at depth 128: the token does not decode (no stack overflow). The
    // JavaScript reference would parse it and fail on the signature or `sub`; either way the
    // result is signed out. Genuinely signed, so only the decoder can refuse it.
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let pj = format!(r#"{{"sub":"user_1","exp":{},"deep":{deep}}}"#, NOW_S + 60);
    all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), &pj), "token-invalid");
    let hj = format!(r#"{{"alg":"RS256","kid":"{}","x":{deep}}}"#, instance().kid);
    all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &hj, &claims("user_1").to_string()), "token-invalid");
}

// ===== non-canonical base64 (11.1: `=` tolerated, other characters and leftover bits are errors) =====

/// A genuine token whose three segments all need padding.
fn token_needing_padding(user: &str) -> (String, String, String) {
    for i in 0..12 {
        let h = patched(header(), json!({"x": "y".repeat(i)}));
        let c = patched(claims(user), json!({"f": "g".repeat(i)}));
        let (hs, ps, ss) = split3(&rs256(instance(), &h, &c));
        if hs.len() % 4 != 0 && ps.len() % 4 != 0 && ss.len() % 4 != 0 {
            return (hs, ps, ss);
        }
    }
    unreachable!("some filler length needs padding")
}

#[test]
fn padding_on_the_signature_of_a_genuine_token_is_tolerated() {
    // Noted: the decoded signature bytes and the signing input are unchanged, so the token
    // still verifies (spec 11.1 tolerates `=`). Not a forgery: the signature is genuine.
    let (h, p, s) = token_needing_padding("user_pad");
    all_accept(&format!("{h}.{p}.{}", pad(&s)), "user_pad");
}

#[test]
fn padding_on_a_signed_segment_changes_the_signing_input() {
    let (h, p, s) = token_needing_padding("user_pad");
    all_reject(&format!("{}.{p}.{s}", pad(&h)), "token-invalid-signature");
    all_reject(&format!("{h}.{}.{s}", pad(&p)), "token-invalid-signature");
}

#[test]
fn padded_segments_signed_as_sent_are_valid() {
    // Noted: the instance signing the padded bytes themselves makes a valid token.
    let (h, p, _) = token_needing_padding("user_padsigned");
    let input = format!("{}.{}", pad(&h), pad(&p));
    let sig = instance().sign_bytes(&signature::RSA_PKCS1_SHA256, input.as_bytes());
    all_accept(&format!("{input}.{}", pad(&b64(sig))), "user_padsigned");
}

#[test]
fn wrong_padding_is_undecodable() {
    let (h, p, s) = token_needing_padding("user_1");
    for t in [
        format!("{h}===.{p}.{s}"),
        format!("{h}.{p}.{s}====="),
        format!("{h}.=={p}.{s}"),
        format!("{h}.{p}.{}={}", &s[..10], &s[10..]),
        format!("{}=.{p}.{s}", pad(&h)),
        format!("{h}.{p}.{}=", pad(&s)),
    ] {
        all_reject(&t, "token-invalid");
    }
}

#[test]
fn standard_alphabet_is_undecodable() {
    // `+` and `/` are not base64url (11.1). The decoded bytes would be the genuine signature.
    // PKCS#1 v1.5 signatures are deterministic: vary the user until one has `-` or `_`.
    let mut t = legit("user_1");
    let mut tries = 0;
    while !split3(&t).2.contains(['-', '_']) {
        tries += 1;
        t = legit(&format!("user_{tries}"));
        assert!(tries < 50, "no signature with - or _");
    }
    let (h, p, s) = split3(&t);
    all_reject(&format!("{h}.{p}.{}", s.replace('-', "+").replace('_', "/")), "token-invalid");
    // In a header segment: a header whose encoding has `-`/`_`.
    let hj = header().to_string().replace("\"typ\"", "\"~~~\":\"???>>>\",\"typ\"");
    let hs = b64(&hj);
    assert!(hs.contains(['-', '_']), "{hs}");
    let input_std = format!("{}.{}", STANDARD.encode(&hj).trim_end_matches('='), p);
    let sig = instance().sign_bytes(&signature::RSA_PKCS1_SHA256, input_std.as_bytes());
    all_reject(&format!("{input_std}.{}", b64(sig)), "token-invalid");
}

#[test]
fn nonzero_trailing_bits_are_undecodable() {
    // A 256-byte signature is 342 characters: the last one carries 4 unused bits.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (h, p, s) = split3(&legit("user_1"));
    assert_eq!(s.len() % 4, 2);
    let last = s.as_bytes()[s.len() - 1];
    let idx = ALPHABET.iter().position(|&c| c == last).unwrap();
    assert_eq!(idx & 0xF, 0, "canonical encoding");
    let noncanonical = format!("{}{}", &s[..s.len() - 1], ALPHABET[idx | 1] as char);
    // Lax decoders would yield the very same signature bytes, i.e. a valid token.
    assert_eq!(
        base64::engine::general_purpose::GeneralPurpose::new(&base64::alphabet::URL_SAFE, base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true)).decode(&noncanonical).unwrap(),
        URL_SAFE_NO_PAD.decode(&s).unwrap()
    );
    all_reject(&format!("{h}.{p}.{noncanonical}"), "token-invalid");
}

#[test]
fn whitespace_inside_segments() {
    let (h, p, s) = split3(&legit("user_1"));
    let mid = p.len() / 2;
    for ws in [" ", "\t", "\u{a0}"] {
        all_reject(&format!("{h}.{}{ws}{}.{s}", &p[..mid], &p[mid..]), "token-invalid");
    }
    // A Bearer value ends at the space: the 9 characters before it are never a base64 length
    // (after 10, a signature whose 10th character has zero low bits would decode).
    all_reject(&format!("{h}.{p}.{} {}", &s[..9], &s[9..]), "token-invalid");
}

// ===== garbage claims (11.3 step 6; 11.1 decoding) =====

#[test]
fn sub_that_is_not_a_string() {
    for sub in [json!(123), json!({"id": "user_1"}), json!(["user_1"]), json!(null), json!(true), json!("<remove>")] {
        all_reject(&rs256(instance(), &header(), &patched(claims("user_1"), json!({ "sub": sub }))), "token-verification-failed");
    }
}

#[test]
fn exp_that_is_not_a_number() {
    for exp in [json!("1767225660"), json!(null), json!([NOW_S + 60]), json!({"t": NOW_S + 60}), json!(true), json!("<remove>")] {
        all_reject(&rs256(instance(), &header(), &patched(claims("user_1"), json!({ "exp": exp }))), "token-verification-failed");
    }
}

#[test]
fn nbf_and_iat_that_are_not_numbers() {
    for field in ["nbf", "iat"] {
        for v in [json!("0"), json!(null), json!([1]), json!({})] {
            let token = rs256(instance(), &header(), &patched(claims("user_1"), json!({ field: v.clone() })));
            // The cookie flow's stale-token test (7 step 13) runs before verification and is
            // JavaScript's `iat < clientUat` (`__client_uat=1` here): "0" and null are 0, so stale.
            if field == "iat" && (v == json!("0") || v.is_null()) {
                for m in MODES {
                    let [(_, bearer), (_, cookie)] = env(m, json!({})).carriers(&token, NOW_MS);
                    assert_eq!(bearer.reason.as_deref(), Some("token-verification-failed"), "{v}");
                    assert_eq!(cookie.reason.as_deref(), Some("session-token-iat-before-client-uat"), "{v}");
                }
            } else {
                all_reject(&token, "token-verification-failed");
            }
        }
    }
}

#[test]
fn exp_float_and_huge_are_numbers() {
    // Any JSON number is a number: fractional and far-future values are valid expiries.
    all_accept(&rs256(instance(), &header(), &patched(claims("user_f"), json!({"exp": NOW_S as f64 + 0.5}))), "user_f");
    all_accept(&rs256(instance(), &header(), &patched(claims("user_h"), json!({"exp": 1e300}))), "user_h");
    all_accept(&rs256(instance(), &header(), &patched(claims("user_u"), json!({"exp": u64::MAX}))), "user_u");
    // Just past the default skew as a float: expired.
    all_reject(&rs256(instance(), &header(), &patched(claims("user_1"), json!({"exp": NOW_S as f64 - 5.0001}))), EXPIRED);
}

#[test]
fn exp_negative_or_zero_is_expired() {
    for exp in [json!(-1), json!(0), json!(-1e300), json!(i64::MIN)] {
        all_reject(&rs256(instance(), &header(), &patched(claims("user_1"), json!({ "exp": exp }))), EXPIRED);
    }
}

#[test]
fn exp_1e400_does_not_decode() {
    // DEVIATION (fail closed): JavaScript's JSON.parse reads 1e400 as Infinity (a number, never
    // expired); serde_json refuses out-of-range numbers, so the payload does not decode →
    // token-invalid. Only a genuinely signed token can reach this, and it is rejected.
    let pj = format!(r#"{{"sub":"user_1","sid":"sess_1","iat":{},"exp":1e400}}"#, NOW_S - 10);
    all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), &pj), "token-invalid");
    let pj = format!(r#"{{"sub":"user_1","sid":"sess_1","iat":{},"exp":-1e400}}"#, NOW_S - 10);
    all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), &pj), "token-invalid");
    // NaN/Infinity literals are not JSON at all (JSON.parse throws too).
    for lit in ["NaN", "Infinity", "-Infinity"] {
        let pj = format!(r#"{{"sub":"user_1","exp":{lit}}}"#);
        all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), &pj), "token-invalid");
    }
}

#[test]
fn sid_that_is_an_object_is_not_checked() {
    // 11.3: sid is not a verified claim; the token verifies. The auth object gets no string
    // session id out of it (never the stringified object).
    for sid in [json!({"id": "sess_admin"}), json!(["sess_admin"]), json!(42)] {
        for m in MODES {
            let s = env(m, json!({})).accepts(&rs256(instance(), &header(), &patched(claims("user_sid"), json!({ "sid": sid }))), "user_sid");
            assert_eq!(s.session_id(), None, "{sid}");
        }
    }
}

#[test]
fn payload_that_is_not_an_object() {
    // Interpretation: decoding must yield JSON objects; an array, string, number or null
    // payload is undecodable → token-invalid. (The JavaScript reference would parse an array
    // and fail later on `sub` with token-verification-failed — signed out either way.)
    for pj in ["[1,2,3]", r#""user_1""#, "42", "null", "true", r#"[{"sub":"user_1","exp":9999999999}]"#] {
        all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, &header().to_string(), pj), "token-invalid");
    }
}

#[test]
fn header_that_is_not_an_object() {
    for hj in [r#"["RS256"]"#, r#""RS256""#, "null", "1", ""] {
        all_reject(&sign_raw(instance(), &signature::RSA_PKCS1_SHA256, hj, &claims("user_1").to_string()), "token-invalid");
    }
}

#[test]
fn segments_that_are_not_json() {
    for (h, p) in [("{", "{}"), ("{}", "{"), ("{\"alg\":\"RS256\",}", "{}"), ("\u{feff}{}", "{}")] {
        let t = format!("{}.{}.{}", b64(h), b64(p), b64([1u8; 8]));
        all_reject(&t, "token-invalid");
    }
}

#[test]
fn invalid_utf8_inside_a_string_is_replaced() {
    // 11.1: invalid bytes are replaced (U+FFFD), not fatal. Genuinely signed → valid, with the
    // replacement character in `sub`.
    let mut pj = format!(r#"{{"sub":"user_X","sid":"sess_u","iat":{},"exp":{}}}"#, NOW_S - 10, NOW_S + 60).into_bytes();
    let at = pj.iter().position(|&b| b == b'X').unwrap();
    pj[at] = 0xff;
    let input = format!("{}.{}", b64(header().to_string()), b64(&pj));
    let t = format!("{input}.{}", b64(instance().sign_bytes(&signature::RSA_PKCS1_SHA256, input.as_bytes())));
    all_accept(&t, "user_\u{fffd}");
    // Forged: still a bad signature.
    let t = format!("{input}.{}", b64(attacker().sign_bytes(&signature::RSA_PKCS1_SHA256, input.as_bytes())));
    all_reject(&t, "token-invalid-signature");
}

#[test]
fn invalid_utf8_outside_strings_is_undecodable() {
    let mut pj = format!(r#"{{"sub":"user_1","exp":{}}}"#, NOW_S + 60).into_bytes();
    pj.insert(1, 0xC0);
    let input = format!("{}.{}", b64(header().to_string()), b64(&pj));
    let t = format!("{input}.{}", b64(instance().sign_bytes(&signature::RSA_PKCS1_SHA256, input.as_bytes())));
    all_reject(&t, "token-invalid");
}

// ===== time edges (11.3 step 6.4–6.6; reasons mapped by 8.1 step 4) =====

fn timed(user: &str, patch: Value) -> String {
    rs256(instance(), &header(), &patched(claims(user), patch))
}

fn at_s(s: i64) -> f64 {
    s as f64 * 1000.0
}

#[test]
fn exactly_at_exp_with_zero_skew_is_expired() {
    // expired iff exp*1000 <= now - skew: equality is expired.
    let t = timed("user_t", json!({"exp": NOW_S}));
    for m in MODES {
        env(m, json!({"clockSkewInMs": 0})).rejects_at(&t, EXPIRED, NOW_MS);
    }
}

#[test]
fn one_second_before_exp_with_zero_skew_is_valid() {
    let t = timed("user_t", json!({"exp": NOW_S + 1}));
    for m in MODES {
        let e = env(m, json!({"clockSkewInMs": 0}));
        e.accepts_at(&t, "user_t", NOW_MS);
        e.accepts_at(&t, "user_t", at_s(NOW_S + 1) - 1.0);
        e.rejects_at(&t, EXPIRED, at_s(NOW_S + 1));
    }
}

#[test]
fn default_skew_is_five_seconds_either_side_of_exp() {
    let t = timed("user_t", json!({"exp": NOW_S}));
    for m in MODES {
        let e = env(m, json!({}));
        e.accepts_at(&t, "user_t", at_s(NOW_S + 4));
        e.accepts_at(&t, "user_t", at_s(NOW_S + 5) - 1.0);
        e.rejects_at(&t, EXPIRED, at_s(NOW_S + 5));
        let e5 = env(m, json!({"clockSkewInMs": 5000}));
        e5.rejects_at(&t, EXPIRED, at_s(NOW_S + 5));
        e5.accepts_at(&t, "user_t", at_s(NOW_S + 5) - 1.0);
    }
}

#[test]
fn huge_skew_accepts_long_expired_tokens() {
    // Documented consequence of the rules: the skew is honoured as given.
    let t = timed("user_skew", json!({"exp": NOW_S - 86_400 * 365, "iat": NOW_S + 86_400, "nbf": NOW_S + 86_400}));
    for m in MODES {
        env(m, json!({"clockSkewInMs": 1e15})).accepts(&t, "user_skew");
        env(m, json!({})).rejects(&t, EXPIRED);
    }
}

#[test]
fn negative_skew_is_honoured() {
    // A finite number, so it is used: expired iff exp*1000 <= now + 5000.
    let t = timed("user_t", json!({"exp": NOW_S + 5}));
    for m in MODES {
        env(m, json!({"clockSkewInMs": -5000})).rejects(&t, EXPIRED);
        env(m, json!({"clockSkewInMs": -4000})).accepts(&t, "user_t");
    }
}

#[test]
fn non_numeric_skew_falls_back_to_the_default() {
    let t = timed("user_t", json!({"exp": NOW_S}));
    for m in MODES {
        for skew in [json!("0"), json!(null), json!([0]), json!({})] {
            let e = env(m, json!({ "clockSkewInMs": skew }));
            e.accepts_at(&t, "user_t", at_s(NOW_S + 4));
            e.rejects_at(&t, EXPIRED, at_s(NOW_S + 5));
        }
    }
}

#[test]
fn nbf_in_the_future_within_and_outside_the_skew() {
    // too early iff nbf*1000 > now + skew.
    for m in MODES {
        let e = env(m, json!({}));
        e.accepts(&timed("user_nbf", json!({"nbf": NOW_S + 5})), "user_nbf");
        e.rejects(&timed("user_nbf", json!({"nbf": NOW_S + 6})), "session-token-nbf");
        let z = env(m, json!({"clockSkewInMs": 0}));
        z.accepts(&timed("user_nbf", json!({"nbf": NOW_S})), "user_nbf");
        z.rejects(&timed("user_nbf", json!({"nbf": NOW_S + 1})), "session-token-nbf");
    }
}

#[test]
fn iat_in_the_future_within_and_outside_the_skew() {
    for m in MODES {
        let e = env(m, json!({}));
        e.accepts(&timed("user_iat", json!({"iat": NOW_S + 5})), "user_iat");
        e.rejects(&timed("user_iat", json!({"iat": NOW_S + 6})), "session-token-iat-in-the-future");
        let z = env(m, json!({"clockSkewInMs": 0}));
        z.rejects(&timed("user_iat", json!({"iat": NOW_S + 1})), "session-token-iat-in-the-future");
    }
}

#[test]
fn time_checks_run_in_order_exp_nbf_iat() {
    // All three wrong at once: exp is reported (6.4 before 6.5 before 6.6).
    let t = timed("user_t", json!({"exp": NOW_S - 60, "nbf": NOW_S + 60, "iat": NOW_S + 60}));
    all_reject(&t, EXPIRED);
    let t = timed("user_t", json!({"nbf": NOW_S + 60, "iat": NOW_S + 60}));
    all_reject(&t, "session-token-nbf");
}

#[test]
fn expired_token_on_a_document_request_handshakes_never_signs_in() {
    let t = timed("user_t", json!({"exp": NOW_S - 60}));
    for m in MODES {
        let e = env(m, json!({}));
        let st = e.run(&cookie_req(&t, true), NOW_MS);
        assert_eq!(st.status, AuthStatus::Handshake, "{m:?}: {}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some(EXPIRED));
        assert!(st.to_auth().is_none());
        let st = e.run(&bearer_req(&t).header("sec-fetch-dest", "document"), NOW_MS);
        assert_eq!(st.status, AuthStatus::Handshake, "{m:?}: {}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some(EXPIRED));
    }
}

#[test]
fn forged_and_expired_reports_the_signature_first() {
    // 11.3 step 5: signature before claims — claim errors are not an oracle for forgers.
    for patch in [json!({"exp": NOW_S - 60}), json!({"sub": 1}), json!({"nbf": NOW_S + 60}), json!({"azp": "https://evil.example"}), json!({"aud": "nope"})] {
        let t = rs256(attacker(), &header(), &patched(claims("user_1"), patch));
        all_reject_with(json!({"authorizedParties": [APP], "audience": "aud-a"}), &t, "token-invalid-signature");
    }
}

// ===== azp / aud confusion (11.6, 11.7) =====

fn parties() -> Value {
    json!({"authorizedParties": [APP]})
}

#[test]
fn azp_not_in_authorized_parties() {
    all_reject_with(parties(), &timed("user_1", json!({"azp": "https://evil.example.com"})), "token-invalid-authorized-parties");
}

#[test]
fn azp_lookalikes_do_not_match() {
    for azp in [
        "https://app.example.com/",
        "http://app.example.com",
        "https://app.example.com:443",
        "https://APP.example.com",
        "https://app.example.com.evil.com",
        "https://app.example.co",
        " https://app.example.com",
        "app.example.com",
    ] {
        all_reject_with(parties(), &timed("user_1", json!({ "azp": azp })), "token-invalid-authorized-parties");
    }
    for azp in [json!(["https://app.example.com"]), json!({"url": APP}), json!(1), json!(true)] {
        all_reject_with(parties(), &timed("user_1", json!({ "azp": azp })), "token-invalid-authorized-parties");
    }
}

#[test]
fn azp_missing_is_rejected_by_default() {
    for azp in [json!("<remove>"), json!(""), json!(null)] {
        all_reject_with(parties(), &timed("user_1", json!({ "azp": azp })), "token-invalid-authorized-parties");
    }
}

#[test]
fn azp_missing_accepted_with_missing_azp_accept() {
    let o = json!({"authorizedParties": [APP], "missingAzp": "accept"});
    for m in MODES {
        let e = env(m, o.clone());
        e.accepts(&timed("user_noazp", json!({"azp": "<remove>"})), "user_noazp");
        // A present but wrong azp is still wrong.
        e.rejects(&timed("user_1", json!({"azp": "https://evil.example.com"})), "token-invalid-authorized-parties");
    }
    all_reject_with(json!({"authorizedParties": [APP], "missingAzp": "reject"}), &timed("user_1", json!({"azp": "<remove>"})), "token-invalid-authorized-parties");
}

#[test]
fn azp_unchecked_without_authorized_parties() {
    for m in MODES {
        let e = env(m, json!({}));
        e.accepts(&timed("user_any", json!({"azp": "https://evil.example.com"})), "user_any");
        e.accepts(&timed("user_any", json!({"azp": "<remove>"})), "user_any");
    }
}

#[test]
fn empty_string_party_does_not_admit_a_missing_azp() {
    // 11.7: ['', x] is a non-empty list: azp x passes, a missing azp fails.
    let o = json!({"authorizedParties": ["", APP]});
    for m in MODES {
        let e = env(m, o.clone());
        e.accepts(&timed("user_p", json!({})), "user_p");
        e.rejects(&timed("user_1", json!({"azp": "<remove>"})), "token-invalid-authorized-parties");
        e.rejects(&timed("user_1", json!({"azp": ""})), "token-invalid-authorized-parties");
    }
}

#[test]
fn aud_string_must_be_configured() {
    let o = json!({"audience": "aud-a"});
    for m in MODES {
        let e = env(m, o.clone());
        e.accepts(&timed("user_aud", json!({"aud": "aud-a"})), "user_aud");
        for aud in ["aud-b", "aud-ab", "aud", "AUD-A", " aud-a"] {
            e.rejects(&timed("user_1", json!({ "aud": aud })), "token-verification-failed");
        }
    }
}

#[test]
fn aud_array_must_intersect() {
    let o = json!({"audience": ["aud-a", "aud-b"]});
    for m in MODES {
        let e = env(m, o.clone());
        e.accepts(&timed("user_aud", json!({"aud": ["x", "aud-b"]})), "user_aud");
        e.rejects(&timed("user_1", json!({"aud": ["x", "y"]})), "token-verification-failed");
        e.rejects(&timed("user_1", json!({"aud": ["aud-ab"]})), "token-verification-failed");
    }
}

#[test]
fn aud_absent_or_empty_passes() {
    // 11.6: an empty `have` (missing, "", [], falsy entries only) passes, as does any
    // non-string/non-array shape (e.g. a number or a mixed array).
    let o = json!({"audience": "aud-a"});
    for m in MODES {
        let e = env(m, o.clone());
        for aud in [json!("<remove>"), json!(""), json!([]), json!(["", null]), json!(7), json!(["aud-z", 1])] {
            e.accepts(&timed("user_aud", json!({ "aud": aud })), "user_aud");
        }
    }
}

#[test]
fn aud_token_without_configured_audience_passes() {
    for m in MODES {
        env(m, json!({})).accepts(&timed("user_aud", json!({"aud": "whatever"})), "user_aud");
        env(m, json!({"audience": ["", ""]})).accepts(&timed("user_aud", json!({"aud": "whatever"})), "user_aud");
    }
}

// ===== wrong token classes on the session path (6 step 1, 7 step 12, 2.5) =====

fn class_mismatch(token: &str, extra: Value) {
    for m in MODES {
        let e = env(m, extra.clone());
        e.rejects(token, "token-type-mismatch");
        assert_eq!(e.hits(), 0, "the class check precedes any key resolution");
    }
}

#[test]
fn template_jwt_is_not_a_session_token() {
    let h = patched(header(), json!({"cat": "cl_B7d4PD222AAA"}));
    class_mismatch(&rs256(instance(), &h, &patched(claims("user_1"), json!({"sid": "<remove>"}))), json!({}));
    class_mismatch(&rs256(instance(), &h, &claims("user_1")), json!({}));
}

#[test]
fn m2m_category_jwt_is_not_a_session_token() {
    let h = patched(header(), json!({"cat": "cl_B7d4PD333AAA"}));
    class_mismatch(&rs256(instance(), &h, &json!({"sub": "mch_2abc", "exp": NOW_S + 60, "iat": NOW_S - 10})), json!({}));
    // Even with a user subject: the category alone decides.
    class_mismatch(&rs256(instance(), &h, &claims("user_1")), json!({}));
}

#[test]
fn m2m_subject_jwt_is_not_a_session_token() {
    class_mismatch(&rs256(instance(), &header(), &json!({"sub": "mch_2abc", "exp": NOW_S + 60, "iat": NOW_S - 10, "sid": "sess_x"})), json!({}));
}

#[test]
fn oauth_access_token_jwt_is_not_a_session_token() {
    for typ in ["at+jwt", "application/at+jwt"] {
        let h = json!({"alg": "RS256", "kid": instance().kid, "typ": typ});
        class_mismatch(&rs256(instance(), &h, &patched(claims("user_1"), json!({"client_id": "client_1", "scope": "read"}))), json!({}));
    }
}

#[test]
fn unknown_or_non_string_category_is_not_a_session_token() {
    for cat in [json!("cl_B7d4PD999ZZZ"), json!(""), json!(111), json!(null), json!(["cl_B7d4PD111AAA"])] {
        let h = patched(header(), json!({ "cat": cat }));
        class_mismatch(&rs256(instance(), &h, &claims("user_1")), json!({}));
    }
}

#[test]
fn session_and_ignore_categories_are_session_tokens() {
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        all_accept(&rs256(instance(), &patched(header(), json!({ "cat": cat })), &claims("user_cat")), "user_cat");
    }
}

#[test]
fn template_jwt_rejected_by_list_and_any_too() {
    // 12.4: the reference accepts templates on these paths; the spec recommends the section-6
    // check there as well, and the port applies it.
    let h = patched(header(), json!({"cat": "cl_B7d4PD222AAA"}));
    let t = rs256(instance(), &h, &claims("user_1"));
    class_mismatch(&t, json!({"acceptsToken": "any"}));
    class_mismatch(&t, json!({"acceptsToken": ["session_token"]}));
    class_mismatch(&t, json!({"acceptsToken": ["session_token", "api_key"]}));
}

#[test]
fn machine_jwts_never_become_session_auth() {
    // With a list that only admits session tokens, an M2M JWT fails the pre-filter (5.3);
    // with `any` it is verified as a machine token — never as a session.
    let m2m = rs256(instance(), &header(), &json!({"sub": "mch_2abc", "exp": NOW_S + 60, "iat": NOW_S - 10}));
    let oauth = rs256(instance(), &json!({"alg": "RS256", "kid": instance().kid, "typ": "at+jwt"}), &claims("user_1"));
    for m in MODES {
        let e = env(m, json!({"acceptsToken": ["session_token"]}));
        for t in [&m2m, &oauth] {
            let st = e.run(&bearer_req(t), NOW_MS);
            assert_eq!(st.status, AuthStatus::SignedOut, "{}", describe(&st));
            assert_eq!(st.reason.as_deref(), Some("token-type-mismatch"));
        }
        let e = env(m, json!({"acceptsToken": "any"}));
        for t in [&m2m, &oauth] {
            let st = e.run(&bearer_req(t), NOW_MS);
            assert!(signed_in_session(&st).is_none(), "{m:?}: a machine JWT became a session: {}", describe(&st));
            assert_ne!(st.token_type, Some(clerkauth::TokenType::SessionToken), "{}", describe(&st));
        }
    }
}

// ===== token splicing =====

#[test]
fn payload_swapped_between_genuine_tokens() {
    let (h1, _, s1) = split3(&legit("user_victim"));
    let (_, p2, _) = split3(&legit("user_attacker"));
    all_reject(&format!("{h1}.{p2}.{s1}"), "token-invalid-signature");
}

#[test]
fn truncated_or_extended_signature() {
    let (h, p, s) = split3(&legit("user_1"));
    let sig = URL_SAFE_NO_PAD.decode(&s).unwrap();
    for bad in [&sig[..255], &sig[1..], &[sig.as_slice(), &[0u8]].concat()[..], &[][..], &[0u8; 256][..]] {
        all_reject(&format!("{h}.{p}.{}", b64(bad)), "token-invalid-signature");
    }
    let mut flipped = sig.clone();
    flipped[100] ^= 1;
    all_reject(&format!("{h}.{p}.{}", b64(&flipped)), "token-invalid-signature");
}

#[test]
fn header_swapped_to_claim_another_category_breaks_the_signature() {
    // Re-labelling a template token as a session token changes the signed header bytes.
    let t = rs256(instance(), &patched(header(), json!({"cat": "cl_B7d4PD222AAA"})), &claims("user_1"));
    let (_, p, s) = split3(&t);
    let h = b64(patched(header(), json!({"cat": "cl_B7d4PD111AAA"})).to_string());
    all_reject(&format!("{h}.{p}.{s}"), "token-invalid-signature");
}

// ===== the verified-token cache (verifiedTokenCacheSize) must not launder anything =====

fn cached(mode: Keys) -> Env {
    env(mode, json!({"verifiedTokenCacheSize": 1000}))
}

#[test]
fn cache_does_not_launder_a_spliced_payload() {
    // Same signature (the cache hashes the token's tail) and same length: only the payload
    // differs. The cached verification of the genuine token must not apply.
    let (h, _, s) = split3(&legit("user_victim"));
    let (_, p2, _) = split3(&legit("user_attack"));
    for m in MODES {
        let e = cached(m);
        e.accepts(&legit("user_victim"), "user_victim");
        let t = rs256(instance(), &header(), &claims("user_victim"));
        e.accepts(&t, "user_victim");
        let (th, _, ts) = split3(&t);
        let spliced = format!("{th}.{p2}.{ts}");
        assert_eq!(spliced.len(), t.len());
        e.rejects(&spliced, "token-invalid-signature");
        e.rejects(&format!("{h}.{p2}.{s}"), "token-invalid-signature");
        // And the genuine one is still fine afterwards.
        e.accepts(&t, "user_victim");
    }
}

#[test]
fn cache_still_checks_time_and_parties_per_request() {
    let t = legit("user_c");
    for m in MODES {
        let e = cached(m);
        e.accepts(&t, "user_c");
        e.rejects_at(&t, EXPIRED, at_s(NOW_S + 65));
        let st = e.auth.authenticate_with(&bearer_req(&t), &Options::from_json(&json!({"authorizedParties": ["https://other.example"]})).unwrap(), Some(NOW_MS)).unwrap();
        assert_eq!(st.reason.as_deref(), Some("token-invalid-authorized-parties"), "{}", describe(&st));
        e.accepts(&t, "user_c");
    }
}

#[test]
fn cache_does_not_carry_a_verification_over_to_another_key() {
    // Verified (and cached) with the instance PEM; a call that configures another PEM must
    // verify again, and fail.
    let t = legit("user_k");
    let e = cached(Keys::Pem);
    e.accepts(&t, "user_k");
    let other = Options::from_json(&json!({"jwtKey": attacker().pem})).unwrap();
    for req in [bearer_req(&t), cookie_req(&t, false)] {
        let st = e.auth.authenticate_with(&req, &other, Some(NOW_MS)).unwrap();
        assert_eq!(st.status, AuthStatus::SignedOut, "{}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
    }
}

// ===== carrier confusion (5.1, 3.4, 3.5) =====

#[test]
fn header_token_decides_even_with_a_genuine_cookie() {
    let forged = rs256(attacker(), &header(), &claims("user_admin"));
    for m in MODES {
        let e = env(m, json!({}));
        let req = cookie_req(&legit("user_cookie"), false).header("authorization", format!("Bearer {forged}"));
        let st = e.run(&req, NOW_MS);
        assert_eq!(st.status, AuthStatus::SignedOut, "{}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
        // The other way round: the genuine header token, a forged cookie.
        let req = cookie_req(&forged, false).header("authorization", format!("Bearer {}", legit("user_header")));
        let st = e.run(&req, NOW_MS);
        assert_eq!(signed_in_session(&st).map(|s| s.user_id().to_string()), Some("user_header".to_string()), "{}", describe(&st));
    }
}

#[test]
fn repeated_authorization_headers_do_not_pick_a_token() {
    // Joined as "Bearer <forged>, Bearer <legit>": the token is "<forged>," (3.5) → undecodable.
    let forged = rs256(attacker(), &header(), &claims("user_admin"));
    for m in MODES {
        let e = env(m, json!({}));
        let req = Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {forged}")).header("authorization", format!("Bearer {}", legit("user_1")));
        let st = e.run(&req, NOW_MS);
        assert_eq!(st.status, AuthStatus::SignedOut, "{}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some("token-invalid"));
    }
}

#[test]
fn first_session_cookie_wins() {
    let forged = rs256(attacker(), &header(), &claims("user_admin"));
    for m in MODES {
        let e = env(m, json!({}));
        let req = |first: &str, second: &str| {
            Request::new("GET", format!("{APP}/dashboard")).header("cookie", format!("__session={first}; __client_uat=1; __clerk_db_jwt=dvb_x; __session={second}")).header("sec-fetch-dest", "empty")
        };
        let st = e.run(&req(&forged, &legit("user_1")), NOW_MS);
        assert_eq!(st.status, AuthStatus::SignedOut, "{}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
        let st = e.run(&req(&legit("user_first"), &forged), NOW_MS);
        assert_eq!(signed_in_session(&st).map(|s| s.user_id().to_string()), Some("user_first".to_string()), "{}", describe(&st));
    }
}

// ===== handshake JWTs (9.3, 9.4b, 9.5): a forged one never yields a session =====

fn handshake_req(hs: &str) -> Request {
    Request::new("GET", format!("{APP}/dashboard")).header("cookie", format!("__clerk_handshake={hs}; __clerk_db_jwt=dvb_hs")).header("sec-fetch-dest", "empty")
}

fn handshake_payload(session: &str) -> Value {
    json!({"handshake": [format!("__session={session}; Path=/; Secure; SameSite=Lax"), "__client_uat=1767225500; Path=/"]})
}

fn dev_handshake_error(e: &Env, hs: &str) -> String {
    match e.auth.authenticate_with(&handshake_req(hs), &Options::default(), Some(NOW_MS)) {
        Err(err) => {
            assert_eq!(err.code(), clerkauth::ErrorCode::HandshakeVerificationFailed, "{err:?}");
            err.to_string()
        }
        Ok(st) => panic!("{:?}: a failing development handshake token must reject the call (9.5), got {}", e.mode, describe(&st)),
    }
}

#[test]
fn control_genuine_handshake_with_a_genuine_session_signs_in() {
    let hs = rs256(instance(), &header(), &handshake_payload(&legit("user_hs")));
    for m in MODES {
        let st = env(m, json!({})).run(&handshake_req(&hs), NOW_MS);
        assert_eq!(signed_in_session(&st).map(|s| s.user_id().to_string()), Some("user_hs".to_string()), "{m:?}: {}", describe(&st));
    }
}

#[test]
fn forged_handshake_token_on_development_rejects_the_call() {
    // 9.5: reason token-invalid-signature → the dedicated message.
    let hs = rs256(attacker(), &header(), &handshake_payload(&rs256(attacker(), &header(), &claims("user_admin"))));
    for m in MODES {
        let msg = dev_handshake_error(&env(m, json!({})), &hs);
        assert!(msg.contains("invalid signature"), "{msg}");
    }
}

#[test]
fn alg_none_and_hmac_handshake_tokens_on_development_reject_the_call() {
    let payload = handshake_payload(&legit("user_1"));
    let none = with_sig(&json!({"alg": "none", "kid": instance().kid, "typ": "JWT"}), &payload, b"");
    let hh = json!({"alg": "HS256", "kid": instance().kid, "typ": "JWT"});
    let input = format!("{}.{}", b64(hh.to_string()), b64(payload.to_string()));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, instance().pem.as_bytes()), input.as_bytes());
    let hmac_token = format!("{input}.{}", b64(tag.as_ref()));
    for m in MODES {
        let e = env(m, json!({}));
        for hs in [&none, &hmac_token] {
            let msg = dev_handshake_error(&e, hs);
            assert!(msg.contains("Invalid JWT algorithm"), "{msg}");
        }
    }
}

#[test]
fn template_category_handshake_token_on_development_rejects_the_call() {
    // 9.4b step 4: non-session category → token-invalid "Invalid handshake token category."
    let hs = rs256(instance(), &patched(header(), json!({"cat": "cl_B7d4PD222AAA"})), &handshake_payload(&legit("user_1")));
    for m in MODES {
        let msg = dev_handshake_error(&env(m, json!({})), &hs);
        assert!(msg.contains("Invalid handshake token category"), "{msg}");
    }
}

#[test]
fn forged_handshake_token_on_production_is_ignored() {
    // 9.5: production only logs and continues with the cookie flow (7 step 1), which has no
    // session cookie here.
    let live = json!({"publishableKey": format!("pk_live_{}", STANDARD.encode(format!("{FAPI}$")))});
    let hs = rs256(attacker(), &header(), &handshake_payload(&rs256(attacker(), &header(), &claims("user_admin"))));
    for m in MODES {
        let st = env(m, live.clone()).run(&handshake_req(&hs), NOW_MS);
        assert_eq!(st.status, AuthStatus::SignedOut, "{m:?}: {}", describe(&st));
        assert_eq!(st.reason.as_deref(), Some("session-token-and-uat-missing"));
        assert!(st.headers.iter().all(|(n, _)| n != "set-cookie"), "directives of a failed resolution are discarded");
    }
}

#[test]
fn genuine_handshake_carrying_a_forged_session_token_is_not_a_session() {
    // 9.3 step 6: the session token inside is verified like any other; its failure is a plain
    // error, logged, and the cookie flow continues (on development too).
    for session in [rs256(attacker(), &header(), &claims("user_admin")), with_sig(&json!({"alg": "none"}), &claims("user_admin"), b""), legit("user_1").replace('.', "")] {
        let hs = rs256(instance(), &header(), &handshake_payload(&session));
        for m in MODES {
            let st = env(m, json!({})).run(&handshake_req(&hs), NOW_MS);
            assert_eq!(st.status, AuthStatus::SignedOut, "{m:?}: {}", describe(&st));
            assert_eq!(st.reason.as_deref(), Some("session-token-and-uat-missing"), "{m:?}: {}", describe(&st));
        }
    }
}

// ===== a key removed from the JWKS (11.5: TTL, merge on refetch) =====

/// The key the instance rotates to.
fn successor() -> &'static RsaKey {
    static K: OnceLock<RsaKey> = OnceLock::new();
    K.get_or_init(|| RsaKey::generate("ins_2AttackSuiteSuccessorKey01"))
}

fn token_at(key: &RsaKey, user: &str, now_s: i64) -> String {
    rs256(key, &json!({"alg": "RS256", "kid": key.kid, "typ": "JWT"}), &patched(claims(user), json!({"iat": now_s - 10, "nbf": now_s - 15, "exp": now_s + 60})))
}

/// A JWKS env whose Backend API switches from the instance key to its successor on demand.
fn rotating_env() -> (Env, Arc<std::sync::atomic::AtomicBool>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let rotated = Arc::new(AtomicBool::new(false));
    let r = rotated.clone();
    let (before, after) = (instance().jwks(), successor().jwks());
    let server = Server::start(move |_, target| match target {
        "/v1/jwks" if r.load(Ordering::SeqCst) => Reply::json(200, after.clone()),
        "/v1/jwks" => Reply::json(200, before.clone()),
        _ => Reply::json(404, json!({})),
    });
    let o = Options::from_json(&json!({"secretKey": "sk_test_attacksuite0000000000000000000000", "publishableKey": publishable_key(), "apiUrl": server.url()})).unwrap();
    let auth = Authenticator::builder(o).jwks_policy(JwksPolicy { retry: RetryPolicy { attempts: 1, base_delay: Duration::ZERO }, ..JwksPolicy::default() }).build().unwrap();
    (Env { auth, server: Some(server), mode: Keys::Jwks }, rotated)
}

#[test]
fn removed_key_stops_verifying_once_the_expired_cache_is_refreshed() {
    let (e, rotated) = rotating_env();
    e.accepts_at(&token_at(instance(), "user_r", NOW_S), "user_r", NOW_MS);
    rotated.store(true, std::sync::atomic::Ordering::SeqCst);
    // Within the 300 s TTL the cached key is used without a fetch (11.5).
    let t = NOW_S + 299;
    e.accepts_at(&token_at(instance(), "user_r", t), "user_r", at_s(t));
    assert_eq!(e.hits(), 1);
    // Past it, a request with a cached kid is served the stale key at once while a background
    // refresh runs (deliberate deviation, README "Hardened JWKS"): the removed key verifies
    // until that refresh lands.
    let t = NOW_S + 301;
    assert_eq!(e.run(&bearer_req(&token_at(instance(), "user_r", t)), at_s(t)).status, AuthStatus::SignedIn);
    // The successor's kid is not cached: its request waits for that refresh (or finds it
    // landed), which replaced the expired scope's keys: the removed key is unknown.
    e.accepts_at(&token_at(successor(), "user_s", t), "user_s", at_s(t));
    e.rejects_at(&token_at(instance(), "user_r", t), "jwk-kid-mismatch", at_s(t));
    assert_eq!(e.hits(), 2);
}

#[test]
fn removed_key_is_not_kept_alive_by_refetches_for_unknown_kids() {
    // The reference *merges* a refetch into the cached keys and resets lastUpdatedAt, so a key
    // removed from the JWKS would stay trusted as long as a made-up kid triggers a refetch
    // within each TTL. Here a successful fetch replaces the key set: the removed key stops
    // verifying at the first refetch (deliberate deviation, README "Hardened JWKS").
    let (e, rotated) = rotating_env();
    e.accepts_at(&token_at(instance(), "user_r", NOW_S), "user_r", NOW_MS);
    rotated.store(true, std::sync::atomic::Ordering::SeqCst);
    let t = NOW_S + 200;
    e.rejects_at(&hostile_kid_token(json!("ins_made_up"), attacker()), "jwk-kid-mismatch", at_s(t));
    let t = NOW_S + 201;
    e.rejects_at(&token_at(instance(), "user_r", t), "jwk-kid-mismatch", at_s(t));
    assert_eq!(e.hits(), 2);
}
