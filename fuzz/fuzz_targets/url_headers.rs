//! A whole authentication of a request with a fuzzed method, URL and forwarding, origin,
//! fetch-metadata and cookie headers, under instance options covering development and
//! production keys, satellites, `domain`, `proxyUrl` and organization sync.
//!
//! Input: newline-separated fields
//!   config, method, url, host, x-forwarded-host, x-forwarded-proto, x-forwarded-port,
//!   origin, referer, sec-fetch-dest, cookie, then `name: value` extra header lines.
//! An empty or missing field leaves that header out (a single space sends it empty); the
//! first byte of `config` picks the instance options.
//!
//! No input carries a credential signed by the instance key (generated at start-up), and the
//! Backend API is offline, so a `signed-in` result is a bug.
#![no_main]

use std::sync::OnceLock;

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthStatus, Authenticator, Options, OrganizationSyncOptions, Request};
use clerkauth_fuzz::{fields, offline_authenticator, walk_state, OfflineTransport, NOW_MS};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const HEADERS: [&str; 8] = ["host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "origin", "referer", "sec-fetch-dest", "cookie"];

fn org_sync(on_mismatch: &str) -> OrganizationSyncOptions {
    OrganizationSyncOptions {
        organization_patterns: Some(vec!["/orgs/:slug".into(), "/orgs/:slug/(.*)".into(), "/o/:id".into(), "/o/:id/(.*)".into()]),
        personal_account_patterns: Some(vec!["/me".into(), "/me/(.*)".into()]),
        on_mismatch: Some(on_mismatch.into()),
    }
}

fn authenticators() -> &'static Vec<Authenticator> {
    static A: OnceLock<Vec<Authenticator>> = OnceLock::new();
    A.get_or_init(|| {
        let dev = DevInstance::generate("fuzz-1.clerk.accounts.dev");
        let test = Options::default().with_publishable_key(&dev.publishable_key).with_secret_key(&dev.secret_key).with_jwt_key(&dev.jwt_key);
        // A production instance (pk_live for clerk.example.com), same verification key.
        let live = Options::default()
            .with_publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
            .with_secret_key("sk_live_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfu")
            .with_jwt_key(&dev.jwt_key);
        let configs = vec![
            // 0: development instance, authorized parties, explicit sign-in URL.
            Options { sign_in_url: Some("https://accounts.fuzz.test/sign-in".into()), ..test.clone() }.with_authorized_parties(["https://app.example.com"]),
            // 1: production instance.
            Options { audience: Some(json!(["aud-a", "aud-b"])), ..live.clone() },
            // 2: production satellite on a domain, auto-sync on first load.
            Options {
                is_satellite: Some(true),
                domain: Some("satellite.example.com".into()),
                satellite_auto_sync: Some(true),
                sign_in_url: Some("https://primary.example.com/sign-in".into()),
                ..live.clone()
            },
            // 3: development satellite behind an absolute proxy URL.
            Options {
                is_satellite: Some(true),
                proxy_url: Some("https://app.example.com/__clerk".into()),
                sign_in_url: Some("https://primary.example.com/sign-in".into()),
                ..test.clone()
            },
            // 4: relative proxy URL, organization sync resolving memberships, any token type.
            Options { proxy_url: Some("/__clerk".into()), ..live.clone() }.with_organization_sync(org_sync("resolve-membership")).with_accepts_token(json!("any")),
            // 5: no PEM key (the JWKS fetch fails offline), org sync signing out on mismatch,
            //    session tokens and API keys, a satellite domain, the decision trace.
            Options { jwt_key: None, domain: Some("fuzz.example.com".into()), is_satellite: Some(true), ..test }
                .with_organization_sync(org_sync("signed-out"))
                .with_accepts_token(json!(["session_token", "api_key"]))
                .with_explain(true),
            // 6: production with org sync keeping the active organization, per-tab tokens.
            Options { require_tab_token: Some("x-clerk-tab".into()), expected_session_header: Some("x-expected-session".into()), ..live }
                .with_organization_sync(org_sync("keep-active")),
        ];
        configs.into_iter().map(|o| offline_authenticator(o, OfflineTransport::default()).expect("authenticator")).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 12);
    let auths = authenticators();
    let config = f[0].as_deref().and_then(|s| s.bytes().next()).map_or(0, |b| b as usize % auths.len());
    let method = f[1].clone().unwrap_or_else(|| "GET".into());
    let url = f[2].clone().unwrap_or_default();
    let mut req = Request::new(method, url);
    for (name, value) in HEADERS.iter().zip(&f[3..11]) {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            req = req.header(*name, v);
        }
    }
    if let Some(extra) = &f[11] {
        for line in extra.split('\n').take(16) {
            if let Some((n, v)) = line.split_once(':') {
                req = req.header(n.trim(), v.trim_start());
            }
        }
    }
    let auth = &auths[config];
    match auth.authenticate_with(&req, &Options::default(), Some(NOW_MS)) {
        Ok(state) => {
            assert_ne!(state.status, AuthStatus::SignedIn, "signed in without a valid credential (config {config}): {req:?}");
            walk_state(&state);
        }
        Err(e) => {
            let _ = (e.code(), e.message());
        }
    }
});
