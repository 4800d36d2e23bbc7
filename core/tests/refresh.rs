//! Session refresh (spec 8.3) against a loopback Backend API: the request body's header list
//! and the session id the refresh path is built from.

use std::sync::{Arc, Mutex};

use clerkauth::devinstance::DevInstance;
use clerkauth::keys::cookie_suffix;
use clerkauth::{AuthStatus, Authenticator, Options, Request};
use serde_json::{json, Value};

mod support;
use support::{Received, Reply, Server, NOW_MS, NOW_S};

const APP: &str = "https://app.example.com";

fn authenticator(dev: &DevInstance, server: &Server) -> Authenticator {
    let o = json!({"secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "apiUrl": server.url()});
    Authenticator::new(Options::from_json(&o).unwrap()).unwrap()
}

/// The cookie header of a browser whose session token for `sid` expired a few minutes ago.
fn expired_cookies(dev: &DevInstance, sid: &str) -> String {
    let expired = dev.session_token("user_1", sid, NOW_S - 600, APP, json!({}));
    format!("__session={expired}; __refresh_{}=rt_1; __client_uat={}; __clerk_db_jwt=dvb_1", cookie_suffix(&dev.publishable_key), NOW_S - 1000)
}

#[test]
fn the_body_lists_each_header_once_with_repeats_joined() {
    let dev = DevInstance::generate("refresh-1.clerk.accounts.dev");
    let fresh = dev.session_token("user_1", "sess_1", NOW_S - 1, APP, json!({}));
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let log = seen.clone();
    let server = Server::start_full(move |r: &Received| {
        log.lock().unwrap().push((r.target.clone(), serde_json::from_slice(&r.body).unwrap()));
        Reply::json(200, json!({"object": "cookies", "cookies": [format!("__session={fresh}; Path=/")]}))
    });
    let auth = authenticator(&dev, &server);
    let cookies = expired_cookies(&dev, "sess_1");
    let req = Request::new("GET", format!("{APP}/api")).header("Cookie", cookies.clone()).header("X-Forwarded-For", "203.0.113.1").header("accept", "*/*").header("x-forwarded-for", " 198.51.100.2 ");
    let st = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn, "{:?}", st.reason);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "/v1/sessions/sess_1/refresh");
    assert_eq!(seen[0].1["request_headers"], json!({"cookie": [cookies], "x-forwarded-for": ["203.0.113.1, 198.51.100.2"], "accept": ["*/*"]}));
}

#[test]
fn dot_segment_and_empty_session_ids_are_never_sent() {
    let dev = DevInstance::generate("refresh-2.clerk.accounts.dev");
    let server = Server::start(|_, _| Reply::json(500, json!({"errors": [{"code": "unexpected_error"}]})));
    let auth = authenticator(&dev, &server);
    for (sid, refresh_error) in [(".", "expired-session-token-invalid-sid-claim"), ("..", "expired-session-token-invalid-sid-claim"), ("", "expired-session-token-missing-sid-claim")] {
        let req = Request::new("GET", format!("{APP}/api")).header("cookie", expired_cookies(&dev, sid));
        let st = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)).unwrap();
        assert_ne!(st.status, AuthStatus::SignedIn, "{sid:?}");
        assert_eq!(st.reason, Some(format!("session-token-expired-refresh-{refresh_error}")), "{sid:?}");
    }
    assert_eq!(server.count(), 0, "no refresh request (`sessions/../refresh` would be `/v1/refresh`)");
}
