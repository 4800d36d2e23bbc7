//! The no-network path (`authenticate_without_network`): it decides whatever needs no Backend
//! API exactly as `authenticate_with` does, and otherwise answers `None` having sent nothing,
//! waited for nothing and cached nothing. (Every conformance vector is also run both ways by
//! `clerkauth vectors run` and cli/tests/conformance.rs.)

use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use clerkauth::devinstance::DevInstance;
use clerkauth::keys::cookie_suffix;
use clerkauth::{AuthStatus, Authenticator, Options, Request, RequestState};
use serde_json::{json, Value};

mod support;
use support::{Gate, Reply, Routes, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn authenticator(extra: Value) -> Authenticator {
    Authenticator::new(Options::from_json(&extra).unwrap()).unwrap()
}

fn keys(dev: &DevInstance, api: &str) -> Value {
    json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "apiUrl": api})
}

fn bearer(dev: &DevInstance) -> Request {
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({}));
    Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {token}"))
}

fn no_network(auth: &Authenticator, req: &Request) -> Option<RequestState> {
    auth.authenticate_without_network(req, &Options::default(), Some(NOW_MS)).unwrap()
}

fn normal(auth: &Authenticator, req: &Request) -> RequestState {
    auth.authenticate_with(req, &Options::default(), Some(NOW_MS)).unwrap()
}

/// The parts of a state a host reads.
fn same(a: &RequestState, b: &RequestState) {
    assert_eq!((a.status, &a.reason, &a.message, &a.headers, a.token_type), (b.status, &b.reason, &b.message, &b.headers, b.token_type));
    assert_eq!(a.to_auth().map(|x| x.to_json()), b.to_auth().map(|x| x.to_json()));
}

fn jwks_server(dev: &DevInstance) -> Server {
    Server::routes(Routes::new().reply("GET", "/v1/jwks", Reply::json(200, dev.jwks())).fallback(|_| Reply::json(404, json!({}))))
}

#[test]
fn a_networkless_key_decides_on_the_no_network_path() {
    let dev = DevInstance::generate("nn-1.clerk.accounts.dev");
    let server = jwks_server(&dev);
    let mut o = keys(&dev, server.url());
    o["jwtKey"] = json!(dev.jwt_key);
    let auth = authenticator(o);
    for req in [bearer(&dev), Request::new("GET", format!("{APP}/")), Request::new("GET", format!("{APP}/api")).header("authorization", "Bearer garbage")] {
        let fast = no_network(&auth, &req).expect("decided without the network");
        same(&fast, &normal(&auth, &req));
    }
    assert_eq!(no_network(&auth, &bearer(&dev)).unwrap().status, AuthStatus::SignedIn);
    assert_eq!(server.count(), 0);
}

#[test]
fn a_cold_jwks_needs_the_network_and_a_warm_one_does_not() {
    let dev = DevInstance::generate("nn-2.clerk.accounts.dev");
    let server = jwks_server(&dev);
    let auth = authenticator(keys(&dev, server.url()));
    let req = bearer(&dev);
    assert!(no_network(&auth, &req).is_none());
    assert_eq!(server.count(), 0, "nothing sent on the no-network path");
    let slow = normal(&auth, &req);
    assert_eq!(slow.status, AuthStatus::SignedIn);
    assert_eq!(server.count(), 1);
    same(&no_network(&auth, &req).expect("warm keys"), &slow);
    assert_eq!(server.count(), 1);
    // skipJwksCache always fetches: never decided without the network.
    let skip = Options::from_json(&json!({"skipJwksCache": true})).unwrap();
    assert!(auth.authenticate_without_network(&req, &skip, Some(NOW_MS)).unwrap().is_none());
    assert_eq!(server.count(), 1);
}

#[test]
fn a_refused_fetch_leaves_no_failure_behind() {
    // A Backend API that fails: had the no-network path counted a failed fetch, the backoff
    // would answer the next normal call at once without a request.
    let dev = DevInstance::generate("nn-3.clerk.accounts.dev");
    let server = Server::start(|_, _| Reply::json(503, json!({"errors": [{"code": "unexpected_error"}]})));
    let auth = authenticator(keys(&dev, server.url()));
    for _ in 0..3 {
        assert!(no_network(&auth, &bearer(&dev)).is_none());
    }
    assert_eq!(server.count(), 0);
    assert_ne!(normal(&auth, &bearer(&dev)).status, AuthStatus::SignedIn);
    assert!(server.count() >= 1, "the normal call fetched");
}

#[test]
fn it_never_waits_for_a_fetch_in_flight() {
    let dev = DevInstance::generate("nn-4.clerk.accounts.dev");
    let gate = Arc::new(Gate::default());
    let (jwks, held) = (dev.jwks(), gate.clone());
    let server = Server::start(move |_, _| {
        held.wait();
        Reply::json(200, jwks.clone())
    });
    let auth = Arc::new(authenticator(keys(&dev, server.url())));
    let (a, req) = (auth.clone(), bearer(&dev));
    let (started, fetching) = mpsc::channel();
    let waiter = thread::spawn(move || {
        started.send(()).unwrap();
        normal(&a, &req).status
    });
    fetching.recv().unwrap();
    while server.count() == 0 {
        thread::yield_now();
    }
    // The fetch is held open by the gate: waiting for it here would never return.
    assert!(no_network(&auth, &bearer(&dev)).is_none());
    gate.open();
    assert_eq!(waiter.join().unwrap(), AuthStatus::SignedIn);
    assert!(no_network(&auth, &bearer(&dev)).is_some());
}

#[test]
fn refresh_handshake_nonce_membership_and_opaque_machine_tokens_need_the_network() {
    let dev = DevInstance::generate("nn-5.clerk.accounts.dev");
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = log.clone();
    let membership = json!({"data": [{"role": "org:member", "permissions": [], "organization": {"id": "org_b", "slug": "b"}, "public_user_data": {"user_id": "user_1"}}], "total_count": 1});
    let server = Server::start(move |m, t| {
        seen.lock().unwrap().push(format!("{m} {t}"));
        if t.contains("/memberships") {
            Reply::json(200, membership.clone())
        } else {
            Reply::json(404, json!({"errors": [{"code": "resource_not_found", "message": "nope"}]}))
        }
    });
    let mut o = keys(&dev, server.url());
    o["jwtKey"] = json!(dev.jwt_key);
    o["organizationSyncOptions"] = json!({"organizationPatterns": ["/orgs/:id"], "onMismatch": "resolve-membership"});
    o["acceptsToken"] = json!("any");
    let auth = authenticator(o);
    let expired = dev.session_token("user_1", "sess_1", NOW_S - 600, APP, json!({}));
    let fresh = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({"o": {"id": "org_a", "slg": "a", "rol": "admin"}}));
    let requests = [
        Request::new("GET", format!("{APP}/api"))
            .header("cookie", format!("__session={expired}; __refresh_{}=rt_1; __client_uat={}; __clerk_db_jwt=dvb_1", cookie_suffix(&dev.publishable_key), NOW_S - 1000)),
        Request::new("GET", format!("{APP}/?__clerk_handshake_nonce=n_1")).header("sec-fetch-dest", "document"),
        Request::new("GET", format!("{APP}/orgs/org_b")).header("authorization", format!("Bearer {fresh}")),
        Request::new("GET", format!("{APP}/api")).header("authorization", "Bearer ak_0123456789abcdef"),
    ];
    for req in &requests {
        let st = no_network(&auth, req);
        assert!(st.is_none(), "{} {:?}", req.url, st.map(|s| (s.status, s.reason)));
    }
    assert!(log.lock().unwrap().is_empty(), "sent {:?}", log.lock().unwrap());
    for req in &requests {
        normal(&auth, req);
    }
    assert_eq!(log.lock().unwrap().len(), 4, "{:?}", log.lock().unwrap());
    // The membership answer is cached now: that request is decided without the network, the
    // same way.
    let cached = no_network(&auth, &requests[2]).expect("cached membership");
    same(&cached, &normal(&auth, &requests[2]));
    assert_eq!(cached.to_auth().unwrap().to_json()["orgId"], "org_b");
}

#[test]
fn log_lines_are_written_once_whichever_path_decides() {
    let dev = DevInstance::generate("nn-6.clerk.accounts.dev");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let server = jwks_server(&dev);
    let opts = Options::from_json(&keys(&dev, server.url())).unwrap();
    let auth = Authenticator::builder(opts).logger(Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string()))).build().unwrap();
    // A cookie token without `azp` logs a warning once per authenticator.
    let token = dev.sign(serde_json::Map::new(), &json!({"sub": "user_1", "sid": "sess_1", "iat": NOW_S - 5, "nbf": NOW_S - 5, "exp": NOW_S + 55, "iss": format!("https://{}", dev.frontend_api)}));
    let req = Request::new("GET", format!("{APP}/api")).header("cookie", format!("__session={token}; __client_uat={}; __clerk_db_jwt=dvb_1", NOW_S - 100));
    let warned = || lines.lock().unwrap().iter().filter(|l| l.contains("missing the azp claim")).count();
    let st = no_network(&auth, &req);
    assert!(st.is_none(), "cold JWKS {:?}", st.map(|s| (s.status, s.reason)));
    assert_eq!(warned(), 0, "held back: this attempt did not decide");
    assert_eq!(normal(&auth, &req).status, AuthStatus::SignedIn);
    assert_eq!(warned(), 1);
    assert!(no_network(&auth, &req).is_some(), "warm JWKS");
    assert_eq!(warned(), 1, "once per authenticator");

    let fresh = Authenticator::builder(Options::from_json(&json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key})).unwrap())
        .logger({
            let sink = lines.clone();
            Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string()))
        })
        .build()
        .unwrap();
    assert_eq!(no_network(&fresh, &req).unwrap().status, AuthStatus::SignedIn);
    assert_eq!(warned(), 2, "a decided no-network call writes its lines");
}
