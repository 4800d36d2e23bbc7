//! The core's string vocabularies in one JSON document, for hosts to check their own lists
//! against (`clerkauth_vocabulary_json()` in C, `_native.vocabulary()` in Python,
//! `vocabulary()` in the Node addon).

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{ErrorCode, Reason, TokenType};

/// `{"reasons": [...], "tokenTypes": [...], "errorCodes": [...]}`: every [`Reason`],
/// [`TokenType`] and [`ErrorCode`] string, in declaration order.
pub fn vocabulary() -> Value {
    json!({
        "reasons": Reason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "tokenTypes": TokenType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "errorCodes": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    })
}

/// [`vocabulary`] serialized once, for the life of the process.
pub fn vocabulary_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| vocabulary().to_string())
}

#[cfg(test)]
mod tests {
    use crate::{ErrorCode, TokenType};

    /// Every entry of `all` parses back from its string, and no string is used twice.
    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>) {
        let mut seen = std::collections::HashSet::new();
        for &x in all {
            assert_eq!(parse(as_str(x)), Some(x));
            assert!(seen.insert(as_str(x)), "duplicate {}", as_str(x));
        }
    }

    #[test]
    fn every_token_type_and_error_code_round_trips_and_is_unique() {
        round_trips(TokenType::ALL, TokenType::as_str, TokenType::parse);
        round_trips(ErrorCode::ALL, ErrorCode::as_str, ErrorCode::parse);
    }

    #[test]
    fn vocabulary_lists_every_entry() {
        let v: serde_json::Value = serde_json::from_str(super::vocabulary_json()).unwrap();
        assert_eq!(v["reasons"].as_array().unwrap().len(), crate::Reason::ALL.len());
        assert_eq!(v["tokenTypes"].as_array().unwrap().len(), crate::TokenType::ALL.len());
        assert_eq!(v["errorCodes"].as_array().unwrap().len(), crate::ErrorCode::ALL.len());
        assert_eq!(v["reasons"][0], "client-uat-but-no-session-token");
    }
}
