//! JWT decoding (against a plain reference decoder), the claim accessors and checks, and
//! verification through an authenticator holding a PEM key (`jwtKey`). The fuzzer cannot forge an RS256 signature for a key
//! generated at start-up, so no input may come out signed in.
#![no_main]

use std::sync::OnceLock;

use clerkauth::devinstance::DevInstance;
use clerkauth::jwt::{assert_audience, assert_authorized_parties, assert_claims, assert_header, is_jwt_format, ClaimRules, Jwt};
use clerkauth::{is_machine_token, machine_token_type, AuthStatus, Authenticator, Options, Request};
use clerkauth_fuzz::{assert_kept_fields_agree, offline_authenticator, walk_state, OfflineTransport, NOW_MS};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// base64url, padding optional, non-canonical trailing bits refused: the segment rules.
const B64URL: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(false).with_decode_padding_mode(DecodePaddingMode::Indifferent));

/// The decoding rules without the fast paths (memchr split, SIMD base64, the claims
/// decoder): three parts split on `.`, each base64url, header and payload JSON objects.
/// Returns the signature bytes.
fn reference_decode(t: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = t.split('.').collect();
    let [h, p, s] = parts[..] else { return None };
    let object = |seg: &str| B64URL.decode(seg).ok().is_some_and(|b| matches!(serde_json::from_str(&String::from_utf8_lossy(&b)), Ok(Value::Object(_))));
    (object(h) && object(p)).then(|| B64URL.decode(s).ok()).flatten()
}

struct Fixture {
    /// Header and cookie flows, PEM key, authorized parties.
    pem: Authenticator,
    /// Any token type, no PEM key: JWKS through the offline transport.
    jwks: Authenticator,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dev = DevInstance::generate("fuzz-1.clerk.accounts.dev");
        let base = Options::default().with_publishable_key(&dev.publishable_key).with_secret_key(&dev.secret_key);
        Fixture {
            pem: offline_authenticator(base.clone().with_jwt_key(&dev.jwt_key).with_authorized_parties(["https://app.example.com"]), OfflineTransport::default()).expect("authenticator"),
            jwks: offline_authenticator(base.with_accepts_token(json!("any")), OfflineTransport::default()).expect("authenticator"),
        }
    })
}

fn claims(jwt: &Jwt) {
    // The fields kept while decoding agree with the whole object parsed by serde_json.
    assert_kept_fields_agree(&jwt.header, &jwt.payload);
    let _ = (jwt.has_non_session_category(), jwt.is_oauth(), jwt.is_m2m(), jwt.signature.len());
    let _ = assert_header(jwt, None);
    let _ = assert_header(jwt, Some(&["JWT", "at+jwt"]));
    let audience = ["aud-a".to_string(), String::new()];
    let parties = ["https://app.example.com".to_string()];
    let _ = assert_audience(&jwt.payload, &audience);
    for accept_missing in [false, true] {
        let _ = assert_authorized_parties(&jwt.payload, &parties, accept_missing);
    }
    for now_ms in [NOW_MS, 0.0, -1.0, f64::MAX, f64::NAN] {
        let rules = ClaimRules { audience: &audience, authorized_parties: &parties, issuer: &[], skew_ms: 5000.0, now_ms, accept_missing_azp: false };
        if let Err(e) = assert_claims(&jwt.payload, &rules) {
            let _ = e.full_message(Some("cookie"));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let _ = (is_jwt_format(&token), is_machine_token(&token), machine_token_type(&token));
    let decoded = Jwt::decode(&token);
    assert_eq!(decoded.as_ref().ok().map(|j| &j.signature), reference_decode(&token).as_ref(), "{token:?}");
    match decoded {
        Ok(jwt) => {
            assert_eq!(jwt.raw(), token);
            assert!(token.starts_with(jwt.signing_input()));
            assert_eq!(jwt.signing_input().matches('.').count(), 1);
            claims(&jwt);
        }
        Err(e) => {
            let _ = e.full_message(None);
        }
    }

    let f = fixture();
    let requests = [
        Request::new("GET", "https://app.example.com/api").header("authorization", format!("Bearer {token}")),
        Request::new("GET", "https://app.example.com/dashboard")
            .header("cookie", format!("__client_uat=1767222000; __session={token}"))
            .header("sec-fetch-dest", "document"),
    ];
    for req in &requests {
        for auth in [&f.pem, &f.jwks] {
            if let Ok(state) = auth.authenticate_with(req, &Options::default(), Some(NOW_MS)) {
                assert_ne!(state.status, AuthStatus::SignedIn, "signed in with a forged token: {token:?}");
                walk_state(&state);
            }
        }
    }
});
