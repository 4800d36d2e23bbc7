//! `verify_token` (a session JWT without a request), WebSocket upgrade tokens
//! (`Request::with_websocket_token`), and the lifetime of an answer for long-lived
//! connections (`valid_until_ms`, `continues`).

use clerkauth::devinstance::DevInstance;
use clerkauth::websocket::{upgrade_json, TokenSource, WebSocketTokenOptions};
use clerkauth::{lapse, verify_token_json, AuthStatus, Authenticator, Options, Request, RequestState};
use serde_json::{json, Value};

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

fn page_of(data: Vec<Value>) -> Reply {
    Reply::json(200, json!({"total_count": data.len(), "data": data}))
}

const APP: &str = "https://app.example.com";

fn instance() -> DevInstance {
    DevInstance::generate("sockets-3.clerk.accounts.dev")
}

fn authenticator(dev: &DevInstance, extra: Value) -> Authenticator {
    let mut o = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key});
    if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

fn token(dev: &DevInstance, user: &str, sid: &str, extra: Value) -> String {
    dev.session_token(user, sid, NOW_S - 10, APP, extra)
}

fn reason(auth: &Authenticator, token: &str, overrides: Value) -> String {
    let o = Options::from_json(&overrides).unwrap();
    match auth.verify_token(token, &o, Some(NOW_MS)).unwrap() {
        Ok(claims) => panic!("verified: {claims:?}"),
        Err(e) => e.reason,
    }
}

// ---- verify_token -------------------------------------------------------------------------

#[test]
fn verify_token_returns_the_claims_of_a_valid_token() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let claims = auth.verify_token(&token(&dev, "user_1", "sess_1", json!({})), &Options::default(), Some(NOW_MS)).unwrap().unwrap();
    assert_eq!(claims["sub"], "user_1");
    assert_eq!(claims["sid"], "sess_1");
    let j = verify_token_json(&auth, &token(&dev, "user_1", "sess_1", json!({})), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(j["claims"]["sub"], "user_1");
}

#[test]
fn verify_token_refuses_with_the_reference_reasons() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let t = token(&dev, "user_1", "sess_1", json!({}));
    // Expired: 10 minutes later, beyond the default 5 s skew.
    let late = auth.verify_token(&t, &Options::default(), Some(NOW_MS + 600_000.0)).unwrap().unwrap_err();
    assert_eq!(late.reason, "token-expired");
    // Another instance's key.
    let other = instance();
    assert_eq!(reason(&auth, &token(&other, "user_1", "sess_1", json!({})), json!({})), "token-invalid-signature");
    // A tampered payload.
    let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
    parts[1] = token(&dev, "user_2", "sess_1", json!({})).split('.').nth(1).unwrap().to_string();
    assert_eq!(reason(&auth, &parts.join("."), json!({})), "token-invalid-signature");
    // Garbage.
    assert_eq!(reason(&auth, "not.a.jwt", json!({})), "token-invalid");
    // authorizedParties, audience and issuer from the overrides.
    assert_eq!(reason(&auth, &t, json!({"authorizedParties": ["https://other.example.com"]})), "token-invalid-authorized-parties");
    // audience applies to a token that has an aud claim (the reference skips a token without one).
    let with_aud = token(&dev, "user_1", "sess_1", json!({"aud": "api://mine"}));
    assert_eq!(reason(&auth, &with_aud, json!({"audience": "api://x"})), "token-verification-failed");
    assert_eq!(reason(&auth, &t, json!({"issuer": "https://evil.example.com"})), "token-invalid-issuer");
}

#[test]
fn verify_token_options_are_merged_over_the_instance_options() {
    let dev = instance();
    let t = token(&dev, "user_1", "sess_1", json!({}));
    let strict = authenticator(&dev, json!({"authorizedParties": ["https://other.example.com"]}));
    assert_eq!(reason(&strict, &t, json!({})), "token-invalid-authorized-parties");
    let ok = strict.verify_token(&t, &Options::from_json(&json!({"authorizedParties": [APP]})).unwrap(), Some(NOW_MS)).unwrap();
    assert!(ok.is_ok(), "{ok:?}");
    // A misspelt option is a configuration error, not a silently ignored one.
    assert!(Options::from_json(&json!({"authorizedParty": [APP]})).is_err());
}

#[test]
fn verify_token_without_any_key_fails_closed() {
    let dev = instance();
    // No jwtKey, no secret key: nothing to verify with.
    let auth = Authenticator::new(Options::from_json(&json!({"publishableKey": dev.publishable_key})).unwrap()).unwrap();
    let j = verify_token_json(&auth, &token(&dev, "user_1", "sess_1", json!({})), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(j["ok"], false, "{j}");
    assert!(j["reason"].as_str().is_some_and(|r| !r.is_empty()), "{j}");
}

#[test]
fn verify_token_fetches_the_jwks_from_the_backend_api() {
    let dev = instance();
    let jwks = dev.jwks();
    let server = Server::start(move |_, target| if target.ends_with("/jwks") { Reply::json(200, jwks.clone()) } else { Reply::json(404, json!({})) });
    let auth = Authenticator::new(Options::from_json(&json!({"secretKey": dev.secret_key, "apiUrl": server.url()})).unwrap()).unwrap();
    let t = token(&dev, "user_1", "sess_1", json!({}));
    for _ in 0..3 {
        assert!(auth.verify_token(&t, &Options::default(), Some(NOW_MS)).unwrap().is_ok());
    }
    assert_eq!(server.count(), 1, "the JWKS is fetched once and cached");
}

// ---- WebSocket upgrade tokens -------------------------------------------------------------

fn upgrade(url: &str) -> Request {
    Request::new("GET", url).header("upgrade", "websocket").header("connection", "Upgrade").header("sec-websocket-version", "13")
}

fn authorization(r: &Request) -> Option<String> {
    r.header_value("authorization")
}

#[test]
fn a_subprotocol_token_becomes_the_bearer_and_the_app_protocol_is_selected() {
    let req = upgrade(&format!("{APP}/ws")).header("sec-websocket-protocol", "chat.v2, clerk.session.abc.def.ghi, chat.v1");
    let up = req.with_websocket_token(&WebSocketTokenOptions::default());
    assert_eq!(up.token_source, Some(TokenSource::Protocol));
    assert_eq!(authorization(&up.request).as_deref(), Some("Bearer abc.def.ghi"));
    assert_eq!(up.selected_protocol.as_deref(), Some("chat.v2"));
    assert_eq!(up.request.header_value("sec-websocket-protocol").as_deref(), Some("chat.v2, chat.v1"), "token entries are stripped");
}

#[test]
fn only_a_token_protocol_leaves_no_protocol_to_select() {
    let up = upgrade(&format!("{APP}/ws")).header("sec-websocket-protocol", "clerk.session.t1").with_websocket_token(&WebSocketTokenOptions::default());
    assert_eq!(authorization(&up.request).as_deref(), Some("Bearer t1"));
    assert_eq!(up.selected_protocol, None);
    assert_eq!(up.request.header_value("sec-websocket-protocol"), None);
}

#[test]
fn a_request_that_is_not_an_upgrade_is_untouched() {
    let req = Request::new("GET", format!("{APP}/ws?token=t1")).header("sec-websocket-protocol", "clerk.session.t1");
    let opts = WebSocketTokenOptions { query_param: Some("token".into()), ..Default::default() };
    let up = req.with_websocket_token(&opts);
    assert_eq!(up.request, req);
    assert_eq!(up.token_source, None);
}

#[test]
fn an_authorization_header_already_present_wins() {
    let req = upgrade(&format!("{APP}/ws")).header("authorization", "Bearer from-header").header("sec-websocket-protocol", "clerk.session.from-protocol");
    let up = req.with_websocket_token(&WebSocketTokenOptions::default());
    assert_eq!(up.token_source, None);
    assert_eq!(authorization(&up.request).as_deref(), Some("Bearer from-header"));
    assert_eq!(up.request.header_value("sec-websocket-protocol"), None, "the token protocol is still stripped");
}

#[test]
fn the_query_parameter_is_opt_in_and_stripped() {
    let req = upgrade(&format!("{APP}/ws?room=1&token=t9"));
    let off = req.with_websocket_token(&WebSocketTokenOptions::default());
    assert_eq!(off.token_source, None, "query tokens are off by default");
    assert_eq!(authorization(&off.request), None);
    let on = req.with_websocket_token(&WebSocketTokenOptions { query_param: Some("token".into()), ..Default::default() });
    assert_eq!(on.token_source, Some(TokenSource::Query));
    assert_eq!(authorization(&on.request).as_deref(), Some("Bearer t9"));
    assert_eq!(on.request.url, format!("{APP}/ws?room=1"));
    // The protocol comes first when both are offered.
    let both = req.clone().header("sec-websocket-protocol", "clerk.session.p1").with_websocket_token(&WebSocketTokenOptions { query_param: Some("token".into()), ..Default::default() });
    assert_eq!(both.token_source, Some(TokenSource::Protocol));
    assert_eq!(authorization(&both.request).as_deref(), Some("Bearer p1"));
    assert_eq!(both.request.url, format!("{APP}/ws?room=1"));
}

#[test]
fn upgrade_json_round_trips_and_rejects_unknown_options() {
    let r = json!({"method": "GET", "url": format!("{APP}/ws"), "headers": {"upgrade": "websocket", "sec-websocket-protocol": "clerk.session.t1, app"}});
    let j = upgrade_json(&r, &Value::Null).unwrap();
    assert_eq!(j["tokenSource"], "protocol");
    assert_eq!(j["selectedProtocol"], "app");
    assert!(upgrade_json(&r, &json!({"protocolPrefx": "x"})).is_err());
    assert!(upgrade_json(&r, &json!({"queryParam": ""})).is_err());
    let custom = upgrade_json(&r, &json!({"protocol_prefix": "clerk."})).unwrap();
    assert_eq!(custom["tokenSource"], "protocol", "snake_case names are accepted");
}

#[test]
fn a_protocol_token_authenticates_the_upgrade_per_tab_over_the_shared_cookie() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let tab = token(&dev, "user_tab", "sess_tab", json!({}));
    let shared = token(&dev, "user_cookie", "sess_cookie", json!({}));
    let req = upgrade(&format!("{APP}/ws"))
        .header("origin", APP)
        .header("cookie", format!("__session={shared}; __client_uat={}", NOW_S - 100))
        .header("sec-websocket-protocol", format!("clerk.session.{tab}"));
    let st = auth.authenticate_with(&req.with_websocket_token(&WebSocketTokenOptions::default()).request, &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    assert_eq!(st.to_json()["auth"]["userId"], "user_tab");
    // A forged protocol token fails closed: it does not fall back to the cookie.
    let forged = upgrade(&format!("{APP}/ws")).header("cookie", format!("__session={shared}; __client_uat={}", NOW_S - 100)).header("sec-websocket-protocol", "clerk.session.forged.token.value");
    let st = auth.authenticate_with(&forged.with_websocket_token(&WebSocketTokenOptions::default()).request, &Options::default(), Some(NOW_MS)).unwrap();
    assert_ne!(st.status, AuthStatus::SignedIn);
}

// ---- lifetime of an answer ----------------------------------------------------------------

fn bearer(auth: &Authenticator, t: &str) -> RequestState {
    auth.authenticate_with(&Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {t}")), &Options::default(), Some(NOW_MS)).unwrap()
}

#[test]
fn valid_until_is_the_token_expiry_and_none_when_signed_out() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let st = bearer(&auth, &token(&dev, "user_1", "sess_1", json!({})));
    assert_eq!(st.valid_until_ms(), Some(((NOW_S + 50) * 1000) as f64));
    assert_eq!(st.to_json()["validUntil"], json!(((NOW_S + 50) * 1000) as f64));
    let out = bearer(&auth, "garbage");
    assert_eq!(out.valid_until_ms(), None);
    assert_eq!(out.to_json()["validUntil"], Value::Null);
    assert_eq!(out.to_json()["redirectLocation"], Value::Null);
}

#[test]
fn a_membership_from_the_backend_api_bounds_the_answer() {
    let dev = instance();
    let server = Server::start(|_, target| {
        if target.contains("/organizations/org_globex/memberships") {
            page_of(vec![json!({"object": "organization_membership", "role": "org:member", "permissions": [],
                "organization": {"id": "org_globex", "slug": "globex"}, "public_user_data": {"user_id": "user_1"}})])
        } else {
            Reply::json(404, json!({"errors": [{"code": "resource_not_found"}]}))
        }
    });
    let auth = authenticator(
        &dev,
        json!({"apiUrl": server.url(), "membershipCacheTtlInMs": 20_000,
        "organizationSyncOptions": {"organizationPatterns": ["/ws/:id"], "onMismatch": "resolve-membership"}}),
    );
    let t = token(&dev, "user_1", "sess_1", json!({"exp": NOW_S + 3600, "o": {"id": "org_acme", "slg": "acme", "rol": "admin"}}));
    let req = Request::new("GET", format!("{APP}/ws/org_globex")).header("authorization", format!("Bearer {t}"));
    let st = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    assert_eq!(st.to_json()["auth"]["orgId"], "org_globex");
    assert_eq!(st.valid_until_ms(), Some(NOW_MS + 20_000.0), "the membership's cache entry ends before the token");
}

#[test]
fn continues_names_what_changed() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let a = bearer(&auth, &token(&dev, "user_1", "sess_1", json!({"o": {"id": "org_a", "slg": "a", "rol": "admin"}})));
    let same = bearer(&auth, &token(&dev, "user_1", "sess_1", json!({"o": {"id": "org_a", "slg": "a", "rol": "admin"}})));
    assert_eq!(same.continues(&a), Ok(()));
    let org = bearer(&auth, &token(&dev, "user_1", "sess_1", json!({"o": {"id": "org_b", "slg": "b", "rol": "admin"}})));
    assert_eq!(org.continues(&a), Err(lapse::ORGANIZATION_CHANGED));
    let sess = bearer(&auth, &token(&dev, "user_1", "sess_2", json!({"o": {"id": "org_a", "slg": "a", "rol": "admin"}})));
    assert_eq!(sess.continues(&a), Err(lapse::SESSION_CHANGED));
    let user = bearer(&auth, &token(&dev, "user_2", "sess_1", json!({})));
    assert_eq!(user.continues(&a), Err(lapse::USER_CHANGED));
    let out = bearer(&auth, "garbage");
    assert_eq!(out.continues(&a), Err(lapse::SIGNED_OUT));
    assert_eq!(a.continues(&out), Err(lapse::PRINCIPAL_CHANGED), "signed in now, not before: a new principal, not a continuation");
}
