//! Past the signature: fuzzed JOSE headers and claims signed with the instance key, so the
//! claim checks, the auth object (`toAuth()`, v1/v2 organization claims, features, plans,
//! `fva`), `has()` and organization sync all see attacker-shaped but validly signed tokens.
//!
//! Input: a JSON object `{"header": {...}, "claims": {...}, "path": "/..."}`; a bare object is
//! taken as the claims. Signed in or not, anything goes except a panic.
#![no_main]

use std::sync::OnceLock;

use clerkauth::auth_object::SessionAuth;
use clerkauth::claims::Claims;
use clerkauth::devinstance::DevInstance;
use clerkauth::{Authenticator, HasCheck, Options, OrganizationSyncOptions, Request};
use clerkauth_fuzz::{offline_authenticator, walk_state, OfflineTransport, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

struct Fixture {
    dev: DevInstance,
    auths: Vec<Authenticator>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dev = DevInstance::generate("fuzz-1.clerk.accounts.dev");
        let base = Options::default().with_publishable_key(&dev.publishable_key).with_secret_key(&dev.secret_key).with_jwt_key(&dev.jwt_key);
        let sync = |m: &str| OrganizationSyncOptions {
            organization_patterns: Some(vec!["/orgs/:slug".into(), "/orgs/:slug/(.*)".into(), "/o/:id".into()]),
            personal_account_patterns: Some(vec!["/me".into(), "/me/(.*)".into()]),
            on_mismatch: Some(m.into()),
        };
        let configs = vec![
            base.clone().with_authorized_parties(["https://app.example.com"]),
            base.clone().with_organization_sync(sync("keep-active")).with_accepts_token(json!("any")),
            Options { audience: Some(json!("aud-a")), header_type: Some(json!(["JWT", "at+jwt"])), missing_azp: Some("accept".into()), ..base.clone() }
                .with_authorized_parties(["https://app.example.com"])
                .with_organization_sync(sync("signed-out")),
            base.with_organization_sync(sync("resolve-membership")).with_explain(true),
        ];
        let auths = configs.into_iter().map(|o| offline_authenticator(o, OfflineTransport::default()).expect("authenticator")).collect();
        Fixture { dev, auths }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(data) else { return };
    let (header, claims) = match (input.get("header"), input.get("claims")) {
        (h, Some(Value::Object(c))) => (h.and_then(Value::as_object).cloned().unwrap_or_default(), c.clone()),
        _ => (Map::new(), input.clone()),
    };
    let path = input.get("path").and_then(Value::as_str).unwrap_or("/orgs/acme/settings");

    // The auth object straight from the claims, without a token.
    if let Ok(session) = SessionAuth::from_claims(Claims::from_map(claims.clone())) {
        let _ = session.to_json();
        for check in [HasCheck::role("org:admin"), HasCheck::permission("org:posts:edit"), HasCheck::feature("org:premium"), HasCheck::plan("u:pro")] {
            let _ = session.has(&check);
        }
    }

    let f = fixture();
    let token = f.dev.sign(header, &Value::Object(claims));
    let url = format!("https://app.example.com{}", if path.starts_with('/') { path } else { "/" });
    let requests = [
        Request::new("GET", url.as_str()).header("authorization", format!("Bearer {token}")),
        Request::new("GET", url.as_str()).header("cookie", format!("__client_uat=1767222000; __session={token}")).header("sec-fetch-dest", "document"),
    ];
    for (i, auth) in f.auths.iter().enumerate() {
        let req = &requests[i % 2];
        if let Ok(state) = auth.authenticate_with(req, &Options::default(), Some(NOW_MS)) {
            walk_state(&state);
            for check in input.get("has_checks").and_then(Value::as_array).into_iter().flatten().take(4) {
                let _ = state.has(&HasCheck::from_json(check));
            }
        }
    }
});
