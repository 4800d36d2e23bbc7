//! The core's string vocabularies in one JSON document, for hosts to check their own lists
//! against (`clerkauth_vocabulary_json()` in C, `_native.vocabulary()` in Python,
//! `vocabulary()` in the Node addon).

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{ErrorCode, Reason, TokenType, OPTION_NAMES, ORGANIZATION_SYNC_OPTION_NAMES};

/// `{"reasons": [...], "tokenTypes": [...], "errorCodes": [...], "options": [...],
/// "organizationSyncOptions": [...]}`: every [`Reason`], [`TokenType`] and [`ErrorCode`] string,
/// every option name ([`OPTION_NAMES`], as `{"name": "secretKey", "kind": "authentication"}`,
/// the kind being [`OptionKind::as_str`](crate::OptionKind::as_str)) and every name inside
/// `organizationSyncOptions` ([`ORGANIZATION_SYNC_OPTION_NAMES`]), in declaration order.
pub fn vocabulary() -> Value {
    json!({
        "reasons": Reason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "tokenTypes": TokenType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "errorCodes": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "options": OPTION_NAMES.iter().map(|o| json!({"name": o.name, "kind": o.kind.as_str()})).collect::<Vec<_>>(),
        "organizationSyncOptions": ORGANIZATION_SYNC_OPTION_NAMES,
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

    #[test]
    fn vocabulary_lists_every_option_name_with_its_kind() {
        use crate::{OptionKind, OPTION_NAMES, ORGANIZATION_SYNC_OPTION_NAMES};
        let v: serde_json::Value = serde_json::from_str(super::vocabulary_json()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
        let options = v["options"].as_array().unwrap();
        assert_eq!(options.len(), OPTION_NAMES.len());
        for (entry, option) in options.iter().zip(OPTION_NAMES) {
            assert_eq!(entry.as_object().unwrap().len(), 2, "{entry}");
            assert_eq!(entry["name"], option.name);
            assert_eq!(entry["kind"], option.kind.as_str());
        }
        assert_eq!(options[0], serde_json::json!({"name": "secretKey", "kind": "authentication"}));
        let kind = |name: &str| options.iter().find(|o| o["name"] == name).map(|o| o["kind"].as_str().unwrap().to_string());
        assert_eq!(kind("telemetry").as_deref(), Some("ignored-reference"));
        assert_eq!(kind("nowMs").as_deref(), Some("host"));
        assert_eq!(OptionKind::Host("x").as_str(), "host");
        let sync: Vec<&str> = v["organizationSyncOptions"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        assert_eq!(sync, ORGANIZATION_SYNC_OPTION_NAMES);
    }

    /// What C's test_bad_input checks through the C ABI: each listed name given alone (null:
    /// not given) builds an authenticator, except a host option, an `invalid-option` error.
    #[test]
    fn every_listed_option_alone_is_accepted_unless_a_host_option() {
        let v = crate::vocabulary();
        for o in v["options"].as_array().unwrap() {
            let name = o["name"].as_str().unwrap();
            let built = crate::Options::from_json(&serde_json::json!({ name: null })).and_then(crate::Authenticator::new);
            match o["kind"].as_str().unwrap() {
                "host" => assert_eq!(built.err().map(|e| e.code()), Some(ErrorCode::InvalidOption), "{name}"),
                _ => assert!(built.is_ok(), "{name}: {:?}", built.err()),
            }
        }
    }
}
