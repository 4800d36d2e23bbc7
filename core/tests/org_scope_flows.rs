//! Organization from the URL on every flow that signs a session in: Bearer (with and without a
//! WebSocket upgrade), the any/list header flow, refresh and handshake resolution, each under
//! every `onMismatch` mode; machine tokens untouched; scoped objects never answer `has()` from
//! the token's own organization.

use clerkauth::devinstance::DevInstance;
use clerkauth::keys::cookie_suffix;
use clerkauth::{AuthObject, AuthStatus, Authenticator, HasCheck, Options, Request, RequestState, SyncOutcome};
use serde_json::{json, Map, Value};

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";
const GLOBEX_WS: &str = "/api/websocket/org_globex";

fn instance() -> DevInstance {
    DevInstance::generate("org-scope-7.clerk.accounts.dev")
}

/// A session whose active organization is acme, with org- and user-scoped entitlements.
fn acme_token(dev: &DevInstance, iat: i64) -> String {
    dev.session_token(
        "user_1",
        "sess_1",
        iat,
        APP,
        json!({"fea": "o:chat,u:dashboard,uo:support", "pla": "o:pro,u:free", "o": {"id": "org_acme", "slg": "acme", "rol": "admin", "per": "read,edit", "fpm": "3,3"}}),
    )
}

/// Answers membership lookups (globex: member; anything else: none), refreshes and JWKS.
fn backend(dev: &DevInstance, refreshed: String) -> Server {
    let jwks = dev.jwks();
    Server::start(move |method, target| {
        if let Some(org) = target.strip_prefix("/v1/organizations/").and_then(|t| t.strip_suffix("/memberships?user_id=user_1")) {
            let data = if org == "org_globex" || org == "globex" {
                json!([{"object": "organization_membership", "role": "org:member", "permissions": ["org:posts:read"],
                        "organization": {"id": "org_globex", "slug": "globex"}, "public_user_data": {"user_id": "user_1"}}])
            } else {
                json!([])
            };
            let total = data.as_array().map_or(0, Vec::len);
            Reply::json(200, json!({"data": data, "total_count": total}))
        } else if method == "POST" && target.starts_with("/v1/sessions/sess_1/refresh") {
            Reply::json(200, json!({"cookies": [format!("__session={refreshed}; Path=/"), format!("__client_uat={}; Path=/", NOW_S - 300)]}))
        } else if target.starts_with("/v1/jwks") {
            Reply::json(200, jwks.clone())
        } else {
            Reply::json(404, json!({"errors": [{"code": "resource_not_found"}]}))
        }
    })
}

fn authenticator(dev: &DevInstance, server: &Server, on_mismatch: &str, extra: Value) -> Authenticator {
    let mut o = json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "apiUrl": server.url(),
        "organizationSyncOptions": {"organizationPatterns": ["/api/websocket/:id", "/orgs/:slug/(.*)"], "personalAccountPatterns": ["/me/(.*)"], "onMismatch": on_mismatch},
    });
    if let (Some(o), Value::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

fn bearer(path: &str, token: &str) -> Request {
    Request::new("GET", format!("{APP}{path}")).header("authorization", format!("Bearer {token}"))
}

fn upgrade(r: Request) -> Request {
    r.header("upgrade", "websocket").header("connection", "Upgrade").header("sec-websocket-version", "13")
}

fn run(auth: &Authenticator, req: &Request) -> RequestState {
    auth.authenticate_with(req, &Options::default(), Some(NOW_MS)).unwrap()
}

fn outcome(st: &RequestState) -> Option<SyncOutcome> {
    st.organization_sync.as_ref().map(|s| s.outcome)
}

fn org_of(st: &RequestState) -> Option<String> {
    match st.to_auth() {
        Some(AuthObject::SignedIn(s)) => s.org_id_str().map(str::to_string),
        _ => None,
    }
}

/// The three `onMismatch` modes on one signed-in-as-acme request naming globex.
fn assert_every_mode(dev: &DevInstance, server: &Server, req: &Request, extra: Value, flow: &str) -> Vec<RequestState> {
    let keep = run(&authenticator(dev, server, "keep-active", extra.clone()), req);
    assert_eq!(keep.status, AuthStatus::SignedIn, "{flow}: keep-active stays signed in");
    assert_eq!(outcome(&keep), Some(SyncOutcome::Mismatch), "{flow}: the mismatch is reported");
    assert_eq!(keep.organization_sync.as_ref().unwrap().active_org_id.as_deref(), Some("org_acme"), "{flow}");
    assert_eq!(org_of(&keep).as_deref(), Some("org_acme"), "{flow}");

    let out = run(&authenticator(dev, server, "signed-out", extra.clone()), req);
    assert_eq!(out.status, AuthStatus::SignedOut, "{flow}: signed-out mode");
    assert_eq!(out.reason.as_deref(), Some("organization-mismatch"), "{flow}");
    assert_eq!(outcome(&out), Some(SyncOutcome::Mismatch), "{flow}");
    assert!(!out.has(&HasCheck::role("org:admin")), "{flow}: never answers for the wrong org");
    assert_eq!(out.token, None, "{flow}");

    let member = run(&authenticator(dev, server, "resolve-membership", extra), req);
    assert_eq!(member.status, AuthStatus::SignedIn, "{flow}: resolve-membership");
    assert_eq!(outcome(&member), Some(SyncOutcome::Membership), "{flow}");
    assert_eq!(org_of(&member).as_deref(), Some("org_globex"), "{flow}: scoped to the URL's org");
    assert!(member.has(&HasCheck::role("org:member")) && !member.has(&HasCheck::role("org:admin")), "{flow}");
    vec![keep, out, member]
}

#[test]
fn bearer_with_and_without_websocket_upgrade_every_mode() {
    let dev = instance();
    let server = backend(&dev, String::new());
    let token = acme_token(&dev, NOW_S - 10);
    assert_every_mode(&dev, &server, &upgrade(bearer(GLOBEX_WS, &token)), json!({}), "Bearer + Upgrade");
    assert_every_mode(&dev, &server, &bearer(GLOBEX_WS, &token), json!({}), "Bearer fetch");
    // A Bearer request can never be handshaken, even when it looks like a navigation.
    let nav = bearer(GLOBEX_WS, &token).header("sec-fetch-dest", "document").header("accept", "text/html");
    assert_every_mode(&dev, &server, &nav, json!({}), "Bearer document");
    // The token's own organization: active, whatever the mode.
    for mode in ["keep-active", "signed-out", "resolve-membership"] {
        let st = run(&authenticator(&dev, &server, mode, json!({})), &upgrade(bearer("/api/websocket/org_acme", &token)));
        assert_eq!((st.status, outcome(&st)), (AuthStatus::SignedIn, Some(SyncOutcome::Active)), "{mode}");
        let st = run(&authenticator(&dev, &server, mode, json!({})), &bearer("/orgs/acme/settings", &token));
        assert_eq!((st.status, outcome(&st)), (AuthStatus::SignedIn, Some(SyncOutcome::Active)), "{mode}: by slug");
    }
    // No pattern matches: nothing reported.
    let st = run(&authenticator(&dev, &server, "signed-out", json!({})), &bearer("/api/other", &token));
    assert_eq!((st.status, outcome(&st)), (AuthStatus::SignedIn, None));
}

#[test]
fn any_and_list_header_flows_every_mode() {
    let dev = instance();
    let server = backend(&dev, String::new());
    let token = acme_token(&dev, NOW_S - 10);
    for accepts in [json!("any"), json!(["session_token", "api_key"])] {
        let flow = format!("acceptsToken {accepts}");
        assert_every_mode(&dev, &server, &upgrade(bearer(GLOBEX_WS, &token)), json!({"acceptsToken": accepts}), &flow);
    }
}

#[test]
fn machine_tokens_are_not_organization_scoped() {
    let dev = instance();
    let server = backend(&dev, String::new());
    let m2m = dev.sign(Map::new(), &json!({"sub": "mch_1", "exp": NOW_S + 60, "iat": NOW_S - 5, "jti": "mt_1"}));
    for accepts in [json!("m2m_token"), json!("any")] {
        let st = run(&authenticator(&dev, &server, "signed-out", json!({"acceptsToken": accepts})), &bearer(GLOBEX_WS, &m2m));
        assert_eq!(st.status, AuthStatus::SignedIn, "{accepts}");
        assert_eq!(outcome(&st), None, "{accepts}");
    }
}

#[test]
fn refreshed_session_every_mode_keeps_the_refresh_cookies() {
    let dev = instance();
    let fresh = acme_token(&dev, NOW_S - 5);
    let server = backend(&dev, fresh.clone());
    // Expired cookie token (issued after client_uat, so no iat handshake), a suffixed refresh cookie.
    let expired = acme_token(&dev, NOW_S - 200);
    let cookie = format!("__session={expired}; __client_uat={}; __clerk_db_jwt=dvb_1; __refresh_{}=rt_1", NOW_S - 300, cookie_suffix(&dev.publishable_key));
    let req = upgrade(Request::new("GET", format!("{APP}{GLOBEX_WS}")).header("cookie", cookie));
    let states = assert_every_mode(&dev, &server, &req, json!({}), "refresh");
    for st in &states {
        let set: Vec<_> = st.headers.iter().filter(|(n, _)| n == "set-cookie").collect();
        assert_eq!(set.len(), 2, "the refreshed cookies reach the browser whatever the outcome: {:?}", st.headers);
    }
    assert_eq!(states[0].token.as_deref(), Some(fresh.as_str()));
}

#[test]
fn handshake_resolution_every_mode_keeps_the_handshake_cookies() {
    let dev = instance();
    let server = backend(&dev, String::new());
    let session = acme_token(&dev, NOW_S - 5);
    let hs = dev.sign(Map::new(), &json!({"handshake": [format!("__session={session}; Path=/; Secure; SameSite=Lax"), format!("__client_uat={}; Path=/", NOW_S - 5)]}));
    let req = upgrade(Request::new("GET", format!("{APP}{GLOBEX_WS}")).header("cookie", format!("__clerk_handshake={hs}; __clerk_db_jwt=dvb_hs")));
    for st in assert_every_mode(&dev, &server, &req, json!({}), "handshake resolution") {
        assert!(st.headers.iter().any(|(n, v)| n == "set-cookie" && v.starts_with("__session=")), "{:?}", st.headers);
        assert!(st.header("location").is_some(), "the development redirect stays: {:?}", st.headers);
    }
}

#[test]
fn scoped_objects_never_answer_from_the_tokens_organization() {
    let dev = instance();
    let server = backend(&dev, String::new());
    let token = acme_token(&dev, NOW_S - 10);
    // Unscoped (the token's own org): every entitlement answers.
    let own = run(&authenticator(&dev, &server, "resolve-membership", json!({})), &bearer("/api/websocket/org_acme", &token));
    for check in [HasCheck::feature("org:chat"), HasCheck::feature("chat"), HasCheck::plan("org:pro"), HasCheck::plan("pro"), HasCheck::role("org:admin"), HasCheck::permission("org:chat:edit")] {
        assert!(own.has(&check), "own org: {check:?}");
    }
    // Scoped to globex by membership, and to the personal account.
    let globex = run(&authenticator(&dev, &server, "resolve-membership", json!({})), &bearer(GLOBEX_WS, &token));
    let personal = run(&authenticator(&dev, &server, "resolve-membership", json!({})), &bearer("/me/settings", &token));
    assert_eq!(outcome(&personal), Some(SyncOutcome::Membership));
    assert_eq!(org_of(&personal), None);
    for (name, st) in [("globex", &globex), ("personal", &personal)] {
        for check in [
            HasCheck::feature("org:chat"),
            HasCheck::feature("chat"),
            HasCheck::plan("org:pro"),
            HasCheck::plan("pro"),
            HasCheck::feature("org:support"),
            HasCheck::role("org:admin"),
            HasCheck::permission("org:chat:edit"),
        ] {
            assert!(!st.has(&check), "{name}: the token's org entitlement {check:?} must not answer");
        }
        // User-scoped entitlements (u:, and the user half of uo:) still answer.
        for check in
            [HasCheck::feature("user:dashboard"), HasCheck::feature("dashboard"), HasCheck::feature("user:support"), HasCheck::feature("support"), HasCheck::plan("user:free"), HasCheck::plan("free")]
        {
            assert!(st.has(&check), "{name}: user entitlement {check:?}");
        }
    }
    // Roles and permissions come from the membership only.
    assert!(globex.has(&HasCheck::permission("org:posts:read")));
    assert!(!globex.has(&HasCheck::permission("org:posts:edit")));
}
