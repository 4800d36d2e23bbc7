//! JWKS: single-flight, unknown-kid flood rate limit, stale keys while the Backend API
//! fails, distinct "unreachable" reason, stalls bounded by the transport timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use clerkauth::devinstance::DevInstance;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::transport::HttpTransport;
use clerkauth::{AuthStatus, Authenticator, Options, Request};
use serde_json::json;

mod support;
use support::{Reply, Server, NOW_MS, NOW_S};

fn fast_policy() -> JwksPolicy {
    JwksPolicy { retry: RetryPolicy { attempts: 2, base_delay: Duration::from_millis(1) }, ..JwksPolicy::default() }
}

fn jwks_auth(dev: &DevInstance, server: &Server, policy: JwksPolicy) -> Authenticator {
    let o = Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_api_url(server.url());
    Authenticator::builder(o).jwks_policy(policy).transport(Arc::new(HttpTransport::new(Duration::from_millis(500), Duration::from_millis(800)))).build().unwrap()
}

fn bearer(token: &str) -> Request {
    Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}"))
}

fn with_kid(dev: &DevInstance, kid: &str) -> String {
    let mut h = serde_json::Map::new();
    h.insert("kid".into(), json!(kid));
    dev.sign(h, &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW_S + 60, "iat": NOW_S - 5}))
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

#[test]
fn concurrent_misses_share_one_fetch() {
    let dev = DevInstance::generate("jwks-b-2.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::start(move |_, _| Reply { status: 200, body: jwks.to_string(), delay: Duration::from_millis(150), ..Reply::default() });
    let auth = Arc::new(jwks_auth(&dev, &server, fast_policy()));
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (auth, token) = (auth.clone(), token.clone());
            std::thread::spawn(move || auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap().status)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), AuthStatus::SignedIn);
    }
    assert_eq!(server.count(), 1, "16 concurrent misses, one fetch");
}

#[test]
fn unknown_kid_flood_is_rate_limited() {
    let dev = DevInstance::generate("jwks-c-3.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::start(move |_, _| Reply::json(200, jwks.clone()));
    let auth = jwks_auth(&dev, &server, fast_policy());
    let good = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    assert_eq!(auth.authenticate_with(&bearer(&good), &Options::default(), Some(NOW_MS)).unwrap().status, AuthStatus::SignedIn);
    for i in 0..1000 {
        let st = auth.authenticate_with(&bearer(&with_kid(&dev, &format!("ins_random_{i}"))), &Options::default(), Some(NOW_MS + i as f64)).unwrap();
        assert_eq!(st.reason.as_deref(), Some("jwk-kid-mismatch"));
    }
    // 1000 random kids within one 5 s interval: no refetch at all after the first fetch.
    println!("JWKS flood: 1000 unknown kids → {} Backend API requests in total", server.count());
    assert_eq!(server.count(), 1);
    // After the interval, one more refetch is allowed.
    auth.authenticate_with(&bearer(&with_kid(&dev, "ins_late")), &Options::default(), Some(NOW_MS + 6000.0)).unwrap();
    assert_eq!(server.count(), 2);
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
    // Bind then drop a listener: the port refuses connections.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let o = Options::default().with_secret_key(dev.secret_key.clone()).with_publishable_key(dev.publishable_key.clone()).with_api_url(format!("http://127.0.0.1:{port}"));
    let auth = Authenticator::builder(o).jwks_policy(fast_policy()).build().unwrap();
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let st = auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedOut);
    assert_eq!(st.reason.as_deref(), Some("backend-api-unreachable"));
}

#[test]
fn a_stalled_backend_api_is_bounded_by_the_timeout() {
    let dev = DevInstance::generate("jwks-f-6.clerk.accounts.dev");
    // The server answers (with a JWKS) only once the call has returned: the call returning
    // `backend-api-unreachable` means the transport timeout ended it. Without a timeout the
    // server gives up holding after 60 s and the call sees a JWKS without the key instead.
    let (release, held) = mpsc::channel::<()>();
    let held = Mutex::new(held);
    let server = Server::start(move |_, _| {
        let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(60));
        Reply::json(200, json!({"keys": []}))
    });
    let auth = jwks_auth(&dev, &server, JwksPolicy { retry: RetryPolicy { attempts: 1, base_delay: Duration::ZERO }, ..JwksPolicy::default() });
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    let st = auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap();
    drop(release);
    assert_eq!(st.reason.as_deref(), Some("backend-api-unreachable"), "{:?}", st.message);
    assert_eq!(server.count(), 1);
}

#[test]
fn keys_never_cross_secret_keys() {
    let dev = DevInstance::generate("jwks-g-7.clerk.accounts.dev");
    let jwks = dev.jwks();
    let server = Server::start(move |_, target| if target == "/v1/jwks" { Reply::json(200, jwks.clone()) } else { Reply::json(404, json!({})) });
    let auth = jwks_auth(&dev, &server, fast_policy());
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, "https://app.example.com", json!({}));
    auth.authenticate_with(&bearer(&token), &Options::default(), Some(NOW_MS)).unwrap();
    let other = Options { secret_key: Some("sk_test_another".into()), ..Options::default() };
    auth.authenticate_with(&bearer(&token), &other, Some(NOW_MS)).unwrap();
    assert_eq!(server.count(), 2, "a second secret key fetches its own JWKS");
}
