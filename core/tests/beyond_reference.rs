//! This project's additions: organization from the URL (WebSocket mismatch, onMismatch),
//! per-tab sessions, the azp policy and the decision trace.

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthObject, AuthStatus, Authenticator, HasCheck, Options, Request, SyncOutcome};
use serde_json::json;

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn instance() -> DevInstance {
    DevInstance::generate("beyond-ref-5.clerk.accounts.dev")
}

fn authenticator(dev: &DevInstance, extra: serde_json::Value) -> Authenticator {
    let mut o = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key});
    if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

fn acme_token(dev: &DevInstance) -> String {
    dev.session_token("user_1", "sess_1", NOW_S - 10, APP, json!({"fea": "o:posts", "o": {"id": "org_acme", "slg": "acme", "rol": "admin", "per": "read,edit", "fpm": "3"}}))
}

fn websocket(path: &str, token: &str) -> Request {
    // A browser WebSocket upgrade: no sec-fetch-dest: document, no Accept: text/html.
    Request::new("GET", format!("{APP}{path}"))
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-version", "13")
        .header("cookie", format!("__session={token}; __client_uat={}; __clerk_db_jwt=dvb_1", NOW_S - 100))
}

fn org_opts(on_mismatch: &str) -> serde_json::Value {
    json!({"organizationSyncOptions": {"organizationPatterns": ["/api/websocket/:id"], "onMismatch": on_mismatch}, "explain": true})
}

#[test]
fn websocket_for_the_active_org_reports_active() {
    let dev = instance();
    let auth = authenticator(&dev, org_opts("signed-out"));
    let st = auth.authenticate_with(&websocket("/api/websocket/org_acme", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    assert_eq!(st.organization_sync.unwrap().outcome, SyncOutcome::Active);
}

#[test]
fn websocket_org_mismatch_keep_active_is_reported() {
    let dev = instance();
    let auth = authenticator(&dev, org_opts("keep-active"));
    let st = auth.authenticate_with(&websocket("/api/websocket/org_globex", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn, "reference behaviour by default");
    let sync = st.organization_sync.clone().unwrap();
    assert_eq!(sync.outcome, SyncOutcome::Mismatch);
    assert_eq!(sync.active_org_id.as_deref(), Some("org_acme"));
    let trace = st.trace.unwrap().render();
    assert!(trace.contains("no handshake possible"), "{trace}");
    assert!(trace.contains("onMismatch"), "{trace}");
}

#[test]
fn websocket_org_mismatch_signed_out_when_strict() {
    let dev = instance();
    let auth = authenticator(&dev, org_opts("signed-out"));
    let st = auth.authenticate_with(&websocket("/api/websocket/org_globex", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("organization-mismatch"));
    assert!(!st.has(&HasCheck::role("org:admin")), "org checks never answer for the wrong org");
}

#[test]
fn document_navigation_still_handshakes() {
    let dev = instance();
    let auth = authenticator(&dev, org_opts("signed-out"));
    let req = websocket("/api/websocket/org_globex", &acme_token(&dev)).header("sec-fetch-dest", "document");
    let st = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::Handshake);
    assert_eq!(st.organization_sync.clone().unwrap().outcome, SyncOutcome::Handshake);
    assert!(st.header("location").unwrap().contains("organization_id=org_globex"));
}

fn membership_server() -> Server {
    Server::start(|method, target| {
        assert_eq!(method, "GET");
        // The organization's memberships filtered by the user (one request per lookup).
        let Some(org) = target.strip_prefix("/v1/organizations/").and_then(|t| t.strip_suffix("/memberships?user_id=user_1")) else {
            return Reply::json(404, json!({"errors": [{"code": "resource_not_found"}]}));
        };
        let data = match org {
            "org_globex" | "globex" => vec![
                json!({"object": "organization_membership", "role": "org:member", "permissions": ["org:posts:read"], "organization": {"id": "org_globex", "slug": "globex"}, "public_user_data": {"user_id": "user_1"}}),
            ],
            _ => vec![],
        };
        Reply::json(200, json!({"data": data, "total_count": data.len()}))
    })
}

#[test]
fn resolve_membership_scopes_the_auth_object_without_switching() {
    let dev = instance();
    let server = membership_server();
    let mut opts = org_opts("resolve-membership");
    opts["apiUrl"] = json!(server.url());
    let auth = authenticator(&dev, opts);
    let req = websocket("/api/websocket/org_globex", &acme_token(&dev));
    let st = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    assert_eq!(st.organization_sync.as_ref().unwrap().outcome, SyncOutcome::Membership);
    let Some(AuthObject::SignedIn(s)) = st.to_auth() else { panic!("signed in") };
    assert_eq!(s.org_id_str(), Some("org_globex"));
    assert!(st.has(&HasCheck::role("org:member")));
    assert!(!st.has(&HasCheck::role("org:admin")), "the acme role does not leak into globex");
    assert!(st.has(&HasCheck::permission("org:posts:read")));
    assert!(!st.has(&HasCheck::permission("org:posts:edit")));
    assert_eq!(s.session_claims().map()["o"]["id"], "org_acme", "the session's active org is unchanged");
    // Cached: a second request makes no Backend API call.
    let before = server.count();
    auth.authenticate_with(&req, &Options::default(), Some(NOW_MS + 1000.0)).unwrap();
    assert_eq!(server.count(), before);
    // Not a member.
    let st = auth.authenticate_with(&websocket("/api/websocket/org_initech", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.reason.as_deref(), Some("organization-not-member"));
    assert_eq!(st.organization_sync.unwrap().outcome, SyncOutcome::NotMember);
}

#[test]
fn membership_lookup_failure_is_its_own_reason() {
    let dev = instance();
    let server = Server::start(|_, _| Reply::json(500, json!({"errors": [{"code": "unexpected_error"}]})));
    let mut opts = org_opts("resolve-membership");
    opts["apiUrl"] = json!(server.url());
    let auth = authenticator(&dev, opts);
    let st = auth.authenticate_with(&websocket("/api/websocket/org_globex", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("organization-membership-lookup-failed"));
}

#[test]
fn tab_token_required_never_falls_back_to_the_cookie() {
    let dev = instance();
    let auth = authenticator(&dev, json!({"requireTabToken": "x-clerk-auth-required"}));
    let token = acme_token(&dev);
    let base = Request::new("GET", format!("{APP}/api/data")).header("cookie", format!("__session={token}; __client_uat={}; __clerk_db_jwt=d", NOW_S - 100));
    let st = auth.authenticate_with(&base.clone().header("x-clerk-auth-required", "1"), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("tab-token-required"));
    // Without the header the cookie is used (reference behaviour).
    let st = auth.authenticate_with(&base.clone(), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    // With the tab's own token it is signed in.
    let st = auth.authenticate_with(&base.header("x-clerk-auth-required", "1").header("authorization", format!("Bearer {token}")), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
}

#[test]
fn expected_session_and_user_must_match_the_token() {
    let dev = instance();
    let auth = authenticator(&dev, json!({"expectedSessionHeader": "x-clerk-session-id", "expectedUserHeader": "x-clerk-user-id"}));
    let token = acme_token(&dev);
    let req = |sid: &str, uid: &str| Request::new("POST", format!("{APP}/api")).header("authorization", format!("Bearer {token}")).header("x-clerk-session-id", sid).header("x-clerk-user-id", uid);
    let ok = auth.authenticate_with(&req("sess_1", "user_1"), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(ok.status, AuthStatus::SignedIn);
    for (sid, uid) in [("sess_other", "user_1"), ("sess_1", "user_other")] {
        let st = auth.authenticate_with(&req(sid, uid), &Options::default(), Some(NOW_MS)).unwrap();
        assert_eq!(st.status, AuthStatus::SignedOut);
        assert_eq!(st.reason.as_deref(), Some("session-mismatch"));
        assert_eq!(st.token, None);
    }
}

#[test]
fn azp_policy_for_tokens_without_azp() {
    let dev = instance();
    let no_azp = dev.sign(serde_json::Map::new(), &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW_S + 60, "iat": NOW_S - 5}));
    let req = Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {no_azp}"));
    let reject = authenticator(&dev, json!({"authorizedParties": [APP]}));
    assert_eq!(reject.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap().reason.as_deref(), Some("token-invalid-authorized-parties"));
    let accept = authenticator(&dev, json!({"authorizedParties": [APP], "missingAzp": "accept"}));
    assert_eq!(accept.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap().status, AuthStatus::SignedIn);
    // A wrong azp is still rejected under "accept".
    let wrong = dev.session_token("user_1", "sess_1", NOW_S - 10, "https://evil.example", json!({}));
    let req = Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {wrong}"));
    assert_eq!(accept.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap().reason.as_deref(), Some("token-invalid-authorized-parties"));
}

#[test]
fn trace_is_absent_unless_asked() {
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let st = auth.authenticate_with(&websocket("/x", &acme_token(&dev)), &Options::default(), Some(NOW_MS)).unwrap();
    assert!(st.trace.is_none());
    assert!(st.to_json().get("trace").is_none());
}

#[test]
fn per_call_pattern_sets_are_kept_apart() {
    // Hosts such as the Node drop-in pass organizationSyncOptions on every call; each distinct
    // pattern set is compiled once and must never be confused with another.
    let dev = instance();
    let auth = authenticator(&dev, json!({}));
    let ws = |on: &str| Options::from_json(&json!({"organizationSyncOptions": {"organizationPatterns": [on], "onMismatch": "signed-out"}})).unwrap();
    let (by_ws, by_team) = (ws("/api/websocket/:id"), ws("/teams/:id"));
    let token = acme_token(&dev);
    for round in 0..3 {
        let st = auth.authenticate_with(&websocket("/api/websocket/org_globex", &token), &by_ws, Some(NOW_MS)).unwrap();
        assert_eq!(st.reason.as_deref(), Some("organization-mismatch"), "round {round}");
        let st = auth.authenticate_with(&websocket("/api/websocket/org_globex", &token), &by_team, Some(NOW_MS)).unwrap();
        assert_eq!(st.status, AuthStatus::SignedIn, "round {round}: /teams/:id does not name this path");
        assert!(st.organization_sync.is_none());
        let st = auth.authenticate_with(&websocket("/teams/org_globex", &token), &by_team, Some(NOW_MS)).unwrap();
        assert_eq!(st.reason.as_deref(), Some("organization-mismatch"), "round {round}");
        let st = auth.authenticate_with(&websocket("/teams/org_globex", &token), &Options::default(), Some(NOW_MS)).unwrap();
        assert_eq!(st.status, AuthStatus::SignedIn, "round {round}: no patterns, no org sync");
    }
}

#[test]
fn oversized_pattern_regex_is_a_configuration_error() {
    let dev = instance();
    let huge = Options::from_json(&json!({"organizationSyncOptions": {"organizationPatterns": ["/:a(\\w{999})"]}})).unwrap();
    let err = Authenticator::new(huge.clone().with_secret_key(dev.secret_key.clone())).unwrap_err();
    assert_eq!(err.code(), clerkauth::ErrorCode::InvalidOrganizationPattern);
    let auth = authenticator(&dev, json!({}));
    let err = auth.authenticate_with(&websocket("/x", &acme_token(&dev)), &huge, Some(NOW_MS)).unwrap_err();
    assert_eq!(err.code(), clerkauth::ErrorCode::InvalidOrganizationPattern);
}
