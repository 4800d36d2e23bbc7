//! Handshake: eligibility, the redirect to the Frontend API, the redirect-loop counter and
//! resolving a returned handshake (nonce or token).

use serde_json::Value;
use url::Url;

use crate::bapi::{segment, SUPPORTED_BAPI_VERSION};
use crate::context::Call;
use crate::cookies::{directive_name, directive_value};
use crate::jwt::{TokenError, VerifyError};
use crate::reason::Reason;
use crate::state::RequestState;

/// Removes query parameters, re-serialising the query as WHATWG URLSearchParams does.
pub(crate) fn without_params(url: &Url, names: &[&str]) -> Url {
    let mut u = url.clone();
    let pairs: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| !names.contains(&k.as_ref())).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    set_pairs(&mut u, &pairs);
    u
}

/// Replaces the query with form-encoded pairs (no `?` when empty).
pub(crate) fn set_pairs(u: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        let q = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        u.set_query(Some(&q));
    }
}

/// Why handshake resolution failed.
pub(crate) enum HandshakeFailure {
    /// The handshake token failed verification.
    Token(VerifyError),
    /// Anything else (logged; the cookie flow continues).
    Plain(String),
}

impl Call<'_> {
    /// GET navigations (`document`/`iframe`, or no `sec-fetch-dest` with `accept: text/html…`).
    pub fn eligible_for_handshake(&self) -> bool {
        if self.method() != "GET" {
            return false;
        }
        match self.sec_fetch_dest().as_deref() {
            Some("document") | Some("iframe") => true,
            Some(_) => false,
            None => self.accept().as_deref().is_some_and(|a| a.starts_with("text/html")),
        }
    }

    /// The Frontend API handshake URL for a reason.
    pub fn handshake_location(&self, reason: &str) -> String {
        let redirect = without_params(self.clerk_url(), &["__clerk_db_jwt", "__dev_session"]);
        let base = if self.frontend_api().starts_with("http") { self.frontend_api().to_string() } else { format!("https://{}", self.frontend_api()) };
        let base = format!("{}/", base.trim_end_matches('/'));
        let mut url = Url::parse(&base).and_then(|b| b.join("v1/client/handshake")).unwrap_or_else(|_| self.clerk_url().clone());
        let mut pairs = vec![
            ("redirect_url".to_string(), redirect.to_string()),
            ("__clerk_api_version".to_string(), SUPPORTED_BAPI_VERSION.to_string()),
            ("suffixed_cookies".to_string(), self.suffixed().to_string()),
            ("__clerk_hs_reason".to_string(), reason.to_string()),
            ("format".to_string(), "nonce".to_string()),
        ];
        if let Some(t) = self.session_token() {
            pairs.push(("__session".into(), t.to_string()));
        }
        if self.is_dev() {
            if let Some(d) = self.dev_browser_token() {
                pairs.push(("__clerk_db_jwt".into(), d.to_string()));
            }
        }
        if let Some(target) = self.sync_target() {
            pairs.push(("organization_id".into(), target.handshake_param().to_string()));
        }
        set_pairs(&mut url, &pairs);
        url.to_string()
    }

    /// A handshake when eligible, else signed-out with the same reason (9.1). `location`
    /// overrides the standard Frontend API redirect (multi-domain flows).
    pub fn maybe_handshake(&self, reason: impl AsRef<str>, message: &str, location: Option<String>) -> RequestState {
        let reason = reason.as_ref();
        if !self.eligible_for_handshake() {
            self.step("handshake", || format!("{reason}: not eligible (method {}, sec-fetch-dest {:?}, accept {:?}) → signed-out", self.method(), self.sec_fetch_dest(), self.accept()));
            return self.signed_out(reason, message, Vec::new());
        }
        let location = location.unwrap_or_else(|| self.handshake_location(reason));
        if self.redirect_loop_counter() == 3.0 {
            let msg = if reason == Reason::SatelliteCookieNeedsSyncing.as_str() {
                "Clerk: Satellite-domain authentication resulted in an infinite redirect loop. Check that this request is using a configured primary or satellite domain for the production instance."
            } else {
                "Clerk: Refreshing the session token resulted in an infinite redirect loop. This usually means that your Clerk instance keys do not match - make sure to copy the correct publishable and secret keys from the Clerk dashboard."
            };
            self.log(msg);
            self.step("handshake", || format!("{reason}: redirect loop (counter 3) → signed-out"));
            return self.signed_out(reason, message, Vec::new());
        }
        self.step("handshake", || format!("{reason}: eligible → redirect to {location}"));
        let headers = vec![
            ("location".to_string(), location),
            ("cache-control".to_string(), "no-store".to_string()),
            ("set-cookie".to_string(), format!("__clerk_redirect_count={}; SameSite=Lax; HttpOnly; Max-Age=2", crate::js::number_to_string(self.redirect_loop_counter() + 1.0))),
        ];
        self.handshake(reason, message, headers)
    }

    /// Resolves `__clerk_handshake_nonce` / `__clerk_handshake` (9.3).
    pub(crate) fn resolve_handshake(&self) -> Result<RequestState, HandshakeFailure> {
        let mut headers = vec![("access-control-allow-origin".to_string(), "null".to_string()), ("access-control-allow-credentials".to_string(), "true".to_string())];
        let directives: Vec<String> = if let Some(nonce) = self.handshake_nonce().as_deref() {
            self.step("handshake-resolve", || "nonce → Backend API handshake_payload".into());
            self.fetch_handshake_payload(nonce)
        } else if let Some(token) = self.handshake_token().as_deref() {
            self.step("handshake-resolve", || "handshake token".into());
            let payload = self.verify_handshake_token(token).map_err(|e| match e {
                TokenError::Verification(v) => HandshakeFailure::Token(v),
                TokenError::Unexpected(m) => HandshakeFailure::Plain(m),
            })?;
            payload.get("handshake").and_then(Value::as_array).map(|a| a.iter().filter_map(|d| d.as_str().map(str::to_string)).collect()).unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut session_token = String::new();
        for d in &directives {
            headers.push(("set-cookie".to_string(), d.clone()));
            if directive_name(d).starts_with("__session") {
                session_token = directive_value(d).to_string();
            }
        }
        if self.is_dev() {
            let cleaned = without_params(self.clerk_url(), &["__clerk_handshake", "__clerk_help", "__clerk_db_jwt", "__clerk_handshake_nonce"]);
            headers.push(("location".to_string(), cleaned.to_string()));
            headers.push(("cache-control".to_string(), "no-store".to_string()));
        }
        if session_token.is_empty() {
            return Ok(self.signed_out(Reason::SessionTokenMissing, "", headers));
        }
        let skew = self.opts().skew_ms;
        match self.verify_session_token(&session_token, skew) {
            Ok(claims) => Ok(self.signed_in_session(session_token, claims, headers)),
            Err(TokenError::Verification(v)) if self.is_dev() && matches!(v.reason, Reason::TokenExpired | Reason::TokenNotActiveYet | Reason::TokenIatInTheFuture) => {
                self.log("Clerk: Clock skew detected. This usually means that your system clock is inaccurate. Clerk will attempt to account for the clock skew in development.");
                match self.verify_session_token(&session_token, 86_400_000.0) {
                    Ok(claims) => Ok(self.signed_in_session(session_token, claims, headers)),
                    Err(e) => Err(HandshakeFailure::Plain(format!("Clerk: Handshake retry failed. {e:?}"))),
                }
            }
            Err(e) => Err(HandshakeFailure::Plain(format!("Clerk: Handshake failed. {e:?}"))),
        }
    }

    fn fetch_handshake_payload(&self, nonce: &str) -> Vec<String> {
        let api = self.api();
        let url = format!("{}?nonce={}", api.versioned("clients/handshake_payload"), segment(nonce));
        let secret = self.opts().secret_key.as_deref();
        match api.send("GET", url, secret, None) {
            Ok(r) if (200..300).contains(&r.status) => serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("directives").and_then(Value::as_array).map(|a| a.iter().filter_map(|d| d.as_str().map(str::to_string)).collect()))
                .unwrap_or_default(),
            Ok(r) => {
                self.log(&format!("Clerk: HandshakeService: error getting handshake payload: status {}", r.status));
                Vec::new()
            }
            Err(e) => {
                self.log(&format!("Clerk: HandshakeService: error getting handshake payload: {e}"));
                Vec::new()
            }
        }
    }
}
