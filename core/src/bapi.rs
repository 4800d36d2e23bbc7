//! Backend API requests: URL building, standard headers, error bodies.

use std::cell::Cell;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};

/// The Backend API version sent in `Clerk-API-Version` and the handshake URL.
pub const SUPPORTED_BAPI_VERSION: &str = "2026-05-12";
/// Our product token.
pub const USER_AGENT: &str = concat!("clerkauth/", env!("CARGO_PKG_VERSION"));
/// Default Backend API base URL.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// Default Backend API path version.
pub const DEFAULT_API_VERSION: &str = "v1";

/// One Backend API endpoint base: transport, URL and version.
#[derive(Clone, Copy)]
pub struct BackendApi<'a> {
    /// The transport.
    pub transport: &'a Arc<dyn Transport>,
    /// Base URL (`apiUrl`).
    pub api_url: &'a str,
    /// Path version (`apiVersion`).
    pub api_version: &'a str,
    /// Set when the call must not reach the network (the no-network path): nothing is sent,
    /// the flag records that the call needed the Backend API.
    pub offline: Option<&'a Cell<bool>>,
}

/// A Backend API error body's first error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `code`.
    pub code: String,
    /// `message`.
    pub message: String,
}

/// The `errors` list of an error body.
pub fn api_errors(body: &[u8]) -> Vec<ApiError> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    v.get("errors")
        .and_then(Value::as_array)
        .map(|errs| {
            errs.iter()
                .map(|e| ApiError { code: e.get("code").and_then(Value::as_str).unwrap_or("").to_string(), message: e.get("message").and_then(Value::as_str).unwrap_or("").to_string() })
                .collect()
        })
        .unwrap_or_default()
}

/// Joins the base URL and a path, collapsing duplicate slashes in the path.
pub fn join_url(base: &str, path: &str) -> String {
    let (scheme_host, base_path) = match base.find("://") {
        Some(i) => match base[i + 3..].find('/') {
            Some(j) => (&base[..i + 3 + j], &base[i + 3 + j..]),
            None => (base, ""),
        },
        None => (base, ""),
    };
    let mut joined = String::with_capacity(base.len() + path.len() + 1);
    for seg in base_path.split('/').chain(path.split('/')).filter(|s| !s.is_empty()) {
        joined.push('/');
        joined.push_str(seg);
    }
    format!("{scheme_host}{joined}")
}

impl<'a> BackendApi<'a> {
    /// `{apiUrl}/{apiVersion}{path}`.
    pub fn versioned(&self, path: &str) -> String {
        join_url(self.api_url, &format!("{}/{}", self.api_version, path))
    }

    /// `{apiUrl}{path}` (machine-token endpoints carry no version).
    pub fn unversioned(&self, path: &str) -> String {
        join_url(self.api_url, path)
    }

    /// For a call that must not reach the network: records that it needed to, and says so
    /// (the caller then stops before waiting, fetching or caching anything).
    pub fn refuse(&self) -> bool {
        self.offline.inspect(|needed| needed.set(true)).is_some()
    }

    /// Sends a request with the standard headers (nothing, for a call that must not reach
    /// the network: see [`BackendApi::refuse`]).
    pub fn send(&self, method: &'static str, url: String, bearer: Option<&str>, body: Option<&Value>) -> Result<HttpResponse, TransportError> {
        if self.refuse() {
            return Err(TransportError::Network("the Backend API is not reached on the no-network path".into()));
        }
        let mut headers = Vec::with_capacity(4);
        if let Some(b) = bearer {
            headers.push(("Authorization".to_string(), format!("Bearer {b}")));
        }
        headers.push(("Clerk-API-Version".to_string(), SUPPORTED_BAPI_VERSION.to_string()));
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
        headers.push(("User-Agent".to_string(), USER_AGENT.to_string()));
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        self.transport.send(&HttpRequest { method, url, headers, body })
    }
}

/// Why `POST /sessions/{sid}/refresh` gave no cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshError {
    /// Not reached (or not allowed to be: the no-network path).
    Unreachable,
    /// An error status with this first error code.
    Api(String),
    /// An error status without an error code.
    NoErrorCode,
}

impl BackendApi<'_> {
    /// `{apiUrl}/{apiVersion}/sessions/{sid}/refresh` (`sid` already a path segment).
    pub(crate) fn refresh_url(&self, sid: &str, suffixed: bool) -> String {
        let url = self.versioned(&format!("sessions/{sid}/refresh"));
        if suffixed {
            url + "?suffixed_cookies=true"
        } else {
            url
        }
    }

    /// Refreshes a session (`body` as the reference sends it): the `Set-Cookie` values of a
    /// success, empty when the answer has none.
    pub(crate) fn refresh_session(&self, url: String, secret_key: Option<&str>, body: &Value) -> std::result::Result<Vec<String>, RefreshError> {
        let resp = self.send("POST", url, secret_key, Some(body)).map_err(|_| RefreshError::Unreachable)?;
        if !(200..300).contains(&resp.status) {
            return Err(api_errors(&resp.body).into_iter().next().map_or(RefreshError::NoErrorCode, |e| RefreshError::Api(e.code)));
        }
        let cookies =
            serde_json::from_slice::<Value>(&resp.body).ok().and_then(|v| v.get("cookies").and_then(Value::as_array).map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect()));
        Ok(cookies.unwrap_or_default())
    }
}

/// Encodes a path segment or query value (ids from tokens and URLs are attacker-controlled).
pub fn segment(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// One path segment naming a resource, percent-encoded. Empty (the reference's `requireId`),
/// `.` and `..` (which URL normalisation would resolve to another endpoint) are refused.
pub fn path_segment(value: &str, what: &str) -> Result<String> {
    if value.is_empty() {
        return Err(Error::new(ErrorCode::InvalidRequest, format!("A valid {what} is required.")));
    }
    if value == "." || value == ".." {
        return Err(Error::new(ErrorCode::InvalidRequest, format!("Invalid {what}: {value:?}")));
    }
    Ok(segment(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins() {
        assert_eq!(join_url("https://api.clerk.com", "v1/jwks"), "https://api.clerk.com/v1/jwks");
        assert_eq!(join_url("http://127.0.0.1:9/", "/v1//jwks"), "http://127.0.0.1:9/v1/jwks");
        assert_eq!(join_url("https://x.test/base/", "v1/jwks"), "https://x.test/base/v1/jwks");
    }

    #[test]
    fn segments_are_escaped_and_dot_segments_refused() {
        assert_eq!(path_segment("../x y", "t").unwrap(), "..%2Fx%20y");
        assert_eq!(path_segment("sess_123", "t").unwrap(), "sess_123");
        assert_eq!(path_segment("a?b#c%", "t").unwrap(), "a%3Fb%23c%25");
        for bad in ["", ".", ".."] {
            assert_eq!(path_segment(bad, "t").unwrap_err().code(), ErrorCode::InvalidRequest);
        }
    }
}
