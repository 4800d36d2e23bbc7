//! Runs one signed-in request in a loop (for profilers: `valgrind --tool=callgrind`).
//! Prints the mean time per request beside the bare RS256 verify of the same token, interleaved
//! so both see the same machine load. The tokens are the criterion bench's. Usage: hotpath [bearer|cookie|m2m|m2m-any] [iterations] [cached]
//! (`HOTPATH_NO_BARE=1` runs the requests alone, to profile them).

use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clerkauth::devinstance::DevInstance;
use clerkauth::{Authenticator, Options, Request};
use serde_json::json;

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "cookie".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let cache_size = if args.next().as_deref() == Some("cached") { 1000 } else { 0 };
    let dev = DevInstance::generate("hot-1.clerk.accounts.dev");
    let now_s = 1_767_225_600i64;
    let m2m = kind.starts_with("m2m");
    let token = if m2m {
        let header = serde_json::Map::from_iter([("cat".to_string(), json!(clerkauth::jwt::category::M2M))]);
        dev.sign(header, &json!({"sub": "mch_1", "iat": now_s - 5, "nbf": now_s - 5, "exp": now_s + 3600, "jti": "mt_1", "scopes": "mch_2 mch_3", "iss": "https://hot-1.clerk.accounts.dev"}))
    } else {
        dev.session_token("user_1", "sess_1", now_s - 5, "https://app.example.com", json!({"fea": "o:chat", "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}))
    };
    let opts = Options::from_json(&json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "jwtKey": dev.jwt_key,
        "authorizedParties": if m2m { json!([]) } else { json!(["https://app.example.com"]) },
        "organizationSyncOptions": {"organizationPatterns": ["/orgs/:slug", "/orgs/:slug/(.*)"]},
        "verifiedTokenCacheSize": cache_size,
        "acceptsToken": match kind.as_str() { "m2m" => "m2m_token", "m2m-any" => "any", _ => "session_token" },
    }))
    .expect("options");
    let auth = Authenticator::new(opts).expect("authenticator");
    let req = match kind.as_str() {
        "bearer" | "m2m" | "m2m-any" => Request::new("GET", "https://app.example.com/api/items").header("authorization", format!("Bearer {token}")).header("accept", "application/json"),
        _ => Request::new("GET", "https://app.example.com/dashboard")
            .header("accept", "text/html")
            .header("sec-fetch-dest", "document")
            .header("cookie", format!("__client_uat={}; __session={token}; __clerk_db_jwt=dvb_1; theme=dark", now_s - 3600)),
    };
    let none = Options::default();
    // The bare RS256 verify of the same token, key parsed once.
    let spki = STANDARD.decode(dev.jwt_key.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).expect("pem");
    let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki).expect("key");
    let (input, sig) = token.rsplit_once('.').expect("jwt");
    let sig = URL_SAFE_NO_PAD.decode(sig).expect("sig");
    let request_only = std::env::var_os("HOTPATH_NO_BARE").is_some();
    let mut signed_in = 0;
    let (mut t_auth, mut t_bare) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..n {
        let t = Instant::now();
        if !request_only {
            key.verify_sig(input.as_bytes(), &sig).expect("bare verify");
        }
        t_bare += t.elapsed();
        let t = Instant::now();
        let st = auth.authenticate_with(&req, &none, Some(now_s as f64 * 1000.0)).expect("authenticate");
        t_auth += t.elapsed();
        signed_in += usize::from(st.status == clerkauth::AuthStatus::SignedIn);
    }
    let t = Instant::now();
    for _ in 0..if request_only { 0 } else { n } {
        std::hint::black_box(clerkauth::jwt::Jwt::decode(std::hint::black_box(&token)).expect("decode"));
    }
    let t_decode = t.elapsed();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!("decode alone {:.2} µs", per(t_decode));
    println!("{kind}: {signed_in}/{n} signed in; {:.2} µs per request, bare verify {:.2} µs, ratio {:.3}", per(t_auth), per(t_bare), t_auth.as_secs_f64() / t_bare.as_secs_f64());
}
