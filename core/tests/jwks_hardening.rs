//! JWKS: single flight, stale keys served at once while one background refresh runs (a
//! hanging Backend API holds up no request that has usable keys), a backoff after failed
//! fetches, the unknown-kid rate limit (fresh or stale), a hard expiry, a distinct
//! "unreachable" reason and stalls bounded by the transport timeout.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::{Duration, Instant};

use clerkauth::devinstance::DevInstance;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::transport::HttpTransport;
use clerkauth::{AuthStatus, Authenticator, Options, Request, RequestState};
use serde_json::json;

mod support;
use support::{refused_url, Gate, Reply, Routes, Server, NOW_MS, NOW_S};

/// Deadlock guard for waits on the server (not a latency bound).
const WATCHDOG: Duration = Duration::from_secs(60);

fn fast_policy() -> JwksPolicy {
    JwksPolicy { retry: RetryPolicy { attempts: 2, base_delay: Duration::from_millis(1) }, ..JwksPolicy::default() }
}

/// One attempt per fetch, so the server's count is the number of fetches.
fn one_attempt() -> JwksPolicy {
    JwksPolicy { retry: RetryPolicy { attempts: 1, base_delay: Duration::ZERO }, ..JwksPolicy::default() }
}

fn options(dev: &DevInstance, server: &Server) -> Options {
    Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_api_url(server.url())
}

/// An authenticator whose transport gives up after 800 ms.
fn jwks_auth(dev: &DevInstance, server: &Server, policy: JwksPolicy) -> Authenticator {
    let transport = HttpTransport::new(Duration::from_millis(500), Duration::from_millis(800));
    Authenticator::builder(options(dev, server)).jwks_policy(policy).transport(Arc::new(transport)).build().unwrap()
}

/// An authenticator with the default transport (10 s timeout): it does not abandon a
/// connection the test's server holds while the test runs.
fn patient_auth(dev: &DevInstance, server: &Server, policy: JwksPolicy) -> Authenticator {
    Authenticator::builder(options(dev, server)).jwks_policy(policy).build().unwrap()
}

fn bearer(token: &str) -> Request {
    Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"))
}

fn at(auth: &Authenticator, token: &str, now_ms: f64) -> RequestState {
    auth.authenticate_with(&bearer(token), &Options::default(), Some(now_ms)).unwrap()
}

/// A token valid from `NOW_S - 5` until `NOW_S + valid_s`, whatever the JWKS cache's state.
fn long_lived(dev: &DevInstance, valid_s: i64) -> String {
    dev.sign(serde_json::Map::new(), &json!({"sub": "user_1", "sid": "sess_1", "iat": NOW_S - 5, "exp": NOW_S + valid_s}))
}

/// A token with an unknown kid, valid until `NOW_S + valid_s`.
fn unknown_kid(dev: &DevInstance, kid: &str, valid_s: i64) -> String {
    let mut h = serde_json::Map::new();
    h.insert("kid".into(), json!(kid));
    dev.sign(h, &json!({"sub": "user_1", "sid": "sess_1", "iat": NOW_S - 5, "exp": NOW_S + valid_s}))
}

/// Past the default 5-minute TTL, inside the 1-hour stale window.
const STALE_MS: f64 = NOW_MS + 301_000.0;

/// A JWKS server that answers the first request with `dev`'s keys and every later one with
/// `later` (status, body).
fn then_serves(dev: &DevInstance, later: impl Fn() -> Reply + Send + Sync + 'static) -> Server {
    let (jwks, served) = (dev.jwks(), AtomicUsize::new(0));
    Server::start(move |_, _| if served.fetch_add(1, Ordering::SeqCst) == 0 { Reply::json(200, jwks.clone()) } else { later() })
}

fn median_and_max(mut d: Vec<Duration>) -> (Duration, Duration) {
    d.sort();
    (d[d.len() / 2], d[d.len() - 1])
}

#[test]
fn warm_cache_makes_no_requests() {
    let dev = DevInstance::generate("jwks-a-1.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::start(move |_, _| Reply::json(200, jwks.clone()));
    let auth = jwks_auth(&dev, &server, fast_policy());
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    for i in 0..50 {
        let st = auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS + i as f64)).unwrap();
        assert_eq!(st.status, AuthStatus::SignedIn);
    }
    assert_eq!(server.count(), 1);
}

/// 16 cold requests against a server that holds the one fetch until the test opens the gate;
/// returns their states and the server's request count.
fn sixteen_cold_requests(dev: &DevInstance, answer: impl Fn() -> Reply + Send + Sync + 'static) -> (Vec<RequestState>, usize) {
    let gate = Arc::new(Gate::default());
    let (arrived, arrival) = mpsc::channel();
    let g = gate.clone();
    let server = Server::start(move |_, _| {
        arrived.send(()).ok();
        g.wait();
        answer()
    });
    let auth = Arc::new(patient_auth(dev, &server, one_attempt()));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let (start, done) = (Arc::new(Barrier::new(17)), Arc::new(AtomicUsize::new(0)));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (auth, token, start, done) = (auth.clone(), token.clone(), start.clone(), done.clone());
            std::thread::spawn(move || {
                start.wait();
                let st = at(&auth, &token, NOW_MS);
                done.fetch_add(1, Ordering::SeqCst);
                st
            })
        })
        .collect();
    start.wait();
    arrival.recv_timeout(WATCHDOG).expect("the fetch reached the server");
    // With no keys, a request can only end with the fetch's outcome: none has one yet.
    assert_eq!(done.load(Ordering::SeqCst), 0, "a cold request finished before the fetch was answered");
    gate.open();
    let states = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (states, server.count())
}

#[test]
fn concurrent_cold_requests_share_one_fetch() {
    let dev = DevInstance::generate("jwks-b-2.clerk.accounts.dev");
    let jwks = dev.jwks();
    let (states, requests) = sixteen_cold_requests(&dev, move || Reply::json(200, jwks.clone()));
    assert!(states.iter().all(|st| st.status == AuthStatus::SignedIn));
    assert_eq!(requests, 1, "16 concurrent misses, one fetch");
}

#[test]
fn concurrent_cold_requests_share_one_failed_fetch() {
    let dev = DevInstance::generate("jwks-b-3.clerk.accounts.dev");
    let (states, requests) = sixteen_cold_requests(&dev, || Reply::json(503, json!({})));
    for st in &states {
        assert_eq!((st.status, st.reason.as_deref()), (AuthStatus::SignedOut, Some("jwk-remote-failed-to-load")));
    }
    // Late arrivals find the failure and its backoff: no fetch of their own either.
    assert_eq!(requests, 1, "16 concurrent misses, one failed fetch");
}

#[test]
fn unknown_kid_flood_is_rate_limited_while_fresh() {
    let dev = DevInstance::generate("jwks-c-3.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::start(move |_, _| Reply::json(200, jwks.clone()));
    let auth = jwks_auth(&dev, &server, fast_policy());
    let good = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    assert_eq!(auth.authenticate_with(&bearer(&good), &Options::default(), Some(NOW_MS)).unwrap().status, AuthStatus::SignedIn);
    for i in 0..1000 {
        let st = auth.authenticate_with(&bearer(&unknown_kid(&dev, &format!("ins_random_{i}"), 60)), &Options::default(), Some(NOW_MS + i as f64)).unwrap();
        assert_eq!(st.reason.as_deref(), Some("jwk-kid-mismatch"));
    }
    // 1000 random kids within one 5 s interval: no refetch at all after the first fetch.
    println!("JWKS flood: 1000 unknown kids → {} Backend API requests in total", server.count());
    assert_eq!(server.count(), 1);
    // After the interval, one more refetch is allowed.
    auth.authenticate_with(&bearer(&unknown_kid(&dev, "ins_late", 60)), &Options::default(), Some(NOW_MS + 6000.0)).unwrap();
    assert_eq!(server.count(), 2);
}

#[test]
fn unknown_kid_flood_is_rate_limited_while_stale() {
    let dev = DevInstance::generate("jwks-c-4.clerk.accounts.dev");
    let server = then_serves(&dev, || Reply::json(503, json!({})));
    // No backoff: the kid rate limit alone holds the flood back.
    let auth = jwks_auth(&dev, &server, JwksPolicy { backoff_ms: 0, backoff_max_ms: 0, ..one_attempt() });
    let good = long_lived(&dev, 900);
    assert_eq!(at(&auth, &good, NOW_MS).status, AuthStatus::SignedIn);
    // Past the TTL, the Backend API failing: the first unknown kid fetches, the rest of the
    // 5 s interval does not.
    for i in 0..1000 {
        let st = at(&auth, &unknown_kid(&dev, &format!("ins_random_{i}"), 900), STALE_MS + i as f64);
        let reason = st.reason.as_deref().unwrap_or("");
        assert!(["jwk-kid-mismatch", "jwk-remote-failed-to-load"].contains(&reason), "{reason}");
    }
    println!("JWKS flood on stale keys: 1000 unknown kids → {} Backend API requests in total", server.count());
    assert_eq!(server.count(), 2);
    at(&auth, &unknown_kid(&dev, "ins_late", 900), STALE_MS + 6000.0);
    assert_eq!(server.count(), 3);
    // The stale key still verifies.
    assert_eq!(at(&auth, &good, STALE_MS + 6001.0).status, AuthStatus::SignedIn);
}

#[test]
fn stale_keys_are_served_while_the_backend_api_fails() {
    let dev = DevInstance::generate("jwks-d-4.clerk.accounts.dev");
    let jwks = dev.jwks();
    let failing = Arc::new(AtomicBool::new(false));
    let f = failing.clone();
    let server = Server::start(move |_, _| if f.load(Ordering::SeqCst) { Reply::json(503, json!({})) } else { Reply::json(200, jwks.clone()) });
    let auth = jwks_auth(&dev, &server, fast_policy());
    let token = |at: i64| dev.session_token("user_1", "sess_1", at - 5, "https://app.example.com", json!({}));
    assert_eq!(auth.authenticate_with(&bearer(&token(NOW_S)), &Options::default(), Some(NOW_MS)).unwrap().status, AuthStatus::SignedIn);
    failing.store(true, Ordering::SeqCst);
    // 10 minutes later the cache is expired and the refresh fails: stale keys still verify.
    let later = NOW_S + 600;
    let st = auth.authenticate_with(&bearer(&token(later)), &Options::default(), Some(later as f64 * 1000.0)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    // Past the hard expiry (TTL + 1 h) they are not.
    let much_later = NOW_S + 300 + 3600 + 10;
    let st = auth.authenticate_with(&bearer(&token(much_later)), &Options::default(), Some(much_later as f64 * 1000.0)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("jwk-remote-failed-to-load"));
}

#[test]
fn unreachable_backend_api_has_its_own_reason() {
    let dev = DevInstance::generate("jwks-e-5.clerk.accounts.dev");
    // A port that was just free refuses connections.
    let o = Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_api_url(refused_url());
    let auth = Authenticator::builder(o).jwks_policy(fast_policy()).build().unwrap();
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let st = auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("backend-api-unreachable"));
}

#[test]
fn a_stalled_backend_api_is_bounded_by_the_timeout() {
    let dev = DevInstance::generate("jwks-f-6.clerk.accounts.dev");
    let gate = Arc::new(Gate::default());
    let g = gate.clone();
    let server = Server::start(move |_, _| {
        g.wait();
        Reply::json(200, json!({}))
    });
    let auth = jwks_auth(&dev, &server, one_attempt());
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let st = at(&auth, &token, NOW_MS);
    // The server has not answered (its gate is closed): the transport's timeout ended the wait.
    assert_eq!(st.reason.as_deref(), Some("backend-api-unreachable"));
    assert_eq!(server.count(), 1);
    gate.open();
}

#[test]
fn keys_never_cross_secret_keys() {
    let dev = DevInstance::generate("jwks-g-7.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::routes(Routes::new().reply("GET", "/v1/jwks", Reply::json(200, jwks)));
    let auth = jwks_auth(&dev, &server, fast_policy());
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap();
    let other = Options { secret_key: Some("sk_test_another".into()), ..Options::default() };
    auth.authenticate_with(&bearer(&token), &other, Some(NOW_MS)).unwrap();
    assert_eq!(server.count(), 2, "a second secret key fetches its own JWKS");
}

/// Issue 15 item 4: keys fetched, then the Backend API hangs. Past the TTL, requests are
/// served the stale key at once, while the server holds the one refresh connection.
#[test]
fn a_hanging_backend_api_holds_up_no_request_with_stale_keys() {
    let dev = DevInstance::generate("jwks-h-8.clerk.accounts.dev");
    let next = DevInstance::generate("jwks-h-9.clerk.accounts.dev");
    let rotated = json!({"keys": [dev.jwks()["keys"][0], next.jwks()["keys"][0]]});
    let gate = Arc::new(Gate::default());
    let (arrived, arrival) = mpsc::channel();
    let g = gate.clone();
    let server = then_serves(&dev, move || {
        arrived.send(()).ok();
        g.wait();
        Reply::json(200, rotated.clone())
    });
    let auth = Arc::new(patient_auth(&dev, &server, JwksPolicy::default()));
    let token = long_lived(&dev, 900);
    assert_eq!(at(&auth, &token, NOW_MS).status, AuthStatus::SignedIn);

    let sixteen_at_once = || -> Vec<Duration> {
        let start = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (auth, token, start) = (auth.clone(), token.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let began = Instant::now();
                    let st = at(&auth, &token, STALE_MS);
                    (st.status, began.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (status, took) = h.join().unwrap();
                assert_eq!(status, AuthStatus::SignedIn, "served the stale key");
                took
            })
            .collect()
    };
    // One of these starts the refresh; the server cannot answer it before the gate opens.
    let triggering = sixteen_at_once();
    arrival.recv_timeout(WATCHDOG).expect("the refresh reached the server");
    // The server now holds the refresh connection.
    let while_held = sixteen_at_once();
    assert_eq!(server.count(), 2, "one refresh for 32 requests");
    let (m1, x1) = median_and_max(triggering);
    let (m2, x2) = median_and_max(while_held);
    println!("hanging Backend API, 16 concurrent stale requests: median {m1:?}, max {x1:?} (one starts the refresh); 16 more while the server holds it: median {m2:?}, max {x2:?}");

    // The held connection answers with a rotated key set. A token of the new key waits for
    // the refresh in flight (or finds it landed) and verifies, with no fetch of its own: the
    // connection the 32 requests did not wait for was alive throughout.
    gate.open();
    assert_eq!(at(&auth, &long_lived(&next, 900), STALE_MS).status, AuthStatus::SignedIn);
    assert_eq!(server.count(), 2);
}

#[test]
fn a_failing_backend_api_sees_one_fetch_per_backoff_interval() {
    let dev = DevInstance::generate("jwks-i-10.clerk.accounts.dev");
    let healthy = Arc::new(AtomicBool::new(false));
    let (h, jwks) = (healthy.clone(), dev.jwks());
    let server = then_serves(&dev, move || if h.load(Ordering::SeqCst) { Reply::json(200, jwks.clone()) } else { Reply::json(503, json!({})) });
    // Each failed fetch ends within the 800 ms transport timeout of its start, so the phases
    // below leave more than that margin around each backoff's end (10 s, 20 s, then 40 s).
    let auth = jwks_auth(&dev, &server, JwksPolicy { backoff_ms: 10_000, backoff_max_ms: 40_000, ..one_attempt() });
    let token = long_lived(&dev, 900);
    let probe = unknown_kid(&dev, "ins_probe", 900);
    assert_eq!(at(&auth, &token, NOW_MS).status, AuthStatus::SignedIn);

    // (first, last) request of each phase, in ms past STALE_MS, and the fetches made by its end:
    // a refresh starts at `first` (the last backoff is over) and none until `last`.
    let phases = [(0, 9_900, 2), (11_000, 30_900, 3), (32_000, 71_900, 4), (73_000, 112_900, 5)];
    let mut sent = 0;
    for (first, last, fetches) in phases {
        for t in (first..=last).step_by(10) {
            assert_eq!(at(&auth, &token, STALE_MS + t as f64).status, AuthStatus::SignedIn, "stale key at +{t} ms");
            sent += 1;
        }
        // An unknown kid waits for the refresh in flight or, backing off, gets the failed
        // fetch's error at once; it never starts a fetch.
        assert_eq!(at(&auth, &probe, STALE_MS + last as f64).reason.as_deref(), Some("jwk-remote-failed-to-load"));
        assert_eq!(server.count(), fetches, "phase ending at +{last} ms");
    }
    println!("failing Backend API: {sent} requests over 113 s past the TTL → {} refresh attempts (backoff 10 s, 20 s, 40 s, 40 s)", server.count() - 1);

    // Recovered: the next refresh after the backoff lands fresh keys.
    healthy.store(true, Ordering::SeqCst);
    assert_eq!(at(&auth, &token, STALE_MS + 114_000.0).status, AuthStatus::SignedIn);
    assert_eq!(at(&auth, &probe, STALE_MS + 114_000.0).reason.as_deref(), Some("jwk-kid-mismatch"), "the refresh landed, without the probe kid");
    assert_eq!(at(&auth, &token, STALE_MS + 115_000.0).status, AuthStatus::SignedIn);
    assert_eq!(server.count(), 6);
}

#[test]
fn past_the_hard_expiry_a_down_backend_api_signs_out() {
    let dev = DevInstance::generate("jwks-j-11.clerk.accounts.dev");
    // After the first fetch the server closes every connection without answering.
    let server = then_serves(&dev, || Reply { hang_up: true, ..Reply::default() });
    let auth = jwks_auth(&dev, &server, one_attempt());
    let token = long_lived(&dev, 8000);
    assert_eq!(at(&auth, &token, NOW_MS).status, AuthStatus::SignedIn);
    assert_eq!(at(&auth, &token, STALE_MS).status, AuthStatus::SignedIn);
    // The last second of TTL + stale window (5 min + 1 h).
    assert_eq!(at(&auth, &token, NOW_MS + 3_899_000.0).status, AuthStatus::SignedIn);
    // Past it the stale key is never served: the request waits for a fetch, which fails.
    for now in [NOW_MS + 3_901_000.0, NOW_MS + 3_901_001.0, NOW_MS + 7_200_000.0] {
        let st = at(&auth, &token, now);
        assert_eq!((st.status, st.reason.as_deref()), (AuthStatus::SignedOut, Some("backend-api-unreachable")), "at {now}");
    }
}
