//! Cost of a decision next to the RSA verify it cannot avoid.

use std::hint::black_box;

use aws_lc_rs::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clerkauth::devinstance::DevInstance;
use clerkauth::{Authenticator, Options, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let dev = DevInstance::generate("bench-app-1.clerk.accounts.dev");
    let now_s = 1_767_225_600i64;
    let now_ms = Some(now_s as f64 * 1000.0);
    let token = dev.session_token("user_1", "sess_1", now_s - 5, "https://app.example.com", json!({"fea": "o:chat", "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}));
    let opts = Options::from_json(&json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
        "authorizedParties": ["https://app.example.com"],
        "organizationSyncOptions": {"organizationPatterns": ["/orgs/:slug", "/orgs/:slug/(.*)"]},
    }))
    .unwrap();
    let auth = Authenticator::new(opts).unwrap();
    let none = Options::default();

    // Bare RS256 verify of the same token with aws-lc-rs (SPKI parsed per call, as verify APIs do).
    let pem_body: String = dev.jwt_key.lines().filter(|l| !l.starts_with("-----")).collect();
    let spki = STANDARD.decode(pem_body).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let spki_key = aws_lc_rs::signature::ParsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, &spki);
    let mut g = c.benchmark_group("rs256");
    g.bench_function("bare verify (aws-lc-rs, key parsed per call)", |b| {
        b.iter(|| UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).verify(black_box(input.as_bytes()), black_box(&sig)).unwrap())
    });
    if let Ok(k) = &spki_key {
        g.bench_function("bare verify (aws-lc-rs, parsed key)", |b| b.iter(|| k.verify_sig(black_box(input.as_bytes()), black_box(&sig)).unwrap()));
    }
    g.finish();

    let bearer = Request::new("GET", "https://app.example.com/api/items").header("authorization", format!("Bearer {token}")).header("accept", "application/json");
    let cookie = Request::new("GET", "https://app.example.com/dashboard")
        .header("accept", "text/html")
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1; theme=dark", now_s - 3600));
    let org_page = Request::new("GET", "https://app.example.com/orgs/globex/settings")
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1", now_s - 3600));
    let expired = Request::new("GET", "https://app.example.com/dashboard")
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={}; __clerk_db_jwt=dvb_1", now_s - 7200, dev.session_token("user_1", "sess_1", now_s - 3600, "https://app.example.com", json!({}))));
    let mut g = c.benchmark_group("authenticate");
    for (name, req) in [("bearer signed-in (jwtKey)", &bearer), ("cookie signed-in (jwtKey)", &cookie), ("org-sync handshake", &org_page), ("expired cookie handshake", &expired)] {
        assert!(auth.authenticate_with(req, &none, now_ms).is_ok());
        g.bench_function(name, |b| b.iter(|| auth.authenticate_with(black_box(req), &none, now_ms).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
