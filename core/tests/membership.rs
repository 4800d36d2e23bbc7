//! `onMismatch: resolve-membership` lookups against a loopback Backend API: one request per
//! lookup (`GET /v1/organizations/{id or slug}/memberships?user_id=…`), cache keys that keep
//! ids and slugs apart, the TTL, single flight per key, and the failure reasons.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthObject, AuthStatus, Authenticator, Options, Request, RequestState, SyncOutcome};
use serde_json::{json, Value};

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn instance() -> DevInstance {
    DevInstance::generate("membership-7.clerk.accounts.dev")
}

/// An authenticator resolving memberships for `/ws/id/:id` and `/ws/slug/:slug` through
/// `server`, with `extra` options.
fn authenticator(dev: &DevInstance, server: &Server, extra: Value) -> Authenticator {
    let mut o = json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "apiUrl": server.url(),
        "organizationSyncOptions": {"organizationPatterns": ["/ws/id/:id", "/ws/slug/:slug"], "onMismatch": "resolve-membership"},
    });
    if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

/// A WebSocket upgrade to `path` by user_1, whose token (valid for an hour, to outlive a
/// cache entry) has org_acme as its active organization.
fn websocket(dev: &DevInstance, path: &str) -> Request {
    let token = dev.session_token("user_1", "sess_1", NOW_S - 10, APP, json!({"exp": NOW_S + 3600, "o": {"id": "org_acme", "slg": "acme", "rol": "admin"}}));
    Request::new("GET", format!("{APP}{path}"))
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("cookie", format!("__session={token}; __client_uat={}; __clerk_db_jwt=dvb_1", NOW_S - 100))
}

fn run(auth: &Authenticator, dev: &DevInstance, path: &str, now_ms: f64) -> RequestState {
    auth.authenticate_with(&websocket(dev, path), &Options::default(), Some(now_ms)).unwrap()
}

/// The organization the state's auth object is scoped to, when signed in.
fn scoped_org(st: &RequestState) -> Option<String> {
    match st.to_auth() {
        Some(AuthObject::SignedIn(s)) => s.org_id_str().map(str::to_string),
        _ => None,
    }
}

fn membership(org_id: &str, slug: &str, user_id: &str) -> Value {
    json!({"object": "organization_membership", "role": "org:member", "permissions": ["org:chat:read"],
           "organization": {"id": org_id, "slug": slug}, "public_user_data": {"user_id": user_id}})
}

fn page(data: Vec<Value>) -> Reply {
    Reply::json(200, json!({"total_count": data.len(), "data": data}))
}

/// A Backend API where user_1 is a member of org_globex (slug `globex`) and nothing else
/// exists but org_initech; every request target is logged.
fn backend(log: Arc<Mutex<Vec<String>>>) -> Server {
    Server::start(move |method, target| {
        log.lock().unwrap().push(format!("{method} {target}"));
        match target.strip_prefix("/v1/organizations/").and_then(|t| t.split_once("/memberships?user_id=")) {
            Some(("org_globex" | "globex", "user_1")) => page(vec![membership("org_globex", "globex", "user_1")]),
            Some(("org_initech", _)) => page(vec![]),
            _ => Reply::json(404, json!({"errors": [{"code": "resource_not_found", "message": "not found"}]})),
        }
    })
}

#[test]
fn one_request_per_lookup_on_the_organizations_memberships_filtered_by_user() {
    let (dev, log) = (instance(), Arc::new(Mutex::new(Vec::new())));
    let server = backend(log.clone());
    let auth = authenticator(&dev, &server, json!({}));
    let st = run(&auth, &dev, "/ws/id/org_globex", NOW_MS);
    assert_eq!(st.organization_sync.as_ref().unwrap().outcome, SyncOutcome::Membership);
    assert_eq!(scoped_org(&st).as_deref(), Some("org_globex"));
    let st = run(&auth, &dev, "/ws/slug/globex", NOW_MS);
    assert_eq!(scoped_org(&st).as_deref(), Some("org_globex"));
    assert_eq!(*log.lock().unwrap(), ["GET /v1/organizations/org_globex/memberships?user_id=user_1", "GET /v1/organizations/globex/memberships?user_id=user_1"]);
}

#[test]
fn an_id_and_a_slug_with_the_same_text_never_share_an_entry() {
    let dev = instance();
    // org_globex by id is user_1's organization; a slug reading "org_globex" names some other
    // organization (the answer's organization has slug "globex"), so it is not a member.
    for id_first in [true, false] {
        let server = backend(Arc::default());
        let auth = authenticator(&dev, &server, json!({}));
        let by_id = || run(&auth, &dev, "/ws/id/org_globex", NOW_MS);
        let by_slug = || run(&auth, &dev, "/ws/slug/org_globex", NOW_MS);
        let (id, slug) = if id_first {
            (by_id(), by_slug())
        } else {
            let s = by_slug();
            (by_id(), s)
        };
        assert_eq!(scoped_org(&id).as_deref(), Some("org_globex"), "id_first={id_first}");
        assert_eq!(slug.reason.as_deref(), Some("organization-not-member"), "id_first={id_first}");
        assert_eq!(server.count(), 2, "one lookup each");
        // Both are cached, each under its own key.
        assert_eq!(scoped_org(&by_id()).as_deref(), Some("org_globex"));
        assert_eq!(by_slug().reason.as_deref(), Some("organization-not-member"));
        assert_eq!(server.count(), 2);
    }
}

#[test]
fn answers_are_cached_for_the_ttl() {
    let dev = instance();
    let server = backend(Arc::default());
    let auth = authenticator(&dev, &server, json!({}));
    run(&auth, &dev, "/ws/id/org_globex", NOW_MS);
    run(&auth, &dev, "/ws/id/org_globex", NOW_MS + 59_999.0);
    assert_eq!(server.count(), 1, "within the default 60 s");
    run(&auth, &dev, "/ws/id/org_globex", NOW_MS + 60_000.0);
    assert_eq!(server.count(), 2, "expired");
    // Not-a-member answers are cached too.
    run(&auth, &dev, "/ws/id/org_initech", NOW_MS);
    assert_eq!(run(&auth, &dev, "/ws/id/org_initech", NOW_MS).reason.as_deref(), Some("organization-not-member"));
    assert_eq!(server.count(), 3);

    let server = backend(Arc::default());
    let auth = authenticator(&dev, &server, json!({"membershipCacheTtlInMs": 0}));
    for _ in 0..3 {
        assert_eq!(scoped_org(&run(&auth, &dev, "/ws/id/org_globex", NOW_MS)).as_deref(), Some("org_globex"));
    }
    assert_eq!(server.count(), 3, "TTL 0: every request looks up");
}

#[test]
fn a_burst_for_one_key_makes_one_request() {
    let dev = instance();
    let server = Server::start(|_, _| Reply { delay: Duration::from_millis(300), ..page(vec![membership("org_globex", "globex", "user_1")]) });
    let auth = authenticator(&dev, &server, json!({}));
    let barrier = Barrier::new(16);
    let states: Vec<RequestState> = thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    run(&auth, &dev, "/ws/id/org_globex", NOW_MS)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(states.iter().all(|st| scoped_org(st).as_deref() == Some("org_globex")));
    assert_eq!(server.count(), 1);
}

#[test]
fn a_lookup_in_flight_does_not_block_other_keys() {
    let dev = instance();
    let (arrived_tx, arrived) = mpsc::channel();
    let arrived_tx = Mutex::new(arrived_tx);
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let server_gate = gate.clone();
    let server = Server::start(move |_, target| {
        if target.contains("/org_slow/") {
            arrived_tx.lock().unwrap().send(()).unwrap();
            let (open, cv) = &*server_gate;
            // Bounded only so that a regression fails instead of hanging: the slow lookup
            // then answers 500 and its assertion below fails.
            let (open, _) = cv.wait_timeout_while(open.lock().unwrap(), Duration::from_secs(60), |open| !*open).unwrap();
            if !*open {
                return Reply::json(500, json!({"errors": [{"code": "unexpected_error"}]}));
            }
            return page(vec![membership("org_slow", "slow", "user_1")]);
        }
        page(vec![membership("org_globex", "globex", "user_1")])
    });
    let auth = authenticator(&dev, &server, json!({}));
    thread::scope(|s| {
        let slow = s.spawn(|| run(&auth, &dev, "/ws/id/org_slow", NOW_MS));
        arrived.recv().unwrap();
        // The slow lookup is in flight (held at the server); another key goes through.
        assert_eq!(scoped_org(&run(&auth, &dev, "/ws/id/org_globex", NOW_MS)).as_deref(), Some("org_globex"));
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        assert_eq!(scoped_org(&slow.join().unwrap()).as_deref(), Some("org_slow"));
    });
}

#[test]
fn not_a_member() {
    let dev = instance();
    // Another user's membership in the answer (a filter the server ignored) does not count.
    let server = Server::start(|_, target| match target {
        t if t.contains("/org_gone/") => Reply::json(404, json!({"errors": [{"code": "resource_not_found"}]})),
        _ => page(vec![membership("org_globex", "globex", "user_2")]),
    });
    let auth = authenticator(&dev, &server, json!({}));
    for path in ["/ws/id/org_globex", "/ws/id/org_gone", "/ws/slug/globex"] {
        let st = run(&auth, &dev, path, NOW_MS);
        assert_eq!(st.status, AuthStatus::SignedOut, "{path}");
        assert_eq!(st.reason.as_deref(), Some("organization-not-member"), "{path}");
        assert_eq!(st.organization_sync.unwrap().outcome, SyncOutcome::NotMember);
    }
}

#[test]
fn lookup_failures_are_their_own_reason_and_not_cached() {
    let dev = instance();
    let replies: [fn() -> Reply; 4] = [
        || Reply::json(500, json!({"errors": [{"code": "unexpected_error"}]})),
        || Reply::json(404, json!({"errors": [{"code": "some_other_thing"}]})),
        || Reply::json(200, json!({"total_count": 0})),
        || Reply { hang_up: true, ..Reply::default() },
    ];
    for (i, reply) in replies.into_iter().enumerate() {
        let server = Server::start(move |_, _| reply());
        let auth = authenticator(&dev, &server, json!({}));
        for n in 1..=2 {
            let st = run(&auth, &dev, "/ws/id/org_globex", NOW_MS);
            assert_eq!(st.status, AuthStatus::SignedOut, "reply {i}");
            assert_eq!(st.reason.as_deref(), Some("organization-membership-lookup-failed"), "reply {i}");
            assert!(server.count() >= n, "reply {i}: a failure is looked up again");
        }
    }
}
