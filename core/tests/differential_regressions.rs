//! Differences from @clerk/backend 3.25.0 found by the live differential test
//! (`bindings-node/test/differential.test.mjs`), each pinned here with what the reference does.
//! The seed and case index that first showed each one are in the test's comment
//! (`DIFF_SEED=<seed> DIFF_ONLY=<index> node --test test/differential.test.mjs` reruns it).

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthStatus, Authenticator, ErrorCode, Options, Request, TokenType};
use serde_json::{json, Map, Value};

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn instance() -> DevInstance {
    DevInstance::generate("diff-regress-3.clerk.accounts.dev")
}

fn authenticator(dev: &DevInstance, extra: Value) -> Authenticator {
    let mut o = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key});
    o.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

fn bearer(token: &str) -> Request {
    Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {token}"))
}

/// `toAuth()` of a Bearer request with per-call `options`.
fn auth_json(auth: &Authenticator, token: &str, options: Value) -> (clerkauth::RequestState, Value) {
    let st = auth.authenticate_with(&bearer(token), &Options::from_json(&options).unwrap(), Some(NOW_MS)).unwrap();
    let json = st.to_auth().map(|a| a.to_json()).unwrap_or(Value::Null);
    (st, json)
}

fn m2m_jwt(dev: &DevInstance, extra: Value) -> String {
    let mut claims = json!({"sub": "mch_1", "jti": "mt_1", "exp": NOW_S + 60, "iat": NOW_S - 5, "nbf": NOW_S - 5});
    claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let mut header = Map::new();
    header.insert("cat".into(), json!("cl_B7d4PD333AAA"));
    dev.sign(header, &claims)
}

fn oauth_jwt(dev: &DevInstance, extra: Value) -> String {
    let mut claims = json!({"sub": "user_1", "jti": "oat_1", "client_id": "client_1", "exp": NOW_S + 60, "iat": NOW_S - 5, "nbf": NOW_S - 5});
    claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let mut header = Map::new();
    header.insert("typ".into(), json!("at+jwt"));
    dev.sign(header, &claims)
}

/// DIFF_SEED=2 case 1993 (and 9 more in seeds 2-13): `audience: [["a"], "b"]` is `[["a"], "b"]`
/// to the reference (`[v].flat()` only unwraps the outer list), so a token with `aud: "a"` is
/// refused; clerkauth flattened the inner list and accepted it. An entry that is a list now
/// is an invalid-option error, like any other non-string entry (README).
#[test]
fn a_list_inside_the_audience_or_issuer_list_is_an_invalid_option() {
    for bad in [json!({"audience": [["https://api.example.com"], "https://other.example.com"]}), json!({"issuer": [["https://clerk.example.com"]]}), json!({"audience": ["a", 7]})] {
        let err = Options::from_json(&bad).expect_err(&bad.to_string());
        assert_eq!(err.code(), ErrorCode::InvalidOption, "{bad}");
    }
    // Falsy entries are dropped, as by the reference; strings stay.
    let o = Options::from_json(&json!({"audience": ["", null, false, "a"], "issuer": "https://clerk.example.com"})).unwrap();
    assert_eq!(o.audience_list(), vec!["a".to_string()]);
    assert_eq!(o.issuer_list(), vec!["https://clerk.example.com".to_string()]);
}
