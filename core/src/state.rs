//! The result of authenticating a request: `RequestState`.

use serde_json::{json, Map, Value};

use crate::auth_object::{AuthObject, HasCheck, MachineAuth, SessionAuth};
use crate::org_sync::OrganizationSync;
use crate::trace::Trace;

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

/// Credential kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// A session JWT.
    SessionToken,
    /// An API key (`ak_…`).
    ApiKey,
    /// A machine-to-machine token (`mt_…` or M2M JWT).
    M2mToken,
    /// An OAuth access token (`oat_…` or `at+jwt`).
    OAuthToken,
}

impl TokenType {
    /// The reference's string.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::SessionToken => "session_token",
            TokenType::ApiKey => "api_key",
            TokenType::M2mToken => "m2m_token",
            TokenType::OAuthToken => "oauth_token",
        }
    }

    /// Parses the reference's string.
    pub fn parse(s: &str) -> Option<TokenType> {
        match s {
            "session_token" => Some(TokenType::SessionToken),
            "api_key" => Some(TokenType::ApiKey),
            "m2m_token" => Some(TokenType::M2mToken),
            "oauth_token" => Some(TokenType::OAuthToken),
            _ => None,
        }
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
}

impl RequestState {
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
        if let Some(t) = &self.trace {
            m.insert("trace".into(), t.to_json());
        }
        Value::Object(m)
    }
}
