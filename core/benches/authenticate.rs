//! Cost of a decision next to the RSA verify it cannot avoid.
//!
//! One run (`cargo bench -p clerkauth --bench authenticate`) measures, beside a bare RS256
//! verify of the same token:
//! - `rs256/*`: the bare verify three ways: aws-lc-rs with the key parsed once, aws-lc-rs with
//!   the key parsed per call, and `jsonwebtoken::decode` (how a typical Rust app verifies);
//! - `authenticate/*`: signed-in requests with `jwtKey` and with a warm JWKS (loopback
//!   Backend API of core/tests/support), handshakes, signed-out fast paths, M2M and OAuth JWTs;
//! - `jwks_kids/*`: a signed-in request against a JWKS of 1, 16 and 128 keys;
//! - `org_sync/*`: organization-pattern matching alone;
//! - `authenticate/* (token cache warm)`: the same signed-in requests with the verified-token
//!   cache (`verifiedTokenCacheSize`, on by default; off in every other row) warm;
//! - `scaling/*`: one `Arc<Authenticator>` shared by 1 and 2 threads (time per request of the
//!   whole batch, so 2 threads on 2 free cores should show about half the 1-thread time);
//!   a `scaling:` summary line is printed on stderr.
//!
//! `bench/criterion-table.py` turns the results into a table with ratios to the bare verify.

use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clerkauth::devinstance::DevInstance;
use clerkauth::org_sync::OrganizationMatcher;
use clerkauth::{AuthStatus, Authenticator, Options, Request, TokenType};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use serde_json::{json, Map, Value};

#[path = "../tests/support/mod.rs"]
mod support;
use support::{Reply, Routes, Server, NOW_S};

const APP: &str = "https://app.example.com";

/// Short, fixed measurement so the whole run stays well under 3 minutes on 2 cores.
fn modest<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(30);
    g
}

/// The loopback Backend API (the tests' one helper, core/tests/support) answering
/// `GET /v1/jwks` with `body`; `count()` is its requests.
fn jwks_server(body: String) -> Server {
    Server::routes(Routes::new().reply("GET", "/v1/jwks", Reply { status: 200, body, ..Reply::default() }))
}

/// A bench authenticator's options: the verified-token cache (on by default) off unless the
/// bench sets it, so every request pays for its verification; the `token cache warm` rows
/// turn it on.
fn options(mut v: Value) -> Options {
    v.as_object_mut().expect("options object").entry("verifiedTokenCacheSize").or_insert(json!(0));
    Options::from_json(&v).expect("options")
}

fn signed_in(auth: &Authenticator, req: &Request, now_ms: Option<f64>) {
    signed_in_with(auth, req, &Options::default(), now_ms);
}

fn signed_in_with(auth: &Authenticator, req: &Request, overrides: &Options, now_ms: Option<f64>) {
    let st = auth.authenticate_with(req, overrides, now_ms).expect("authenticate");
    assert_eq!(st.status, AuthStatus::SignedIn, "{:?} {:?}", st.reason, st.message);
}

fn bearer(token: &str) -> Request {
    Request::new("GET", format!("{APP}/api/items")).header("authorization", format!("Bearer {token}")).header("accept", "application/json")
}

fn cookie(token: &str) -> Request {
    Request::new("GET", format!("{APP}/dashboard"))
        .header("accept", "text/html")
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1; theme=dark", NOW_S - 3600))
}

/// CPU time (user + system) this process has used, from /proc (Linux; 100 ticks/s), to show
/// how many cores the scaling benches actually got.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_else(|_| "?".into())
}

/// Splits `iters` requests across `threads` threads sharing one authenticator; returns the
/// wall time of the whole batch (so criterion reports wall time per request).
fn split(auth: &Arc<Authenticator>, req: &Request, now_ms: Option<f64>, threads: u64, iters: u64) -> Duration {
    let none = Options::default();
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let n = iters / threads + u64::from(t < iters % threads);
            let (auth, none) = (auth.clone(), &none);
            s.spawn(move || {
                for _ in 0..n {
                    black_box(auth.authenticate_with(black_box(req), none, now_ms).expect("authenticate"));
                }
            });
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let dev = DevInstance::generate("bench-app-1.clerk.accounts.dev");
    let now_ms = Some(NOW_S as f64 * 1000.0);
    let token = dev.session_token("user_1", "sess_1", NOW_S - 5, APP, json!({"fea": "o:chat", "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}));
    let org_sync = json!({"organizationPatterns": ["/orgs/:slug", "/orgs/:slug/(.*)"]});
    let auth = Arc::new(
        Authenticator::new(options(json!({
            "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
            "authorizedParties": [APP], "organizationSyncOptions": org_sync,
        })))
        .expect("authenticator"),
    );
    let none = Options::default();

    // --- Bare RS256 verify of the same token -------------------------------------------------
    let pem_body: String = dev.jwt_key.lines().filter(|l| !l.starts_with("-----")).collect();
    let spki = STANDARD.decode(pem_body).expect("spki");
    let (input, sig) = token.rsplit_once('.').expect("jwt");
    let sig = URL_SAFE_NO_PAD.decode(sig).expect("signature");
    let parsed = aws_lc_rs::signature::ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).expect("parsed key");
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_pem(dev.jwt_key.as_bytes()).expect("jsonwebtoken key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // The bench clock is fixed (2026-01-01); the token's exp/nbf are relative to it, not to now.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(&token, &jwt_key, &validation).expect("jsonwebtoken::decode").claims;
    assert_eq!(claims["sub"], "user_1");
    let mut g = modest(c, "rs256");
    g.bench_function("bare verify (aws-lc-rs, parsed key)", |b| b.iter(|| parsed.verify_sig(black_box(input.as_bytes()), black_box(&sig)).unwrap()));
    g.bench_function("bare verify (jsonwebtoken::decode)", |b| b.iter(|| jsonwebtoken::decode::<Value>(black_box(&token), &jwt_key, &validation).unwrap()));
    g.bench_function("bare verify (aws-lc-rs, key parsed per call)", |b| {
        b.iter(|| UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).verify(black_box(input.as_bytes()), black_box(&sig)).unwrap())
    });
    g.finish();

    // --- Whole decisions ---------------------------------------------------------------------
    let bearer_req = bearer(&token);
    let cookie_req = cookie(&token);
    let org_page = Request::new("GET", format!("{APP}/orgs/globex/settings"))
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1", NOW_S - 3600));
    let expired = Request::new("GET", format!("{APP}/dashboard"))
        .header("sec-fetch-dest", "document")
        .header("cookie", format!("__client_uat={}; __session={}; __clerk_db_jwt=dvb_1", NOW_S - 7200, dev.session_token("user_1", "sess_1", NOW_S - 3600, APP, json!({}))));
    let no_token = Request::new("GET", format!("{APP}/api/items")).header("accept", "application/json");
    let garbage = Request::new("GET", format!("{APP}/api/items")).header("authorization", "Bearer not-a-jwt").header("accept", "application/json");

    // Warm JWKS: the same options with apiUrl instead of jwtKey, keys served by a loopback server.
    let jwks = jwks_server(dev.jwks().to_string());
    let jwks_auth = Arc::new(
        Authenticator::new(options(json!({
            "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "apiUrl": jwks.url(),
            "authorizedParties": [APP], "organizationSyncOptions": org_sync,
        })))
        .expect("authenticator"),
    );
    signed_in(&jwks_auth, &bearer_req, now_ms); // warms the cache: the only JWKS fetch
    assert_eq!(jwks.count(), 1);

    // Machine-token JWTs verified with jwtKey: an M2M JWT (sub mch_…, cat M2M) and an OAuth
    // access-token JWT (typ at+jwt).
    let m2m_token = dev.sign(
        Map::from_iter([("cat".to_string(), Value::from(clerkauth::jwt::category::M2M))]),
        &json!({"sub": "mch_1", "iat": NOW_S - 5, "nbf": NOW_S - 5, "exp": NOW_S + 3600, "jti": "mt_1", "scopes": "mch_2 mch_3", "iss": "https://bench-app-1.clerk.accounts.dev"}),
    );
    let oauth_token = dev.sign(
        Map::from_iter([("typ".to_string(), Value::from("at+jwt"))]),
        &json!({"sub": "user_1", "client_id": "client_1", "scope": "read write", "iat": NOW_S - 5, "nbf": NOW_S - 5, "exp": NOW_S + 3600, "jti": "oat_1", "iss": "https://bench-app-1.clerk.accounts.dev"}),
    );
    let machine = |accepts: &str| {
        Authenticator::new(options(json!({
            "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key, "acceptsToken": accepts,
        })))
        .expect("authenticator")
    };
    let (m2m_auth, oauth_auth, any_auth) = (machine("m2m_token"), machine("oauth_token"), machine("any"));
    let (m2m_req, oauth_req) = (bearer(&m2m_token), bearer(&oauth_token));
    for (a, r, tt) in [(&m2m_auth, &m2m_req, TokenType::M2mToken), (&oauth_auth, &oauth_req, TokenType::OAuthToken), (&any_auth, &m2m_req, TokenType::M2mToken)] {
        let st = a.authenticate_with(r, &none, now_ms).expect("authenticate");
        assert_eq!((st.status, st.token_type), (AuthStatus::SignedIn, Some(tt)), "{:?} {:?}", st.reason, st.message);
    }

    // --- Token cache (the verified-token cache, `verifiedTokenCacheSize`) ---------------------
    // The same options as the jwtKey authenticator plus the cache, warmed by the first verify of the token. Only
    // the signature check is cached: header, azp and time claims are still checked per request.
    let cached = Authenticator::new(options(json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
        "authorizedParties": [APP], "organizationSyncOptions": org_sync, "verifiedTokenCacheSize": 1024,
    })))
    .expect("authenticator");
    signed_in(&cached, &bearer_req, now_ms);
    signed_in(&cached, &cookie_req, now_ms);
    assert_eq!(cached.verified_token_cache_len(), 1, "the token cache is not on");
    let mut g = modest(c, "authenticate");
    let cases: [(&str, &Authenticator, &Request, AuthStatus); 12] = [
        ("bearer signed-in (jwtKey)", &auth, &bearer_req, AuthStatus::SignedIn),
        ("cookie signed-in (jwtKey)", &auth, &cookie_req, AuthStatus::SignedIn),
        ("bearer signed-in (JWKS warm)", &jwks_auth, &bearer_req, AuthStatus::SignedIn),
        ("cookie signed-in (JWKS warm)", &jwks_auth, &cookie_req, AuthStatus::SignedIn),
        ("bearer signed-in (token cache warm)", &cached, &bearer_req, AuthStatus::SignedIn),
        ("cookie signed-in (token cache warm)", &cached, &cookie_req, AuthStatus::SignedIn),
        ("org-sync handshake", &auth, &org_page, AuthStatus::Handshake),
        ("expired cookie handshake", &auth, &expired, AuthStatus::Handshake),
        ("signed-out: no token", &auth, &no_token, AuthStatus::SignedOut),
        ("signed-out: garbage bearer", &auth, &garbage, AuthStatus::SignedOut),
        ("m2m JWT (acceptsToken m2m_token, jwtKey)", &m2m_auth, &m2m_req, AuthStatus::SignedIn),
        ("oauth JWT (acceptsToken oauth_token, jwtKey)", &oauth_auth, &oauth_req, AuthStatus::SignedIn),
    ];
    for (name, a, req, want) in cases {
        let st = a.authenticate_with(req, &none, now_ms).expect("authenticate");
        assert_eq!(st.status, want, "{name}: {:?} {:?}", st.reason, st.message);
        g.bench_function(name, |b| b.iter(|| a.authenticate_with(black_box(req), &none, now_ms).unwrap()));
    }
    g.bench_function("m2m JWT (acceptsToken any, jwtKey)", |b| b.iter(|| any_auth.authenticate_with(black_box(&m2m_req), &none, now_ms).unwrap()));
    // Per-call options, as the Node drop-in passes them on every call: resolved once per set.
    let per_call = Options::default().with_authorized_parties([APP]);
    signed_in_with(&cached, &bearer_req, &per_call, now_ms);
    g.bench_function("bearer signed-in (token cache warm, per-call authorizedParties)", |b| b.iter(|| cached.authenticate_with(black_box(&bearer_req), black_box(&per_call), now_ms).unwrap()));
    g.finish();
    assert_eq!(jwks.count(), 1, "the warm JWKS benches fetched the JWKS again");
    assert_eq!(cached.verified_token_cache_len(), 1, "the token cache benches did not keep one entry");

    // --- JWKS with many kids -----------------------------------------------------------------
    // Extra keys are cheap: a few generated instances' public keys are reused under distinct
    // kids; the token is signed by `dev`, whose key is listed last.
    let others: Vec<DevInstance> = (0..3).map(|i| DevInstance::generate(&format!("bench-other-{i}.clerk.accounts.dev"))).collect();
    let other_jwks: Vec<Value> = others.iter().map(|o| o.jwks()["keys"][0].clone()).collect();
    let own = dev.jwks()["keys"][0].clone();
    let mut g = modest(c, "jwks_kids");
    for n in [1usize, 16, 128] {
        let mut keys: Vec<Value> = (0..n - 1)
            .map(|i| {
                let mut k = other_jwks[i % other_jwks.len()].clone();
                k["kid"] = Value::from(format!("ins_bench_other_{i:03}"));
                k
            })
            .collect();
        keys.push(own.clone());
        let server = jwks_server(json!({ "keys": keys }).to_string());
        let a = Authenticator::new(options(json!({
            "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "apiUrl": server.url(), "authorizedParties": [APP],
        })))
        .expect("authenticator");
        signed_in(&a, &bearer_req, now_ms);
        g.bench_function(format!("bearer signed-in, JWKS of {n} keys (warm)"), |b| b.iter(|| a.authenticate_with(black_box(&bearer_req), &none, now_ms).unwrap()));
        assert_eq!(server.count(), 1, "JWKS of {n} keys fetched more than once");
    }
    g.finish();

    // --- Organization-pattern matching alone ------------------------------------------------
    let patterns: Vec<String> = vec!["/orgs/:slug".into(), "/orgs/:slug/(.*)".into()];
    let personal: Vec<String> = vec!["/me".into(), "/me/(.*)".into()];
    let matcher = OrganizationMatcher::new(Some(&patterns), Some(&personal)).expect("matcher");
    assert!(matcher.find_target("/orgs/globex/settings").is_some());
    assert!(matcher.find_target("/dashboard/settings").is_none());
    let mut g = modest(c, "org_sync");
    g.bench_function("find_target (matching path)", |b| b.iter(|| matcher.find_target(black_box("/orgs/globex/settings"))));
    g.bench_function("find_target (non-matching path)", |b| b.iter(|| matcher.find_target(black_box("/dashboard/settings"))));
    g.finish();

    // --- Scaling: one Arc<Authenticator>, 1 and 2 threads -------------------------------------
    let mut g = c.benchmark_group("scaling");
    g.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3)).sample_size(30).sampling_mode(SamplingMode::Flat);
    let mut summary = Vec::new();
    let load_before = loadavg();
    for (name, a, req) in [("cookie signed-in (jwtKey)", &auth, &cookie_req), ("bearer signed-in (JWKS warm)", &jwks_auth, &bearer_req)] {
        let mut rates = Vec::new();
        for threads in [1u64, 2] {
            // (requests, wall time, CPU time) over all batches, warm-up included.
            let total = Cell::new((0u64, Duration::ZERO, Some(Duration::ZERO)));
            g.bench_function(format!("{name}, {threads} thread{}", if threads == 1 { "" } else { "s" }), |b| {
                b.iter_custom(|iters| {
                    let cpu0 = cpu_time();
                    let d = split(a, req, now_ms, threads, iters);
                    let cpu = cpu_time().zip(cpu0).map(|(c1, c0)| c1.saturating_sub(c0));
                    let (n, t, c) = total.get();
                    total.set((n + iters, t + d, c.zip(cpu).map(|(c, x)| c + x)));
                    d
                })
            });
            let (n, t, c) = total.get();
            if n == 0 {
                continue; // filtered out on the command line
            }
            let cores_used = c.map(|c| format!("{:.2}", c.as_secs_f64() / t.as_secs_f64())).unwrap_or_else(|| "?".into());
            rates.push((n as f64 / t.as_secs_f64(), cores_used));
        }
        if rates.len() < 2 {
            continue;
        }
        summary.push(format!(
            "{name}: {:.0} req/s at 1 thread (CPU {} cores), {:.0} req/s at 2 threads (CPU {} cores), x{:.2}",
            rates[0].0,
            rates[0].1,
            rates[1].0,
            rates[1].1,
            rates[1].0 / rates[0].0
        ));
    }
    g.finish();
    assert_eq!(jwks.count(), 1, "the scaling benches fetched the JWKS again");
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    for s in summary {
        eprintln!("scaling: {s} [{cores} cores; load average {load_before} before, {} after; averaged over warm-up and measurement]", loadavg());
    }

    // --- Paired ratios: each signed-in request against the bare verify of its token ----------
    // Criterion measures one benchmark after another, and on a shared machine the speed drifts
    // by a few percent between them. Here batches of the two alternate, so both see the same
    // machine state; the ratio is the median over the rounds.
    let bare_of = |token: &str| {
        let (input, sig) = token.rsplit_once('.').expect("jwt");
        (input.as_bytes().to_vec(), URL_SAFE_NO_PAD.decode(sig).expect("signature"))
    };
    let paired: [(&str, &Authenticator, &Request, &str); 7] = [
        ("bearer signed-in (jwtKey)", &auth, &bearer_req, &token),
        ("cookie signed-in (jwtKey)", &auth, &cookie_req, &token),
        ("bearer signed-in (JWKS warm)", &jwks_auth, &bearer_req, &token),
        ("cookie signed-in (JWKS warm)", &jwks_auth, &cookie_req, &token),
        ("m2m JWT (acceptsToken m2m_token, jwtKey)", &m2m_auth, &m2m_req, &m2m_token),
        ("oauth JWT (acceptsToken oauth_token, jwtKey)", &oauth_auth, &oauth_req, &oauth_token),
        ("m2m JWT (acceptsToken any, jwtKey)", &any_auth, &m2m_req, &m2m_token),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if filter.is_empty() || filter.iter().any(|f| f == "paired") {
        for (name, a, req, token) in paired {
            let (input, sig) = bare_of(token);
            let (bare, request, ratio) = paired_ratio(
                || parsed.verify_sig(black_box(&input), black_box(&sig)).unwrap(),
                || {
                    black_box(a.authenticate_with(black_box(req), &none, now_ms).unwrap());
                },
            );
            eprintln!("paired: {name}: {request:.2} µs, bare verify {bare:.2} µs, x{ratio:.3} [median of {PAIRED_ROUNDS} rounds of {PAIRED_BATCH} + {PAIRED_BATCH} calls; load average {}]", loadavg());
        }
    }
}

const PAIRED_ROUNDS: usize = 300;
const PAIRED_BATCH: usize = 100;

/// Runs batches of `bare` and `request` alternately; returns their mean µs per call and the
/// median of the per-round time ratios (request / bare).
fn paired_ratio(mut bare: impl FnMut(), mut request: impl FnMut()) -> (f64, f64, f64) {
    let batch = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..PAIRED_BATCH {
            f();
        }
        t.elapsed().as_secs_f64()
    };
    batch(&mut bare);
    batch(&mut request);
    let (mut ratios, mut total_bare, mut total_request) = (Vec::with_capacity(PAIRED_ROUNDS), 0.0, 0.0);
    for _ in 0..PAIRED_ROUNDS {
        let (b, r) = (batch(&mut bare), batch(&mut request));
        ratios.push(r / b);
        (total_bare, total_request) = (total_bare + b, total_request + r);
    }
    ratios.sort_by(f64::total_cmp);
    let per_call = |total: f64| total * 1e6 / (PAIRED_ROUNDS * PAIRED_BATCH) as f64;
    (per_call(total_bare), per_call(total_request), ratios[PAIRED_ROUNDS / 2])
}

criterion_group!(benches, bench);
criterion_main!(benches);
