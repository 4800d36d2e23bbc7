//! Publishable/secret key parsing and the cookie suffix.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::error::{Error, ErrorCode};

/// Development or production, decided by the publishable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// `pk_test_…`
    Development,
    /// `pk_live_…`
    Production,
}

/// A parsed publishable key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    /// The key as given.
    pub key: String,
    /// Instance type.
    pub instance_type: InstanceType,
    /// The Frontend API host decoded from the key.
    pub frontend_api: String,
    suffix: String,
}

const GUIDANCE: &str = "\n\nTo create a new Clerk app, run: `npx create-clerk-app@latest`\n\nOr visit https://dashboard.clerk.com to get your keys.";

/// Browser `atob` ("forgiving base64"): whitespace ignored, padding optional, trailing bits ignored.
fn forgiving_base64(s: &str) -> Option<Vec<u8>> {
    let cleaned: String = s.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')).collect();
    let engine = GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true).with_decode_padding_mode(DecodePaddingMode::Indifferent));
    engine.decode(cleaned).ok()
}

impl PublishableKey {
    /// Parses a publishable key, failing with the reference's messages.
    pub fn parse(key: Option<&str>) -> Result<Self, Error> {
        let err = |m: &str| Error::new(ErrorCode::InvalidPublishableKey, format!("{m}{GUIDANCE}"));
        let key = match key {
            Some(k) if !k.is_empty() => k,
            _ => return Err(err("Publishable key is missing.")),
        };
        let instance_type = if key.starts_with("pk_live_") {
            InstanceType::Production
        } else if key.starts_with("pk_test_") {
            InstanceType::Development
        } else {
            return Err(err("Publishable key not valid (expected format: pk_test_... or pk_live_...)."));
        };
        let parts: Vec<&str> = key.split('_').collect();
        if parts.len() != 3 || parts[2].is_empty() {
            return Err(err("Publishable key not valid (expected format: pk_test_... or pk_live_...)."));
        }
        let decoded = forgiving_base64(parts[2]).ok_or_else(|| err("Publishable key not valid: Failed to decode key."))?;
        // atob yields a binary string: one char per byte.
        let decoded: String = decoded.iter().map(|&b| b as char).collect();
        let valid = decoded.ends_with('$') && decoded.find('$') == Some(decoded.len() - 1) && decoded[..decoded.len() - 1].contains('.');
        if !valid {
            return Err(err("Publishable key not valid: Decoded key has invalid format."));
        }
        Ok(PublishableKey { key: key.to_string(), instance_type, frontend_api: decoded[..decoded.len() - 1].to_string(), suffix: cookie_suffix(key) })
    }

    /// The 8-character cookie suffix derived from the key (computed once, at parse).
    pub fn cookie_suffix(&self) -> &str {
        &self.suffix
    }
}

/// SHA-1 of the key, base64 with `+/` → `-_`, first 8 characters.
pub fn cookie_suffix(publishable_key: &str) -> String {
    let digest = Sha1::digest(publishable_key.as_bytes());
    STANDARD
        .encode(digest)
        .chars()
        .take(8)
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect()
}

/// `sk_test_…` / `test_…`: only used by the "missing signInUrl" check.
pub fn is_development_secret_key(secret_key: &str) -> bool {
    secret_key.starts_with("test_") || secret_key.starts_with("sk_test_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_vectors() {
        for (k, s) in [
            ("pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "1Z8AzTQD"),
            ("pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "QvfNY2dr"),
            ("pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k", "jtYvyt_H"),
            ("pk_test_eHh4eHh4LXhhYWFhYS1hYS5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k", "tZJdb-5s"),
            ("pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "MqCvchyS"),
            ("pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "vWCgMp3A"),
        ] {
            assert_eq!(cookie_suffix(k), s);
        }
    }

    #[test]
    fn parses_keys() {
        let k = PublishableKey::parse(Some("pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA")).unwrap();
        assert_eq!(k.instance_type, InstanceType::Development);
        assert_eq!(k.frontend_api, "clerk.inspired.puma-74.lcl.dev");
        assert!(PublishableKey::parse(Some("pk_test_aGFwcHktb3R0ZXItMTIuY2xlcmsuYWNjb3VudHMuZGV2JA==")).is_ok());
        for bad in [None, Some(""), Some("sk_test_x"), Some("pk_test_a_b"), Some("pk_live_!!!"), Some("pk_live_Zm9v")] {
            assert!(PublishableKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
