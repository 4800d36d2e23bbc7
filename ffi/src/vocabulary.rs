//! The library's static strings and the C spellings of the core's vocabularies:
//! `clerkauth_vocabulary_json`, `clerkauth_version`, and the result enums
//! (`clerkauth_auth_status`, `clerkauth_token_type`, `clerkauth_auth_kind`) with the one table
//! from each core value to its C value and string.

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use clerkauth::{AuthStatus, TokenType};

use crate::guard::getter;

/// The core's vocabularies as JSON: `{"reasons":[...],"tokenTypes":[...],"errorCodes":[...]}`:
/// every reason code (`clerkauth_result_reason`; a refresh failure's reason is composed,
/// `session-token-expired-refresh-<why>`, and listed as its head `session-token-expired`),
/// token type string (`clerkauth_result_token_type_str`) and error code
/// (`clerkauth_status_text` of the codes 100 and up), in the core's order. Static: the same pointer on every call, valid for the
/// life of the process; never free it. Thread-safe. NULL only if the library panicked.
#[no_mangle]
pub extern "C" fn clerkauth_vocabulary_json() -> *const c_char {
    static JSON: OnceLock<CString> = OnceLock::new();
    getter(std::ptr::null(), || JSON.get_or_init(|| CString::new(clerkauth::vocabulary_json()).unwrap_or_default()).as_ptr())
}

/// The library version, e.g. "0.1.0". Static; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn clerkauth_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// `status` of a result: what `authenticateRequest` decided.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_auth_status {
    /// Returned for a NULL result.
    None = 0,
    /// `signed-in`.
    SignedIn = 1,
    /// `signed-out` (see the reason).
    SignedOut = 2,
    /// `handshake`: respond with the result's headers (a redirect).
    Handshake = 3,
}

/// A result status's C value and the reference's string ("signed-in", "signed-out",
/// "handshake").
pub(crate) fn auth_status_c(status: AuthStatus) -> (clerkauth_auth_status, &'static CStr) {
    match status {
        AuthStatus::SignedIn => (clerkauth_auth_status::SignedIn, c"signed-in"),
        AuthStatus::SignedOut => (clerkauth_auth_status::SignedOut, c"signed-out"),
        AuthStatus::Handshake => (clerkauth_auth_status::Handshake, c"handshake"),
    }
}

/// The credential kind a result evaluated.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_token_type {
    /// No token type (NULL result, or the acceptsToken pre-filter's invalid-token state).
    None = 0,
    /// `session_token`.
    SessionToken = 1,
    /// `api_key`.
    ApiKey = 2,
    /// `m2m_token`.
    M2mToken = 3,
    /// `oauth_token`.
    OauthToken = 4,
}

/// A token type's C value and the core's string ("session_token", "api_key", …).
pub(crate) fn token_type_c(t: TokenType) -> (clerkauth_token_type, &'static CStr) {
    match t {
        TokenType::SessionToken => (clerkauth_token_type::SessionToken, c"session_token"),
        TokenType::ApiKey => (clerkauth_token_type::ApiKey, c"api_key"),
        TokenType::M2mToken => (clerkauth_token_type::M2mToken, c"m2m_token"),
        TokenType::OAuthToken => (clerkauth_token_type::OauthToken, c"oauth_token"),
    }
}

/// The shape of a result's auth object (`toAuth()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_auth_kind {
    /// `toAuth()` is null (handshake) or the result is NULL.
    None = 0,
    /// A signed-in session.
    SignedIn = 1,
    /// A signed-out session object.
    SignedOut = 2,
    /// A machine token (authenticated or not).
    Machine = 3,
    /// The acceptsToken pre-filter's invalid-token object.
    InvalidToken = 4,
}

/// The static C string of a lapse reason (`clerkauth_result_continues`).
pub(crate) fn lapse_cstr(lapse: &str) -> &'static CStr {
    match lapse {
        clerkauth::lapse::SIGNED_OUT => c"signed-out",
        clerkauth::lapse::USER_CHANGED => c"user-changed",
        clerkauth::lapse::SESSION_CHANGED => c"session-changed",
        clerkauth::lapse::ORGANIZATION_CHANGED => c"organization-changed",
        _ => c"principal-changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn every_core_token_type_and_the_vocabulary_keep_the_core_spelling() {
        for &t in TokenType::ALL {
            assert_eq!(token_type_c(t).1.to_str().unwrap(), t.as_str());
        }
        let v: Value = serde_json::from_str(unsafe { CStr::from_ptr(clerkauth_vocabulary_json()) }.to_str().unwrap()).unwrap();
        assert_eq!(v, clerkauth::vocabulary());
        assert_eq!(clerkauth_vocabulary_json(), clerkauth_vocabulary_json());
    }

    #[test]
    fn every_lapse_reason_keeps_the_core_spelling() {
        use clerkauth::lapse::*;
        for l in [SIGNED_OUT, USER_CHANGED, SESSION_CHANGED, ORGANIZATION_CHANGED, PRINCIPAL_CHANGED] {
            assert_eq!(lapse_cstr(l).to_str().unwrap(), l);
        }
    }
}
