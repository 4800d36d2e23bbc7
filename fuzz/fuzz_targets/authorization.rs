//! `Authorization` parsing, and a whole authentication with the fuzzed value as the header.
#![no_main]

use std::sync::OnceLock;

use clerkauth::devinstance::DevInstance;
use clerkauth::{parse_authorization, AuthStatus, Authenticator, Options, Request};
use clerkauth_fuzz::{offline_authenticator, walk_state, OfflineTransport, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

/// Session tokens only / any token type, both with a PEM key the fuzzer cannot sign for.
fn authenticators() -> &'static [Authenticator; 2] {
    static A: OnceLock<[Authenticator; 2]> = OnceLock::new();
    A.get_or_init(|| {
        let dev = DevInstance::generate("fuzz-1.clerk.accounts.dev");
        let base = Options::default().with_publishable_key(&dev.publishable_key).with_secret_key(&dev.secret_key).with_jwt_key(&dev.jwt_key);
        [
            offline_authenticator(base.clone().with_authorized_parties(["https://app.example.com"]), OfflineTransport::default()).expect("authenticator"),
            offline_authenticator(base.with_accepts_token(json!("any")), OfflineTransport::default()).expect("authenticator"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    if let Some(token) = parse_authorization(Some(&value)) {
        // The token is one space-separated word of the value, never empty.
        assert!(!token.is_empty() && !token.contains(' '), "token {token:?}");
        assert!(value.contains(token));
    }
    assert_eq!(parse_authorization(None), None);

    for (i, auth) in authenticators().iter().enumerate() {
        let req = Request::new("GET", "https://app.example.com/api/data").header("authorization", value.as_ref()).header("sec-fetch-dest", "empty");
        let req = if i == 1 { req.header("cookie", "__client_uat=1767222000") } else { req };
        if let Ok(state) = auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)) {
            assert_ne!(state.status, AuthStatus::SignedIn, "signed in without a valid credential: {value:?}");
            walk_state(&state);
        }
    }
});
