//! Errors raised by the library: configuration mistakes and unrecoverable failures.
//!
//! Authentication failures are *not* errors: they are `signed-out` states with a reason.

use std::fmt;

use crate::string_enum::string_enum;

string_enum! {
    /// Stable, machine-readable error codes (shared by every binding).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum ErrorCode {
        /// The publishable key is missing or malformed.
        InvalidPublishableKey = "invalid-publishable-key",
        /// The secret key is missing.
        MissingSecretKey = "missing-secret-key",
        /// Satellite configuration is incomplete or inconsistent.
        InvalidSatelliteConfig = "invalid-satellite-config",
        /// Machine-token authentication without any secret key.
        MissingMachineSecretKey = "missing-machine-secret-key",
        /// An organization-sync pattern failed to compile.
        InvalidOrganizationPattern = "invalid-organization-pattern",
        /// An option has the wrong type or an impossible value.
        InvalidOption = "invalid-option",
        /// The request (method, URL, headers) could not be used.
        InvalidRequest = "invalid-request",
        /// A development handshake token failed verification (the reference throws).
        HandshakeVerificationFailed = "handshake-verification-failed",
        /// Any other failure the reference surfaces as a thrown error.
        Unexpected = "unexpected-error",
    }
}

/// An error with a stable code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// Creates an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
    /// The message (the reference's text where it has one).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
