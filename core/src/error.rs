//! Errors raised by the library: configuration mistakes and unrecoverable failures.
//!
//! Authentication failures are *not* errors: they are `signed-out` states with a reason.

use std::fmt;

/// Stable, machine-readable error codes (shared by every binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The publishable key is missing or malformed.
    InvalidPublishableKey,
    /// The secret key is missing.
    MissingSecretKey,
    /// Satellite configuration is incomplete or inconsistent.
    InvalidSatelliteConfig,
    /// Machine-token authentication without any secret key.
    MissingMachineSecretKey,
    /// An organization-sync pattern failed to compile.
    InvalidOrganizationPattern,
    /// An option has the wrong type or an impossible value.
    InvalidOption,
    /// The request (method, URL, headers) could not be used.
    InvalidRequest,
    /// A development handshake token failed verification (the reference throws).
    HandshakeVerificationFailed,
    /// Any other failure the reference surfaces as a thrown error.
    Unexpected,
}

impl ErrorCode {
    /// Every error code, in declaration order.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidPublishableKey,
        ErrorCode::MissingSecretKey,
        ErrorCode::InvalidSatelliteConfig,
        ErrorCode::MissingMachineSecretKey,
        ErrorCode::InvalidOrganizationPattern,
        ErrorCode::InvalidOption,
        ErrorCode::InvalidRequest,
        ErrorCode::HandshakeVerificationFailed,
        ErrorCode::Unexpected,
    ];

    /// The code spelled `s` exactly.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The code as a stable kebab-case string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidPublishableKey => "invalid-publishable-key",
            ErrorCode::MissingSecretKey => "missing-secret-key",
            ErrorCode::InvalidSatelliteConfig => "invalid-satellite-config",
            ErrorCode::MissingMachineSecretKey => "missing-machine-secret-key",
            ErrorCode::InvalidOrganizationPattern => "invalid-organization-pattern",
            ErrorCode::InvalidOption => "invalid-option",
            ErrorCode::InvalidRequest => "invalid-request",
            ErrorCode::HandshakeVerificationFailed => "handshake-verification-failed",
            ErrorCode::Unexpected => "unexpected-error",
        }
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
