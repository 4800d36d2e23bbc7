//! Helpers shared by the fuzz targets: an offline Backend API transport, a JWKS policy that
//! never sleeps, the fixed clock, input splitting and a walk over every public view of a
//! `RequestState`.
//!
//! Nothing here touches the network: every authenticator a target builds uses
//! [`OfflineTransport`], which answers from a canned list or fails at once with a network
//! error, and a JWKS retry policy of one attempt (the default policy sleeps between its five
//! attempts, which would turn every JWKS miss into seconds per exec).

use std::sync::Arc;
use std::time::Duration;

use clerkauth::claims::{claim, header, Claims, Field};
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use clerkauth::{Authenticator, HasCheck, Options, RequestState};
use serde_json::Value;

/// The clock every target authenticates at (2026-01-01T00:00:00Z, the conformance vectors'
/// `now_ms`).
pub const NOW_MS: f64 = 1767225600000.0;

/// An `apiUrl` on a closed local port: even if a request escaped the offline transport it
/// would fail at once instead of waiting on a timeout.
pub const CLOSED_API_URL: &str = "http://127.0.0.1:9";

/// One canned Backend API answer, matched on method and path (query ignored unless the
/// entry's path has one), as in the conformance vectors' `backend_api` lists.
#[derive(Debug, Clone)]
pub struct Canned {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
}

/// A transport that never opens a socket.
#[derive(Debug, Default)]
pub struct OfflineTransport {
    pub canned: Vec<Canned>,
}

impl OfflineTransport {
    /// From a vector-shaped `backend_api` JSON list; malformed entries are skipped.
    pub fn from_json(v: Option<&Value>) -> OfflineTransport {
        let mut canned = Vec::new();
        for e in v.and_then(Value::as_array).into_iter().flatten().take(16) {
            let (Some(method), Some(path)) = (e.get("method").and_then(Value::as_str), e.get("path").and_then(Value::as_str)) else { continue };
            let status = e.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
            let body = match e.get("body") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(s)) => s.clone().into_bytes(),
                Some(b) => b.to_string().into_bytes(),
            };
            canned.push(Canned { method: method.to_string(), path: path.to_string(), status, body });
        }
        OfflineTransport { canned }
    }
}

/// The path (and query) of an absolute URL, without parsing it strictly.
fn path_of(url: &str) -> &str {
    let rest = url.find("://").map_or(url, |i| &url[i + 3..]);
    rest.find('/').map_or("/", |i| &rest[i..])
}

impl Transport for OfflineTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let full = path_of(&request.url);
        let bare = full.split('?').next().unwrap_or(full);
        for c in &self.canned {
            let want = if c.path.contains('?') { full } else { bare };
            if c.method.eq_ignore_ascii_case(request.method) && c.path == want {
                return Ok(HttpResponse { status: c.status, body: c.body.clone() });
            }
        }
        Err(TransportError::Network("offline (fuzzing)".into()))
    }
}

/// One JWKS attempt, no backoff sleep.
pub fn fast_jwks() -> JwksPolicy {
    JwksPolicy { retry: RetryPolicy { attempts: 1, base_delay: Duration::ZERO }, ..JwksPolicy::default() }
}

/// An authenticator that cannot reach any network: `apiUrl` forced to a closed local port,
/// the offline transport, one JWKS attempt.
pub fn offline_authenticator(mut options: Options, transport: OfflineTransport) -> clerkauth::Result<Authenticator> {
    options.api_url = Some(CLOSED_API_URL.to_string());
    Authenticator::builder(options).transport(Arc::new(transport)).jwks_policy(fast_jwks()).build()
}

/// Splits fuzz bytes into `n` newline-separated fields (lossy UTF-8); missing fields are
/// `None`, the last field keeps any further newlines.
pub fn fields(data: &[u8], n: usize) -> Vec<Option<String>> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<Option<String>> = text.splitn(n, '\n').map(|s| Some(s.to_string())).collect();
    out.resize(n, None);
    out
}

/// Exercises every public view of a state; panics only through the crate itself.
pub fn walk_state(state: &RequestState) {
    let _ = state.to_json();
    let _ = state.is_authenticated();
    let _ = state.header("location");
    let _ = state.header("set-cookie");
    for pending in [true, false] {
        if let Some(auth) = state.to_auth_with(pending) {
            let _ = auth.to_json();
        }
    }
    for check in [
        HasCheck::role("org:admin"),
        HasCheck::permission("org:posts:edit"),
        HasCheck::feature("premium"),
        HasCheck::plan("pro"),
        HasCheck { reverification: Some(Value::from("strict")), ..HasCheck::default() },
    ] {
        let _ = state.has(&check);
    }
    if let Some(sync) = &state.organization_sync {
        let _ = sync.to_json();
    }
}

/// Asserts that the fields a decoded header and claims object kept agree with the whole object
/// as serde_json parses it (string, number and JSON value of each).
pub fn assert_kept_fields_agree(h: &Claims, p: &Claims) {
    for &(k, name) in header::KEPT {
        assert_eq!(h.value(k).as_ref(), h.get(name), "header {name}");
        assert_eq!(h.str(k), h.get(name).and_then(Value::as_str), "header {name}");
    }
    for &(k, name) in claim::KEPT {
        assert_eq!(p.value(k).as_ref(), p.get(name), "claim {name}");
        assert_eq!(p.str(k), p.get(name).and_then(Value::as_str), "claim {name}");
        assert_eq!(p.num(k), p.get(name).filter(|v| v.is_number()).and_then(Value::as_f64), "claim {name}");
    }
    if let Some(Field::Object) = p.field(claim::O) {
        for &(k, name) in claim::o::KEPT {
            assert_eq!(p.value(k).as_ref(), p.get("o").and_then(|o| o.get(name)), "claim o.{name}");
        }
    }
}
