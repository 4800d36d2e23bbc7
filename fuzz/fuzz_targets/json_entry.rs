//! The JSON entry point used by the CLI and the bindings: a conformance-vector-shaped object
//! `{"request", "options", "overrides"?, "backend_api"?, "has_checks"?}` parsed with
//! `Request::from_json` / `Options::from_json`, an authenticator built from the options, and
//! authentications at the fixed clock: with the instance options, then with `overrides`.
//!
//! Never networked: `apiUrl` is forced to a closed local port and the transport answers only
//! from the input's own `backend_api` list (like the conformance mock), else fails at once.
#![no_main]

use clerkauth::{HasCheck, Options, Request};
use clerkauth_fuzz::{offline_authenticator, walk_state, OfflineTransport, CLOSED_API_URL, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    // The whole value is also tried as a bare request and as bare options.
    let _ = Request::from_json(&v);
    let _ = Options::from_json(&v);

    let Ok(req) = Request::from_json(v.get("request").unwrap_or(&v)) else { return };
    let _ = (req.normalized_method(), req.header_value("cookie"), req.has_header("host"));
    let options = match v.get("options") {
        None | Some(Value::Null) => Options::default(),
        Some(o) => match Options::from_json(o) {
            Ok(o) => o,
            Err(_) => return,
        },
    };
    let mut overrides = match v.get("overrides") {
        None | Some(Value::Null) => Options::default(),
        Some(o) => match Options::from_json(o) {
            Ok(o) => o,
            Err(_) => return,
        },
    };
    if overrides.api_url.is_some() {
        overrides.api_url = Some(CLOSED_API_URL.to_string());
    }
    let Ok(auth) = offline_authenticator(options, OfflineTransport::from_json(v.get("backend_api"))) else { return };
    // The instance options first, then (as a long-lived authenticator would see) the same
    // request with the per-call overrides, sharing the JWKS, membership and token caches.
    let mut calls = vec![Options::default()];
    if !overrides.is_empty() {
        calls.push(overrides);
    }
    for call in &calls {
        let Ok(state) = auth.authenticate_with(&req, call, Some(NOW_MS)) else { continue };
        walk_state(&state);
        for check in v.get("has_checks").and_then(Value::as_array).into_iter().flatten().take(8) {
            let _ = state.has(&HasCheck::from_json(check));
        }
    }
});
