//! `clerkauth demo`: a local development instance (own RSA key and keys), a few users and
//! organizations, and real scenarios authenticated through the core. Offline.

use clerkauth::devinstance::DevInstance;
use clerkauth::{AuthObject, Authenticator, HasCheck, Options, Request, RequestState};
use serde_json::json;

use clerkauth_cli::mockbapi::{MockBapi, Route};

const APP: &str = "https://app.example.com";

/// Widest line the demo prints, indentation included.
const WIDTH: usize = 100;

/// Splits `value` into pieces of at most `width` characters, breaking after `;`, `&`, `?`, `,` or a
/// space where one falls in the second half of a piece; concatenated, the pieces are `value`.
fn wrap(value: &str, width: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = value;
    while rest.chars().count() > width {
        let hard = rest.char_indices().nth(width).map_or(rest.len(), |(i, _)| i);
        let soft = rest[..hard].rfind([';', '&', '?', ',', ' ']).map(|i| i + 1).filter(|&i| i > hard / 2);
        let (piece, tail) = rest.split_at(soft.unwrap_or(hard));
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

/// Prints `label` and the whole of `value`, wrapped, continuation lines indented under it.
fn print_wrapped(label: &str, value: &str) {
    let indent = " ".repeat(label.chars().count());
    for (i, piece) in wrap(value, WIDTH.saturating_sub(indent.len()).max(20)).into_iter().enumerate() {
        println!("{}{piece}", if i == 0 { label } else { &indent });
    }
}

fn show(title: &str, st: &RequestState) {
    println!("\n── {title}");
    print!("   → {}", st.status.as_str());
    if let Some(r) = &st.reason {
        print!("  reason={r}");
    }
    println!();
    match st.to_auth() {
        Some(AuthObject::SignedIn(s)) => {
            println!("   user={} session={} org={} role={}", s.user_id(), s.session_id().unwrap_or("-"), s.org_id_str().unwrap_or("-"), s.org_role().as_ref().and_then(|r| r.as_str()).unwrap_or("-"))
        }
        Some(AuthObject::Machine(m)) if m.is_authenticated => println!("   {} subject={}", m.token_type.as_str(), m.subject().unwrap_or("-")),
        _ => {}
    }
    if let Some(sync) = &st.organization_sync {
        print_wrapped("   organizationSync: ", &sync.to_json().to_string());
    }
    for (k, v) in &st.headers {
        print_wrapped(&format!("   {k}: "), v);
    }
    if let Some(t) = &st.trace {
        for line in t.render().lines() {
            println!("   │ {line}");
        }
    }
}

/// Runs the demo; returns the exit code.
pub fn run() -> i32 {
    let dev = DevInstance::generate("demo-app-42.clerk.accounts.dev");
    let bapi = match MockBapi::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot start the local Backend API: {e}");
            return 1;
        }
    };
    bapi.reset(vec![
        Route { method: "GET".into(), path: "/v1/jwks".into(), status: 200, body: dev.jwks() },
        Route {
            method: "POST".into(),
            path: "/api_keys/verify".into(),
            status: 200,
            body: json!({"object": "api_key", "id": "ak_id_demo", "name": "CI deploy key", "subject": "user_alice", "scopes": ["read:items"], "claims": {"env": "ci"}}),
        },
        Route {
            method: "GET".into(),
            path: "/v1/organizations/org_globex/memberships".into(),
            status: 200,
            body: json!({"data": [{"role": "org:member", "permissions": ["org:chat:read"], "organization": {"id": "org_globex", "slug": "globex"}, "public_user_data": {"user_id": "user_alice"}}], "total_count": 1}),
        },
    ]);
    println!("Local dev instance: Frontend API {}", dev.frontend_api);
    print_wrapped("Publishable key: ", &dev.publishable_key);
    println!("Backend API (JWKS, API keys, memberships) on {}", bapi.url());
    let now_s = (clerkauth::now_ms() / 1000.0) as i64;
    let alice_acme = dev.session_token("user_alice", "sess_alice", now_s - 5, APP, json!({"fea": "o:chat", "o": {"id": "org_acme", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}}));
    let bob = dev.session_token("user_bob", "sess_bob", now_s - 5, APP, json!({}));
    let expired = dev.session_token("user_alice", "sess_alice", now_s - 600, APP, json!({}));
    let opts = Options::from_json(&json!({
        "secretKey": dev.secret_key, "publishableKey": dev.publishable_key, "apiUrl": bapi.url(),
        "authorizedParties": [APP], "acceptsToken": ["session_token", "api_key"],
        "organizationSyncOptions": {"organizationPatterns": ["/orgs/:slug", "/orgs/:slug/(.*)", "/api/websocket/:id"]},
        "requireTabToken": "x-clerk-auth-required",
    }));
    let auth = match opts.and_then(Authenticator::new) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return 1;
        }
    };
    let cookie = |t: &str| format!("__session={t}; __client_uat={}; __clerk_db_jwt=dvb_demo", now_s - 3600);
    let page = |path: &str| Request::new("GET", format!("{APP}{path}")).header("sec-fetch-dest", "document").header("accept", "text/html");
    let ws = |path: &str, t: &str| Request::new("GET", format!("{APP}{path}")).header("upgrade", "websocket").header("connection", "Upgrade").header("cookie", cookie(t));
    let run = |title: &str, req: Request, over: serde_json::Value| match Options::from_json(&over).and_then(|o| auth.authenticate_with(&req, &o, None)) {
        Ok(st) => {
            show(title, &st);
            Ok(st)
        }
        Err(e) => {
            eprintln!("{title}: error {e}");
            Err(())
        }
    };
    let steps: Vec<Result<RequestState, ()>> = vec![
        run("Page load, signed in by the __session cookie", page("/dashboard").header("cookie", cookie(&alice_acme)), json!({})),
        run("API call with a Bearer token (cross-origin)", Request::new("POST", format!("{APP}/api/items")).header("authorization", format!("Bearer {bob}")), json!({})),
        run("Expired session cookie on a page load → handshake", page("/dashboard").header("cookie", cookie(&expired)), json!({})),
        run(
            "Same, but a fetch() call → signed-out (never a redirect for API calls)",
            Request::new("GET", format!("{APP}/api/items")).header("sec-fetch-dest", "empty").header("cookie", cookie(&expired)),
            json!({}),
        ),
        run("Page for another organization (/orgs/globex) → org-sync handshake", page("/orgs/globex").header("cookie", cookie(&alice_acme)), json!({})),
        run("WebSocket for org_globex while the token's org is acme (reference: silently acme)", ws("/api/websocket/org_globex", &alice_acme), json!({"explain": true})),
        run(
            "Same WebSocket, onMismatch=signed-out",
            ws("/api/websocket/org_globex", &alice_acme),
            json!({"organizationSyncOptions": {"organizationPatterns": ["/api/websocket/:id"], "onMismatch": "signed-out"}}),
        ),
        run(
            "Same WebSocket, onMismatch=resolve-membership (Backend API membership lookup)",
            ws("/api/websocket/org_globex", &alice_acme),
            json!({"organizationSyncOptions": {"organizationPatterns": ["/api/websocket/:id"], "onMismatch": "resolve-membership"}}),
        ),
        run(
            "Background tab request that must carry its own token, but has only the cookie",
            Request::new("GET", format!("{APP}/api/me")).header("x-clerk-auth-required", "1").header("cookie", cookie(&bob)),
            json!({}),
        ),
        run("Machine token: an API key verified by the Backend API", Request::new("GET", format!("{APP}/api/items")).header("authorization", "Bearer ak_demo_secret_123"), json!({})),
    ];
    if steps.iter().any(Result::is_err) {
        return 1;
    }
    let first = steps[0].as_ref().ok();
    let can_manage = first.is_some_and(|s| s.has(&HasCheck::permission("org:chat:manage")));
    println!("\nhas({{permission: \"org:chat:manage\"}}) for the first request: {can_manage}");
    println!("Backend API requests made: {}", bapi.seen().len());
    0
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_every_character() {
        let cookie = format!("__clerk_handshake={}; Path=/; Domain=app.example.com; Max-Age=60; HttpOnly; Secure; SameSite=Lax", "e".repeat(230));
        for width in [20, 37, 80] {
            let pieces = wrap(&cookie, width);
            assert_eq!(pieces.concat(), cookie);
            assert!(pieces.iter().all(|p| p.chars().count() <= width), "{pieces:?}");
            assert!(pieces.len() > 1);
        }
        assert_eq!(wrap("short", 80), ["short"]);
        assert_eq!(wrap("ééééé", 2).concat(), "ééééé");
    }
}
