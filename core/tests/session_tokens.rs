//! `getToken({ template, expiresInSeconds })`: session tokens from the Backend API
//! (`POST /v1/sessions/{sid}/tokens[/{template}]`), against a real loopback server.

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthObject, Authenticator, ErrorCode, Options, Request};
use serde_json::{json, Value};

mod support;
use support::{refused_url, Received, Reply, Server, NOW_MS, NOW_S};

const GOOD_KEY: &str = "sk_test_session_tokens_good";

/// A Backend API that mints `jwt-for:<target>` for the good secret key, answers 401 to any
/// other key, and 404 (template not found) for the template `missing`. `calls()` is what it
/// saw.
fn bapi() -> Server {
    Server::start_full(|r: &Received| {
        if r.header("authorization") != Some(&format!("Bearer {GOOD_KEY}")) {
            return Reply::json(401, json!({"errors": [{"code": "authentication_invalid", "message": "Invalid secret key"}]}));
        }
        if r.method != "POST" || !r.target.contains("/sessions/") {
            return Reply::json(405, json!({"errors": [{"code": "unexpected", "message": "unexpected route"}]}));
        }
        if r.target.ends_with("/tokens/missing") {
            return Reply::json(404, json!({"errors": [{"code": "resource_not_found", "message": "JWT template not found"}]}));
        }
        Reply::json(200, json!({"object": "token", "jwt": format!("jwt-for:{}", r.target)}))
    })
}

fn authenticator(api_url: &str, secret_key: &str) -> Authenticator {
    Authenticator::new(Options::default().with_secret_key(secret_key).with_api_url(api_url)).unwrap()
}

#[test]
fn template_token_is_the_jwt_of_the_backend_api_answer() {
    let server = bapi();
    let auth = authenticator(server.url(), GOOD_KEY);
    let jwt = auth.session_token("sess_123", Some("supabase"), None, &Options::default()).unwrap();
    assert_eq!(jwt, "jwt-for:/v1/sessions/sess_123/tokens/supabase");
    let seen = server.calls();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("POST", "/v1/sessions/sess_123/tokens/supabase"));
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {GOOD_KEY}").as_str()));
    assert!(seen[0].body.is_empty(), "no body without expiresInSeconds: {:?}", String::from_utf8_lossy(&seen[0].body));
}

#[test]
fn expires_in_seconds_is_sent_as_the_body_and_no_template_means_a_session_token() {
    let server = bapi();
    let auth = authenticator(server.url(), GOOD_KEY);
    assert_eq!(auth.session_token("sess_1", Some("tpl"), Some(3600), &Options::default()).unwrap(), "jwt-for:/v1/sessions/sess_1/tokens/tpl");
    // The reference: an empty template name is no template.
    assert_eq!(auth.session_token("sess_1", Some(""), Some(60), &Options::default()).unwrap(), "jwt-for:/v1/sessions/sess_1/tokens");
    assert_eq!(auth.session_token("sess_1", None, None, &Options::default()).unwrap(), "jwt-for:/v1/sessions/sess_1/tokens");
    let bodies: Vec<Option<Value>> = server.calls().iter().map(|s| serde_json::from_slice(&s.body).ok()).collect();
    assert_eq!(bodies, vec![Some(json!({"expires_in_seconds": 3600})), Some(json!({"expires_in_seconds": 60})), None]);
}

#[test]
fn unknown_template_is_an_error_with_the_status_and_the_backend_api_message() {
    let server = bapi();
    let auth = authenticator(server.url(), GOOD_KEY);
    let e = auth.session_token("sess_1", Some("missing"), None, &Options::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unexpected);
    assert!(e.message().contains("404") && e.message().contains("JWT template not found") && e.message().contains("resource_not_found"), "{}", e.message());
    assert_eq!(server.count(), 1);
}

#[test]
fn bad_secret_key_is_an_error_and_a_per_call_secret_key_is_used() {
    let server = bapi();
    let auth = authenticator(server.url(), "sk_test_wrong");
    let e = auth.session_token("sess_1", Some("supabase"), None, &Options::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unexpected);
    assert!(e.message().contains("401") && e.message().contains("authentication_invalid"), "{}", e.message());
    assert!(!e.message().contains("sk_test_wrong"), "the secret key never appears in errors: {}", e.message());
    // The overrides the request was authenticated with apply (secretKey here).
    let jwt = auth.session_token("sess_1", Some("supabase"), None, &Options::default().with_secret_key(GOOD_KEY)).unwrap();
    assert_eq!(jwt, "jwt-for:/v1/sessions/sess_1/tokens/supabase");
    assert_eq!(server.calls().iter().map(|s| s.header("authorization").unwrap_or_default().to_string()).collect::<Vec<_>>(), vec!["Bearer sk_test_wrong".to_string(), format!("Bearer {GOOD_KEY}")]);
}

#[test]
fn unreachable_backend_api_is_an_error() {
    // A port that was just free: connection refused.
    let auth = authenticator(&refused_url(), GOOD_KEY);
    let e = auth.session_token("sess_1", Some("supabase"), None, &Options::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unexpected);
    assert!(e.message().contains("unreachable"), "{}", e.message());
}

#[test]
fn hostile_template_and_session_ids_stay_one_path_segment() {
    let server = bapi();
    let auth = authenticator(server.url(), GOOD_KEY);
    let cases = [
        ("sess_1", "../x", "/v1/sessions/sess_1/tokens/..%2Fx"),
        ("sess_1", "my template", "/v1/sessions/sess_1/tokens/my%20template"),
        ("sess_1", "../../users?limit=1#frag", "/v1/sessions/sess_1/tokens/..%2F..%2Fusers%3Flimit%3D1%23frag"),
        ("sess_1", "x\r\nHost: evil", "/v1/sessions/sess_1/tokens/x%0D%0AHost%3A%20evil"),
        ("sess_1", "ünï", "/v1/sessions/sess_1/tokens/%C3%BCn%C3%AF"),
        ("../../users/user_1", "tpl", "/v1/sessions/..%2F..%2Fusers%2Fuser_1/tokens/tpl"),
    ];
    for (sid, template, target) in cases {
        let jwt = auth.session_token(sid, Some(template), None, &Options::default()).unwrap();
        assert_eq!(jwt, format!("jwt-for:{target}"), "{sid} / {template}");
    }
    assert_eq!(server.calls().iter().map(|s| s.target.clone()).collect::<Vec<_>>(), cases.iter().map(|c| c.2.to_string()).collect::<Vec<_>>());
    // Dot segments and empty session ids are refused without a request (an empty template
    // name means none, see above).
    for (sid, template) in [("sess_1", ".."), ("sess_1", "."), ("..", "tpl"), ("", "tpl")] {
        let e = auth.session_token(sid, Some(template), None, &Options::default()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidRequest, "{sid:?} / {template:?}");
    }
    assert_eq!(server.count(), cases.len());
}

#[test]
fn missing_secret_key_and_bad_overrides_fail_before_any_request() {
    let server = bapi();
    let auth = Authenticator::new(Options::default().with_api_url(server.url())).unwrap();
    let e = auth.session_token("sess_1", Some("tpl"), None, &Options::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::MissingSecretKey);
    let bad = Options { missing_azp: Some("maybe".into()), ..Options::default() };
    assert_eq!(auth.session_token("sess_1", Some("tpl"), None, &bad).unwrap_err().code(), ErrorCode::InvalidOption);
    assert_eq!(server.count(), 0);
}

#[test]
fn api_url_path_and_api_version_are_honoured_and_a_reply_without_jwt_is_an_error() {
    let server = Server::start(|_, target| if target.contains("/nojwt/") { Reply::json(200, json!({"object": "token"})) } else { Reply::json(200, json!({"object": "token", "jwt": target})) });
    let auth = Authenticator::new(Options { api_version: Some("v9".into()), ..Options::default().with_secret_key(GOOD_KEY).with_api_url(format!("{}/base/", server.url())) }).unwrap();
    assert_eq!(auth.session_token("sess_1", Some("tpl"), None, &Options::default()).unwrap(), "/base/v9/sessions/sess_1/tokens/tpl");
    let e = auth.session_token("nojwt", Some("tpl"), None, &Options::default().with_api_url(format!("{}/nojwt/", server.url()))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unexpected);
    assert!(e.message().contains("no jwt"), "{}", e.message());
}

#[test]
fn signed_in_session_from_authenticate_gets_a_template_token() {
    let dev = DevInstance::generate("session-tokens-1.clerk.accounts.dev");
    let server = bapi();
    let auth = Authenticator::new(Options::from_json(&json!({"secretKey": GOOD_KEY, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "apiUrl": server.url()})).unwrap()).unwrap();
    let token = dev.session_token("user_1", "sess_e2e", NOW_S - 10, "", json!({}));
    let req = Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"));
    let state = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
    let Some(AuthObject::SignedIn(session)) = state.to_auth() else { panic!("not signed in: {:?}", state.reason) };
    let sid = session.session_id().unwrap();
    assert_eq!(auth.session_token(sid, Some("supabase"), None, &Options::default()).unwrap(), "jwt-for:/v1/sessions/sess_e2e/tokens/supabase");
    assert_eq!(server.count(), 1, "authentication itself was networkless (jwtKey)");
}
