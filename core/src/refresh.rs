//! Section 8: a session token that failed verification in the cookie flow, turned into a
//! state. An expired token on a `GET` with a refresh cookie is refreshed through the Backend
//! API; otherwise, and when the refresh fails, the reason names why
//! (`session-token-expired-refresh-<why>`, `<why>` a [`RefreshFailure`]).

use serde_json::{json, Map, Value};

use crate::bapi::RefreshError;
use crate::claims::claim;
use crate::context::Call;
use crate::cookies::{directive_name, directive_value};
use crate::jwt::{Jwt, TokenError};
use crate::reason::Reason;
use crate::state::RequestState;

/// Why an expired session token was not refreshed: the `<why>` of
/// `session-token-expired-refresh-<why>`, spelled as the reference spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshFailure {
    /// The request is not a `GET`.
    NonEligibleNonGet,
    /// No `__refresh` cookie.
    NonEligibleNoRefreshCookie,
    MissingSessionToken,
    MissingRefreshToken,
    ExpiredSessionTokenDecodeFailed,
    ExpiredSessionTokenMissingSidClaim,
    /// A `sid` that would address another endpoint (`.`, `..`).
    ExpiredSessionTokenInvalidSidClaim,
    /// The Backend API was not reached, or answered `unexpected_error`.
    FetchError,
    /// The Backend API's error code.
    Api(String),
    /// An error status without an error code.
    UnexpectedBapiError,
    /// A success without cookies.
    UnexpectedSdkError,
    /// The refreshed token did not verify.
    InvalidSessionToken,
}

impl RefreshFailure {
    /// The reference's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            RefreshFailure::NonEligibleNonGet => "non-eligible-non-get",
            RefreshFailure::NonEligibleNoRefreshCookie => "non-eligible-no-refresh-cookie",
            RefreshFailure::MissingSessionToken => "missing-session-token",
            RefreshFailure::MissingRefreshToken => "missing-refresh-token",
            RefreshFailure::ExpiredSessionTokenDecodeFailed => "expired-session-token-decode-failed",
            RefreshFailure::ExpiredSessionTokenMissingSidClaim => "expired-session-token-missing-sid-claim",
            RefreshFailure::ExpiredSessionTokenInvalidSidClaim => "expired-session-token-invalid-sid-claim",
            RefreshFailure::FetchError => "fetch-error",
            RefreshFailure::Api(code) => code,
            RefreshFailure::UnexpectedBapiError => "unexpected-bapi-error",
            RefreshFailure::UnexpectedSdkError => "unexpected-sdk-error",
            RefreshFailure::InvalidSessionToken => "invalid-session-token",
        }
    }
}

impl From<RefreshError> for RefreshFailure {
    fn from(e: RefreshError) -> RefreshFailure {
        match e {
            RefreshError::Unreachable => RefreshFailure::FetchError,
            RefreshError::Api(code) if code == "unexpected_error" => RefreshFailure::FetchError,
            RefreshError::Api(code) => RefreshFailure::Api(code),
            RefreshError::NoErrorCode => RefreshFailure::UnexpectedBapiError,
        }
    }
}

impl Call<'_> {
    /// The state for a session token from `carrier` that failed verification.
    pub(crate) fn handle_token_error(&self, err: TokenError, carrier: &str) -> RequestState {
        let v = match err {
            TokenError::Unexpected(m) => {
                self.step("verify", || format!("unexpected error: {m}"));
                return self.signed_out(Reason::UnexpectedError, "", Vec::new());
            }
            TokenError::Verification(v) => v,
        };
        self.step("verify", || format!("failed: {} ({})", v.reason, v.message));
        let refresh_error = if v.reason == Reason::TokenExpired && self.refresh_token_in_cookie().is_some() && self.method() == "GET" {
            match self.refresh() {
                Ok(state) => return state,
                Err(e) => Some(e),
            }
        } else if self.method() != "GET" {
            Some(RefreshFailure::NonEligibleNonGet)
        } else if self.refresh_token_in_cookie().is_none() {
            Some(RefreshFailure::NonEligibleNoRefreshCookie)
        } else {
            None
        };
        let full = v.full_message(Some(carrier));
        match v.reason {
            Reason::TokenExpired => {
                let r = Reason::expired_refresh(refresh_error.as_ref().map_or("null", RefreshFailure::as_str));
                self.maybe_handshake(&r, &full, None)
            }
            Reason::TokenNotActiveYet => self.maybe_handshake(Reason::SessionTokenNbf, &full, None),
            Reason::TokenIatInTheFuture => self.maybe_handshake(Reason::SessionTokenIatInTheFuture, &full, None),
            r => self.signed_out(r, &full, Vec::new()),
        }
    }

    /// Refreshes the expired cookie session: the new session cookies, and the state signed in
    /// with the new token.
    fn refresh(&self) -> Result<RequestState, RefreshFailure> {
        let expired = self.session_token().map(str::to_string).ok_or(RefreshFailure::MissingSessionToken)?;
        let refresh = self.refresh_token_in_cookie().as_deref().ok_or(RefreshFailure::MissingRefreshToken)?;
        let jwt = Jwt::decode(&expired).map_err(|_| RefreshFailure::ExpiredSessionTokenDecodeFailed)?;
        // An empty sid is missing (JavaScript's `!sid`); `.` / `..` would address another endpoint.
        let sid = jwt.payload.str(claim::SID).filter(|s| !s.is_empty()).ok_or(RefreshFailure::ExpiredSessionTokenMissingSidClaim)?;
        let sid = crate::bapi::path_segment(sid, "session id").map_err(|_| RefreshFailure::ExpiredSessionTokenInvalidSidClaim)?;
        let request_headers: Map<String, Value> = self.request().joined_headers().into_iter().map(|(name, value)| (name, json!([value]))).collect();
        let body = json!({
            "format": "cookie",
            "expired_token": expired,
            "refresh_token": refresh,
            "request_origin": self.clerk_url().origin().ascii_serialization(),
            "request_headers": request_headers,
        });
        let url = self.api().refresh_url(&sid, self.suffixed());
        self.step("refresh", || format!("POST {url}"));
        let cookies = self.api().refresh_session(url, self.opts().secret_key.as_deref(), &body)?;
        if cookies.is_empty() {
            return Err(RefreshFailure::UnexpectedSdkError);
        }
        let token = cookies.iter().rfind(|d| directive_name(d).starts_with("__session")).map(|d| directive_value(d).to_string()).unwrap_or_default();
        let claims = self.verify_session_token(&token, self.opts().skew_ms).map_err(|_| RefreshFailure::InvalidSessionToken)?;
        let headers = cookies.into_iter().map(|c| ("set-cookie".to_string(), c)).collect();
        Ok(self.signed_in_session(token, claims, headers))
    }
}
