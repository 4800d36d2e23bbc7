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
    #[test]
    fn vocabulary_lists_every_entry() {
        let v: serde_json::Value = serde_json::from_str(super::vocabulary_json()).unwrap();
        assert_eq!(v["reasons"].as_array().unwrap().len(), crate::Reason::ALL.len());
        assert_eq!(v["tokenTypes"].as_array().unwrap().len(), crate::TokenType::ALL.len());
        assert_eq!(v["errorCodes"].as_array().unwrap().len(), crate::ErrorCode::ALL.len());
        assert_eq!(v["reasons"][0], "client-uat-but-no-session-token");
    }
}
