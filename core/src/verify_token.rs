//! `verifyToken`: a session JWT checked on its own, without a request — the same key
//! resolution (PEM `jwtKey` or JWKS) and claim rules (authorizedParties, audience, issuer,
//! clock skew, headerType) as the request flows.

use std::fmt;

use serde_json::{json, Map, Value};
use url::Url;

use crate::context::{Call, CallSetup};
use crate::jwt::TokenError;
use crate::reason::Reason;
use crate::{now_ms, Authenticator, Options, Request, Result};

/// Why `verify_token` refused a token: the reference's `TokenVerificationError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyTokenError {
    /// The reference's reason, e.g. `token-expired`, `token-invalid-signature`,
    /// `jwk-kid-mismatch`; `unexpected-error` for a failure that is not the token's.
    pub reason: String,
    /// The message, without the action.
    pub message: String,
    /// What to do about it, when the reference says.
    pub action: Option<String>,
}

impl fmt::Display for VerifyTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (reason={})", self.message, self.reason)
    }
}

impl std::error::Error for VerifyTokenError {}

impl From<TokenError> for VerifyTokenError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Verification(v) => VerifyTokenError { reason: v.reason.to_string(), message: v.message, action: v.action.map(str::to_string) },
            TokenError::Unexpected(m) => VerifyTokenError { reason: Reason::UnexpectedError.as_str().into(), message: m, action: None },
        }
    }
}

impl VerifyTokenError {
    /// `{"ok": false, "reason", "message", "action"}` for hosts that bind through JSON.
    pub fn to_json(&self) -> Value {
        json!({"ok": false, "reason": self.reason, "message": self.message, "action": self.action})
    }
}

impl Authenticator {
    /// `verifyToken(token, options)`: verifies a session token with the instance options
    /// merged with `overrides`, at `now_ms` (ms since epoch; `None` = now), and returns its
    /// claims. Configuration errors (an unknown option) are `Err` of the outer `Result`.
    pub fn verify_token(&self, token: &str, overrides: &Options, now: Option<f64>) -> Result<std::result::Result<Map<String, Value>, VerifyTokenError>> {
        let opts = self.call_options(overrides)?;
        // The flows' context without a request: no cookies, no publishable key.
        let request = Request::new("GET", "http://localhost/");
        let url = Url::parse(&request.url).expect("a constant URL parses");
        let call = Call::new(self, &request, url, CallSetup { opts, now_ms: now.unwrap_or_else(now_ms), pk: None, org_matcher: None, no_network: false });
        let skew = call.opts().skew_ms;
        Ok(call.verify_session_token(token, skew).map(|claims| claims.map().clone()).map_err(VerifyTokenError::from))
    }
}

/// `verify_token` with JSON in and out, for hosts that bind through JSON:
/// `{"ok": true, "claims": {…}}` or `{"ok": false, "reason", "message", "action"}`.
pub fn verify_token_json(auth: &Authenticator, token: &str, overrides: &Options, now: Option<f64>) -> Result<Value> {
    Ok(match auth.verify_token(token, overrides, now)? {
        Ok(claims) => json!({"ok": true, "claims": claims}),
        Err(e) => e.to_json(),
    })
}
