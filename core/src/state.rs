//! The result of authenticating a request: `RequestState`.

use serde_json::{json, Map, Value};

use crate::auth_object::{AuthObject, HasCheck, MachineAuth, SessionAuth};
use crate::context::Call;
use crate::org_sync::OrganizationSync;
use crate::reason::Reason;
use crate::string_enum::string_enum;
use crate::trace::Trace;
use crate::verify::Verified;

/// `signed-in`, `signed-out` or `handshake`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// A valid credential was verified.
    SignedIn,
    /// No usable credential; see the reason.
    SignedOut,
    /// The caller must redirect with the returned headers.
    Handshake,
}

impl AuthStatus {
    /// The reference's string.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStatus::SignedIn => "signed-in",
            AuthStatus::SignedOut => "signed-out",
            AuthStatus::Handshake => "handshake",
        }
    }
}

string_enum! {
    /// Credential kinds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum TokenType {
        /// A session JWT.
        SessionToken = "session_token",
        /// An API key (`ak_…`).
        ApiKey = "api_key",
        /// A machine-to-machine token (`mt_…` or M2M JWT).
        M2mToken = "m2m_token",
        /// An OAuth access token (`oat_…` or `at+jwt`).
        OAuthToken = "oauth_token",
    }
}

/// What the auth object is built from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AuthData {
    /// Verified session: its claims (re-scoped by membership resolution when it applies).
    Session(SessionAuth),
    /// Signed-out session object.
    SignedOutSession,
    /// Machine object.
    Machine(MachineAuth),
    /// acceptsToken pre-filter failure.
    InvalidToken,
    /// Handshake: `toAuth()` is null.
    None,
}

/// The outcome of `authenticate`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestState {
    /// Status.
    pub status: AuthStatus,
    /// Reason code (null when signed in).
    pub reason: Option<String>,
    /// Human-readable message (null when signed in).
    pub message: Option<String>,
    /// The verified token (signed in only).
    pub token: Option<String>,
    /// The token type evaluated (null only for the invalid-token state).
    pub token_type: Option<TokenType>,
    /// Headers to send back, lower-case names, in order (`set-cookie` entries stay separate).
    pub headers: Vec<(String, String)>,
    /// Echoed configuration.
    pub publishable_key: String,
    /// Echoed (resolved) proxy URL.
    pub proxy_url: String,
    /// Echoed.
    pub is_satellite: bool,
    /// Echoed.
    pub domain: String,
    /// Echoed.
    pub sign_in_url: String,
    /// Echoed.
    pub sign_up_url: String,
    /// Echoed.
    pub after_sign_in_url: String,
    /// Echoed.
    pub after_sign_up_url: String,
    /// This project's addition: the organization-sync outcome when a pattern matched.
    pub organization_sync: Option<OrganizationSync>,
    /// This project's addition: the decision trace, when asked for.
    pub trace: Option<Trace>,
    pub(crate) auth: AuthData,
    /// Until when an organization membership from the Backend API is taken from the cache.
    pub(crate) membership_until: Option<f64>,
}

/// Why a socket's re-authentication does not continue the answer it replaces
/// ([`RequestState::continues`]).
pub mod lapse {
    /// The new state is not signed in.
    pub const SIGNED_OUT: &str = "signed-out";
    /// Another user.
    pub const USER_CHANGED: &str = "user-changed";
    /// Another session of the same user.
    pub const SESSION_CHANGED: &str = "session-changed";
    /// Another organization (active, or authorized from the URL).
    pub const ORGANIZATION_CHANGED: &str = "organization-changed";
    /// Another token type or machine.
    pub const PRINCIPAL_CHANGED: &str = "principal-changed";
}

impl RequestState {
    /// The reason as a [`Reason`] ([`Reason::classify`]: a
    /// `session-token-expired-refresh-<why>` reason is [`Reason::SessionTokenExpired`]); `None`
    /// when signed in.
    pub fn reason_code(&self) -> Option<Reason> {
        self.reason.as_deref().and_then(Reason::classify)
    }

    /// True when signed in.
    pub fn is_authenticated(&self) -> bool {
        self.status == AuthStatus::SignedIn
    }

    /// The value of the first header with this name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `toAuth()` with pending sessions treated as signed out (the reference's default).
    pub fn to_auth(&self) -> Option<AuthObject> {
        self.to_auth_with(true)
    }

    /// `toAuth({ treatPendingAsSignedOut })`.
    pub fn to_auth_with(&self, treat_pending_as_signed_out: bool) -> Option<AuthObject> {
        Some(match &self.auth {
            AuthData::Session(s) => {
                if treat_pending_as_signed_out && s.session_status() == Some("pending") {
                    AuthObject::SignedOut { session_status: Some("pending".into()) }
                } else {
                    AuthObject::SignedIn(s.clone())
                }
            }
            AuthData::SignedOutSession => AuthObject::SignedOut { session_status: None },
            AuthData::Machine(m) => AuthObject::Machine(m.clone()),
            AuthData::InvalidToken => AuthObject::InvalidToken,
            AuthData::None => return None,
        })
    }

    /// `toAuth().has(check)`; false when there is no auth object.
    pub fn has(&self, check: &HasCheck) -> bool {
        self.to_auth().is_some_and(|a| a.has(check))
    }

    /// Where to redirect the client: the `Location` of a handshake, or of a development
    /// instance's handshake resolution (signed in, with the URL cleaned of handshake
    /// parameters). Every adapter redirects when this is `Some`, whatever the status.
    pub fn redirect_location(&self) -> Option<&str> {
        self.header("location")
    }

    /// Until when this answer holds, in ms since the epoch: the token's expiry, and when an
    /// organization membership from the Backend API scoped the auth object, the end of that
    /// membership's cache entry, whichever comes first. `None` when not signed in or when the
    /// credential does not expire. A long-lived connection (a WebSocket) authenticated by this
    /// state must re-authenticate, or stop trusting it, by then.
    pub fn valid_until_ms(&self) -> Option<f64> {
        if self.status != AuthStatus::SignedIn {
            return None;
        }
        let token_until = match &self.auth {
            AuthData::Session(s) => s.session_claims().num(crate::claims::claim::EXP).map(|exp| exp * 1000.0),
            AuthData::Machine(m) => m.data().get("expiration").and_then(Value::as_f64),
            _ => None,
        };
        match (token_until, self.membership_until.filter(|m| m.is_finite())) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether `self`, a re-authentication of a long-lived connection, continues `previous`:
    /// signed in as the same user, session and organization (or the same machine). The `Err`
    /// names what changed ([`lapse`]); the connection should then be closed.
    pub fn continues(&self, previous: &RequestState) -> Result<(), &'static str> {
        match (previous.to_auth(), self.to_auth()) {
            (_, Some(AuthObject::SignedIn(now))) => {
                let Some(AuthObject::SignedIn(before)) = previous.to_auth() else {
                    return Err(lapse::PRINCIPAL_CHANGED);
                };
                if now.user_id() != before.user_id() {
                    Err(lapse::USER_CHANGED)
                } else if now.session_id() != before.session_id() {
                    Err(lapse::SESSION_CHANGED)
                } else if now.org_id_str() != before.org_id_str() {
                    Err(lapse::ORGANIZATION_CHANGED)
                } else {
                    Ok(())
                }
            }
            (Some(AuthObject::Machine(before)), Some(AuthObject::Machine(now))) if now.is_authenticated && before.is_authenticated => {
                if now.token_type == before.token_type && now.subject() == before.subject() {
                    Ok(())
                } else {
                    Err(lapse::PRINCIPAL_CHANGED)
                }
            }
            _ => Err(lapse::SIGNED_OUT),
        }
    }

    /// The state as JSON, with the reference's field names (`toAuth()` under `auth`).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), Value::from(self.status.as_str()));
        m.insert("reason".into(), self.reason.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("message".into(), self.message.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("isAuthenticated".into(), Value::Bool(self.is_authenticated()));
        m.insert("isSignedIn".into(), Value::Bool(self.is_authenticated()));
        m.insert("token".into(), self.token.clone().map(Value::from).unwrap_or(Value::Null));
        m.insert("tokenType".into(), self.token_type.map(|t| Value::from(t.as_str())).unwrap_or(Value::Null));
        m.insert("headers".into(), Value::Array(self.headers.iter().map(|(k, v)| json!([k, v])).collect()));
        m.insert("publishableKey".into(), Value::from(self.publishable_key.as_str()));
        m.insert("proxyUrl".into(), Value::from(self.proxy_url.as_str()));
        m.insert("isSatellite".into(), Value::Bool(self.is_satellite));
        m.insert("domain".into(), Value::from(self.domain.as_str()));
        m.insert("signInUrl".into(), Value::from(self.sign_in_url.as_str()));
        m.insert("signUpUrl".into(), Value::from(self.sign_up_url.as_str()));
        m.insert("afterSignInUrl".into(), Value::from(self.after_sign_in_url.as_str()));
        m.insert("afterSignUpUrl".into(), Value::from(self.after_sign_up_url.as_str()));
        m.insert("auth".into(), self.to_auth().map(|a| a.to_json()).unwrap_or(Value::Null));
        m.insert("organizationSync".into(), self.organization_sync.as_ref().map(OrganizationSync::to_json).unwrap_or(Value::Null));
        m.insert("redirectLocation".into(), self.redirect_location().map(Value::from).unwrap_or(Value::Null));
        m.insert("validUntil".into(), self.valid_until_ms().map(Value::from).unwrap_or(Value::Null));
        if let Some(t) = &self.trace {
            m.insert("trace".into(), t.to_json());
        }
        Value::Object(m)
    }
}

/// A response header value the state may carry: Latin-1, no CR, LF or NUL.
pub(crate) fn legal_header_value(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| (c as u32) <= 0xFF && c != '\r' && c != '\n' && c != '\0')
}

/// The states a call ends in, built from the call's options and derived values.
impl Call<'_> {
    pub(crate) fn base_state(&self, status: AuthStatus, reason: Option<&str>, message: Option<&str>, headers: Vec<(String, String)>, auth: AuthData, token_type: Option<TokenType>) -> RequestState {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        RequestState {
            status,
            reason: reason.map(str::to_string),
            message: message.map(str::to_string),
            token: None,
            token_type,
            headers,
            publishable_key: s(&self.opts().publishable_key),
            proxy_url: self.proxy_url().to_string(),
            is_satellite: self.is_satellite(),
            domain: s(&self.opts().domain),
            sign_in_url: s(&self.opts().sign_in_url),
            sign_up_url: s(&self.opts().sign_up_url),
            after_sign_in_url: s(&self.opts().after_sign_in_url),
            after_sign_up_url: s(&self.opts().after_sign_up_url),
            organization_sync: None,
            trace: None,
            auth,
            membership_until: None,
        }
    }

    pub(crate) fn with_debug_headers(status: AuthStatus, reason: &str, message: &str, mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
        let mut set = |name: &str, value: &str| {
            if legal_header_value(value) {
                headers.retain(|(n, _)| n != name);
                headers.push((name.to_string(), value.to_string()));
            }
        };
        set("x-clerk-auth-status", status.as_str());
        set("x-clerk-auth-reason", reason);
        set("x-clerk-auth-message", message);
        headers
    }

    /// A signed-out session state (with debug headers).
    pub(crate) fn signed_out(&self, reason: impl AsRef<str>, message: &str, headers: Vec<(String, String)>) -> RequestState {
        self.signed_out_typed(reason, message, headers, TokenType::SessionToken)
    }

    pub(crate) fn signed_out_typed(&self, reason: impl AsRef<str>, message: &str, headers: Vec<(String, String)>, tt: TokenType) -> RequestState {
        let reason = reason.as_ref();
        let headers = Self::with_debug_headers(AuthStatus::SignedOut, reason, message, headers);
        let auth = match tt {
            TokenType::SessionToken => AuthData::SignedOutSession,
            t => AuthData::Machine(MachineAuth::unauthenticated(t)),
        };
        self.step("decision", || format!("signed-out: {reason}"));
        self.base_state(AuthStatus::SignedOut, Some(reason), Some(message), headers, auth, Some(tt))
    }

    /// A handshake state.
    pub(crate) fn handshake(&self, reason: impl AsRef<str>, message: &str, headers: Vec<(String, String)>) -> RequestState {
        let reason = reason.as_ref();
        let headers = Self::with_debug_headers(AuthStatus::Handshake, reason, message, headers);
        self.base_state(AuthStatus::Handshake, Some(reason), Some(message), headers, AuthData::None, Some(TokenType::SessionToken))
    }

    /// A signed-in session state (fails closed when the claims cannot be turned into an
    /// auth object, as the reference's `toAuth()` would throw).
    pub(crate) fn signed_in_session(&self, token: String, claims: Verified, headers: Vec<(String, String)>) -> RequestState {
        match SessionAuth::from_claims(claims) {
            Ok(a) => {
                self.step("decision", || format!("signed-in: user {} session {}", a.user_id(), a.session_id().unwrap_or("-")));
                let mut st = self.base_state(AuthStatus::SignedIn, None, None, headers, AuthData::Session(a), Some(TokenType::SessionToken));
                st.token = Some(token);
                st
            }
            Err(e) => {
                self.step("claims", || e.clone());
                self.signed_out(Reason::UnexpectedError, "", Vec::new())
            }
        }
    }

    pub(crate) fn signed_in_machine(&self, token: &str, m: MachineAuth) -> RequestState {
        let tt = m.token_type;
        self.step("decision", || format!("signed-in: {} {}", tt.as_str(), m.subject().unwrap_or("")));
        let mut st = self.base_state(AuthStatus::SignedIn, None, None, Vec::new(), AuthData::Machine(m), Some(tt));
        st.token = Some(token.to_string());
        st
    }

    pub(crate) fn invalid_token_state(&self) -> RequestState {
        let headers = Self::with_debug_headers(AuthStatus::SignedOut, Reason::TokenTypeMismatch.as_str(), "", Vec::new());
        self.step("decision", || "signed-out: token-type-mismatch (acceptsToken list)".into());
        let mut st = self.base_state(AuthStatus::SignedOut, Some(Reason::TokenTypeMismatch.as_str()), Some(""), headers, AuthData::InvalidToken, None);
        st.publishable_key.clear();
        st.proxy_url.clear();
        st.domain.clear();
        st.sign_in_url.clear();
        st.sign_up_url.clear();
        st.after_sign_in_url.clear();
        st.after_sign_up_url.clear();
        st.is_satellite = false;
        st
    }
}
