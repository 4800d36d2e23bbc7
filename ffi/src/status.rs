//! The status codes of every fallible function (`clerkauth_status`), their one table of
//! stable names, the mapping from the core's error codes, and `clerkauth_status_text`.

use std::ffi::{c_char, CStr};

use clerkauth::ErrorCode;

use crate::guard::getter;

/// Status code returned by every fallible function. Values are stable; new codes may be added.
/// Codes 100 and up mirror the core library's error codes (configuration errors).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clerkauth_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An argument had an impossible value (e.g. a JSON value of the wrong shape).
    InvalidArgument = 3,
    /// A JSON argument was not valid JSON.
    InvalidJson = 4,
    /// An index was past the end.
    IndexOutOfRange = 5,
    /// The requested value is absent.
    NotFound = 6,
    /// A panic was caught inside the library (a bug; the call had no effect).
    Panic = 7,
    /// The publishable key is missing or malformed.
    InvalidPublishableKey = 100,
    /// The secret key is missing.
    MissingSecretKey = 101,
    /// Satellite configuration is incomplete or inconsistent.
    InvalidSatelliteConfig = 102,
    /// Machine-token authentication without any secret key.
    MissingMachineSecretKey = 103,
    /// An organization-sync pattern failed to compile.
    InvalidOrganizationPattern = 104,
    /// An option has the wrong type or an impossible value.
    InvalidOption = 105,
    /// The request (method, URL, headers) could not be used.
    InvalidRequest = 106,
    /// A development handshake token failed verification.
    HandshakeVerificationFailed = 107,
    /// Any other error the core reports.
    UnexpectedError = 108,
}

/// Writes the one table of status names: `text` (the `match` fails to compile until every
/// value has its line) and `ALL` (every value, for `from_u32` and `status_of`).
macro_rules! status_names {
    ($($variant:ident => $name:literal,)+) => {
        impl clerkauth_status {
            /// Every status, in code order.
            const ALL: &[clerkauth_status] = &[$(clerkauth_status::$variant),+];

            /// The stable kebab-case name (`clerkauth_status_text`).
            pub(crate) fn text(self) -> &'static CStr {
                match self {
                    $(clerkauth_status::$variant => $name,)+
                }
            }
        }
    };
}

// The names of codes 100 and up are the core's `ErrorCode` strings (`status_of` relies on it).
status_names! {
    Ok => c"ok",
    NullParameter => c"null-parameter",
    InvalidUtf8 => c"invalid-utf8",
    InvalidArgument => c"invalid-argument",
    InvalidJson => c"invalid-json",
    IndexOutOfRange => c"index-out-of-range",
    NotFound => c"not-found",
    Panic => c"panic",
    InvalidPublishableKey => c"invalid-publishable-key",
    MissingSecretKey => c"missing-secret-key",
    InvalidSatelliteConfig => c"invalid-satellite-config",
    MissingMachineSecretKey => c"missing-machine-secret-key",
    InvalidOrganizationPattern => c"invalid-organization-pattern",
    InvalidOption => c"invalid-option",
    InvalidRequest => c"invalid-request",
    HandshakeVerificationFailed => c"handshake-verification-failed",
    UnexpectedError => c"unexpected-error",
}

impl clerkauth_status {
    fn from_u32(code: u32) -> Option<clerkauth_status> {
        clerkauth_status::ALL.iter().copied().find(|&s| s as u32 == code)
    }
}

/// The status of a core error code: the value of 100 and up with the same name, or
/// `UnexpectedError` for a code without one of its own.
pub(crate) fn status_of(code: ErrorCode) -> clerkauth_status {
    let name = code.as_str().as_bytes();
    clerkauth_status::ALL.iter().copied().find(|&s| s as u32 >= 100 && s.text().to_bytes() == name).unwrap_or(clerkauth_status::UnexpectedError)
}

/// A stable kebab-case name for a status code ("ok", "null-parameter", "invalid-publishable-key", …),
/// or "unknown-status" for a value that is not a status code. Static; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn clerkauth_status_text(code: u32) -> *const c_char {
    getter(c"unknown-status".as_ptr(), || clerkauth_status::from_u32(code).map_or(c"unknown-status", clerkauth_status::text).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip_and_unknown_values_are_rejected() {
        for code in (0..=10).chain(95..=115).chain([u32::MAX]) {
            match clerkauth_status::from_u32(code) {
                Some(s) => assert_eq!(s as u32, code),
                None => assert_eq!(unsafe { CStr::from_ptr(clerkauth_status_text(code)) }, c"unknown-status"),
            }
        }
        assert_eq!(clerkauth_status::InvalidOrganizationPattern.text().to_str().unwrap(), ErrorCode::InvalidOrganizationPattern.as_str());
        assert_eq!(clerkauth_status::UnexpectedError.text().to_str().unwrap(), ErrorCode::Unexpected.as_str());
    }

    #[test]
    fn every_core_error_code_has_its_own_c_value_and_spelling() {
        for &c in ErrorCode::ALL {
            assert_eq!(status_of(c).text().to_str().unwrap(), c.as_str(), "{c:?} has no clerkauth_status of its own");
        }
    }
}
