//! Bad input never panics and never authenticates: malformed cookies, garbage tokens, huge
//! headers, odd URLs, wrong token classes.

use clerkauth::devinstance::DevInstance;
use clerkauth::{request_url, AuthStatus, Authenticator, ErrorCode, Options, Request, SyncOutcome, SyncTarget};
use serde_json::json;

mod support;
use support::{NOW_MS, NOW_S};

fn setup() -> (DevInstance, Authenticator) {
    let dev = DevInstance::generate("hostile-test-1.clerk.accounts.dev");
    let opts = Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_jwt_key(dev.jwt_key.clone());
    let auth = Authenticator::new(opts).unwrap();
    (dev, auth)
}

fn run(auth: &Authenticator, req: &Request) -> clerkauth::RequestState {
    auth.authenticate_with(req, &Options::default(), Some(NOW_MS)).expect("no error for request input")
}

#[test]
fn garbage_bearer_tokens_are_signed_out_with_a_reason() {
    let (_dev, auth) = setup();
    let long = "a".repeat(1 << 20);
    let cases = ["", "x", "a.b.c", "..", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.", "Bearer", "ak_", "mt_x.y.z", &long];
    for t in cases {
        let st = run(&auth, &Request::new("GET", "https://app.example.com/").header("authorization", format!("Bearer {t}")));
        assert_ne!(st.status, AuthStatus::SignedIn, "{t:.40}");
        assert!(!st.is_authenticated());
    }
}

#[test]
fn malformed_cookies_never_authenticate() {
    let (_dev, auth) = setup();
    for c in ["__session", "__session=", "__session=%", "__session=%E2%82; __client_uat=1", ";;;==;", "__client_uat=abc; __session=a.b.c", "__session=\u{0}; __client_uat=\u{ff}"] {
        let req = Request::new("GET", "https://app.example.com/").header("cookie", c).header("__clerk_db_jwt", "x").header("sec-fetch-dest", "empty");
        let st = run(&auth, &req);
        assert_ne!(st.status, AuthStatus::SignedIn, "{c}");
    }
}

#[test]
fn huge_headers_do_not_crash() {
    let (dev, auth) = setup();
    let big = "x".repeat(4 << 20);
    let token = dev.session_token("user_1", "sess_1", NOW_S - 10, "https://app.example.com", json!({}));
    let req = Request::new("GET", "https://app.example.com/").header("authorization", format!("Bearer {token}")).header("x-filler", big.clone()).header("cookie", format!("junk={big}"));
    let st = run(&auth, &req);
    assert_eq!(st.status, AuthStatus::SignedIn, "the valid token still wins");
}

#[test]
fn invalid_request_url_is_an_error_not_a_panic() {
    let (_dev, auth) = setup();
    let err = auth.authenticate_with(&Request::new("GET", "not a url"), &Options::default(), Some(NOW_MS)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
}

#[test]
fn lossy_utf8_and_control_characters_in_headers() {
    let (_dev, auth) = setup();
    let bad = String::from_utf8_lossy(&[0xff, 0xfe, b'a', 0x00, b'\r', b'\n']).into_owned();
    let req = Request::new("GET", "https://app.example.com/").header("authorization", bad.clone()).header("x-forwarded-host", bad.clone()).header("referer", bad);
    let st = run(&auth, &req);
    assert!(!st.is_authenticated());
}

#[test]
fn forged_forwarded_host_falls_back_to_the_request_url() {
    let (_dev, auth) = setup();
    let req = Request::new("GET", "https://app.example.com/path?x=1").header("x-forwarded-host", "evil.com/<script>").header("x-forwarded-proto", "https");
    let st = run(&auth, &req);
    assert!(!st.is_authenticated());
}

#[test]
fn token_from_another_key_is_rejected() {
    let (_dev, auth) = setup();
    let other = DevInstance::generate("other-app-2.clerk.accounts.dev");
    let token = other.session_token("user_1", "sess_1", NOW_S - 10, "https://app.example.com", json!({}));
    let st = run(&auth, &Request::new("POST", "https://app.example.com/api").header("authorization", format!("Bearer {token}")));
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("token-invalid-signature"));
}

#[test]
fn template_and_machine_jwts_are_not_session_tokens() {
    let (dev, auth) = setup();
    let mut header = serde_json::Map::new();
    header.insert("cat".into(), json!("cl_B7d4PD222AAA"));
    let template = dev.sign(header, &json!({"sub": "user_1", "exp": NOW_S + 60, "iat": NOW_S}));
    let m2m = dev.sign(serde_json::Map::new(), &json!({"sub": "mch_1", "exp": NOW_S + 60, "iat": NOW_S}));
    for t in [&template, &m2m] {
        for accepts in [json!("session_token"), json!("any")] {
            let o = Options { accepts_token: Some(accepts.clone()), ..Options::default() };
            let st = auth.authenticate_with(&Request::new("GET", "https://app.example.com/").header("authorization", format!("Bearer {t}")), &o, Some(NOW_MS)).unwrap();
            assert!(!matches!(st.to_auth(), Some(clerkauth::AuthObject::SignedIn(_))), "{accepts}");
        }
    }
}

#[test]
fn invalid_jwt_key_fails_closed() {
    let dev = DevInstance::generate("badkey-3.clerk.accounts.dev");
    let opts =
        Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_jwt_key("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----");
    let auth = Authenticator::new(opts).unwrap();
    let token = dev.session_token("user_1", "sess_1", NOW_S - 10, "https://a.example", json!({}));
    let st = run(&auth, &Request::new("GET", "https://a.example/").header("authorization", format!("Bearer {token}")));
    assert_eq!(st.reason.as_deref(), Some("token-verification-failed"));
}

#[test]
fn configuration_errors_have_stable_codes() {
    let req = Request::new("GET", "https://a.example/");
    let e = Authenticator::new(Options::default()).unwrap().authenticate(&req).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidPublishableKey);
    let dev = DevInstance::generate("cfg-4.clerk.accounts.dev");
    let e = Authenticator::new(Options::default().with_publishable_key(dev.publishable_key.clone())).unwrap().authenticate(&req).unwrap_err();
    assert_eq!(e.code(), ErrorCode::MissingSecretKey);
    let bad = Options::from_json(&json!({"organizationSyncOptions": {"organizationPatterns": ["/orgs/:id/***"]}, "publishableKey": dev.publishable_key, "secretKey": "sk"}));
    let e = bad.and_then(Authenticator::new).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidOrganizationPattern);
    assert_eq!(Options::from_json(&json!({"acceptsToken": "bogus"})).unwrap_err().code(), ErrorCode::InvalidOption);
}

#[test]
fn hostile_hosts_never_move_the_path_organization_patterns_match() {
    let (dev, _) = setup();
    let opts = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
        "organizationSyncOptions": {"organizationPatterns": ["/orgs/:slug"], "onMismatch": "signed-out"}});
    let auth = Authenticator::new(Options::from_json(&opts).unwrap()).unwrap();
    let token = dev.session_token("user_1", "sess_1", NOW_S - 10, "", json!({"o": {"id": "org_acme", "slg": "acme", "rol": "admin"}}));
    let signed_in = |url: &str| {
        Request::new("GET", url).header("host", "app.example.com").header("cookie", format!("__session={token}; __client_uat={}; __clerk_db_jwt=dvb_1", NOW_S - 20)).header("sec-fetch-dest", "empty")
    };
    let acme = SyncTarget::OrganizationSlug("acme".into());
    // A Host that is not host[:port] gives no URL at all (glued, these would give the paths "/" or "/orgs/other").
    for host in ["app.example.com#", "app.example.com/orgs/other?", "app.example.com\\orgs\\other?", "user@app.example.com"] {
        assert_eq!(request_url("https", host, "/orgs/acme").unwrap_err().code(), ErrorCode::InvalidRequest, "{host}");
    }
    // A forwarded host only ever replaces the origin, when it is one; the path stays the target's.
    let url = request_url("https", "app.example.com", "/orgs/acme").unwrap();
    for fwd in [
        "evil.example#",
        "evil.example#/orgs/other",
        "evil.example?",
        "evil.example/orgs/other",
        "evil.example\\orgs\\other",
        "u@evil.example",
        "evil example",
        "",
        "evil.example:99999",
        "bücher.example",
        "app.example.com/orgs/other, evil.example",
    ] {
        let st = run(&auth, &signed_in(&url).header("x-forwarded-host", fwd));
        assert_eq!(st.status, AuthStatus::SignedIn, "{fwd:?}: {:?}", st.reason);
        let sync = st.organization_sync.expect(fwd);
        assert_eq!((&sync.target, sync.outcome), (&acme, SyncOutcome::Active), "{fwd:?}");
    }
    // The target stays a path: "//evil.example/orgs/other" names no host and matches no pattern.
    let st = run(&auth, &signed_in(&request_url("https", "app.example.com", "//evil.example/orgs/other").unwrap()));
    assert_eq!(st.status, AuthStatus::SignedIn);
    assert!(st.organization_sync.is_none());
}
