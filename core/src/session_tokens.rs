//! Session tokens from the Backend API: what a signed-in auth object's
//! `getToken({ template, expiresInSeconds })` does in `@clerk/backend`
//! (`sessions.getToken(sessionId, template, expiresInSeconds)`).
//!
//! `POST {apiUrl}/{apiVersion}/sessions/{sessionId}/tokens[/{template}]` with
//! `Authorization: Bearer <secretKey>` and, only when given, the body
//! `{"expires_in_seconds": n}`; the answer is a Token object `{"object": "token", "jwt": "…"}`
//! and its `jwt` is returned. Nothing is cached: every call is one request.
//!
//! Differences from the reference, on purpose: the session id and template name are
//! percent-encoded as single path segments (the reference joins them verbatim, so a template
//! named `../x` would address another endpoint), and `.` / `..` are refused outright.

use serde_json::{json, Value};

use crate::bapi::{api_errors, path_segment, BackendApi};
use crate::error::{Error, ErrorCode, Result};
use crate::options::Options;
use crate::Authenticator;

impl Authenticator {
    /// `sessions.getToken(sessionId, template, expiresInSeconds)`: a new token for the session
    /// `session_id` from the Backend API: from the JWT template `template` when given (an
    /// empty name counts as none, as in the reference), else a fresh session token; with
    /// `expires_in_seconds` sent as `{"expires_in_seconds": n}` only when given. `overrides`
    /// are per-call options overlaid on the instance's (`secretKey`, `apiUrl`, `apiVersion` are
    /// used); pass the ones the request was authenticated with.
    ///
    /// Errors: `missing-secret-key` without a secret key; `invalid-request` for an empty or
    /// dot-segment session id or a dot-segment template name; `invalid-option` for invalid overrides;
    /// `unexpected-error` when the Backend API is unreachable, answers with an error status
    /// (the message carries the status and the Backend API's error code and message, e.g.
    /// 404 for an unknown template, 401 for a bad secret key) or without a `jwt`.
    /// Blocks for the duration of one HTTP request.
    pub fn session_token(&self, session_id: &str, template: Option<&str>, expires_in_seconds: Option<u64>, overrides: &Options) -> Result<String> {
        let opts = self.call_options(overrides)?;
        let sid = path_segment(session_id, "resource ID")?;
        let template = template.filter(|t| !t.is_empty()).map(|t| path_segment(t, "JWT template name")).transpose()?;
        let Some(secret) = opts.secret_key.as_deref().filter(|s| !s.is_empty()) else {
            return Err(Error::new(ErrorCode::MissingSecretKey, "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance."));
        };
        let api = BackendApi { transport: &self.transport, api_url: &opts.api_url, api_version: &opts.api_version, offline: None };
        let path = match &template {
            Some(t) => format!("sessions/{sid}/tokens/{t}"),
            None => format!("sessions/{sid}/tokens"),
        };
        let body = expires_in_seconds.map(|n| json!({ "expires_in_seconds": n }));
        let unexpected = |m: String| Error::new(ErrorCode::Unexpected, m);
        let resp = api.send("POST", api.versioned(&path), Some(secret), body.as_ref()).map_err(|e| unexpected(format!("Backend API unreachable for the session token request: {e}")))?;
        if !(200..300).contains(&resp.status) {
            let detail = api_errors(&resp.body)
                .into_iter()
                .next()
                .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                    (false, false) => format!(": {} ({})", e.message, e.code),
                    (false, true) => format!(": {}", e.code),
                    (true, false) => format!(": {}", e.message),
                    (true, true) => String::new(),
                })
                .unwrap_or_default();
            return Err(unexpected(format!("Backend API answered {} to the session token request{detail}", resp.status)));
        }
        let v: Value = serde_json::from_slice(&resp.body).map_err(|e| unexpected(format!("Invalid session token response: {e}")))?;
        match v.get("jwt").and_then(Value::as_str) {
            Some(jwt) if !jwt.is_empty() => Ok(jwt.to_string()),
            _ => Err(unexpected("Invalid session token response: no jwt".to_string())),
        }
    }
}
