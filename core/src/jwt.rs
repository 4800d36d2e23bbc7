//! JWT decoding (no verification), verification errors and claim assertions, following the
//! reference's order: header checks, signature, then claims.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::Value;
use std::cell::RefCell;
use std::sync::Arc;

use crate::claims::{claim, header, Claims, Field, Key, Layout};
use crate::reason::Reason;
use crate::request::split_byte;
use std::time::{Duration, UNIX_EPOCH};

/// Actions appended to verification messages.
pub mod action {
    pub const CONTACT_SUPPORT: &str = "Contact support@clerk.com";
    pub const ENSURE_CLERK_JWT: &str = "Make sure that this is a valid Clerk-generated JWT.";
    pub const SET_CLERK_JWT_KEY: &str = "Set the CLERK_JWT_KEY environment variable.";
    pub const KID_MISMATCH: &str = "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists.";
}

/// JWT category tags (JOSE header `cat`).
pub mod category {
    pub const SESSION: &str = "cl_B7d4PD111AAA";
    pub const TEMPLATE: &str = "cl_B7d4PD222AAA";
    pub const M2M: &str = "cl_B7d4PD333AAA";
    pub const IGNORE: &str = "cl_I7d4PD111III";
}

/// A token verification failure (`TokenVerificationError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// Reason code, e.g. `token-expired`.
    pub reason: Reason,
    /// Message without action and carrier.
    pub message: String,
    /// Optional action text.
    pub action: Option<&'static str>,
}

impl VerifyError {
    /// Creates an error.
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        VerifyError { reason, message: message.into(), action: None }
    }
    /// Adds an action.
    pub fn with_action(mut self, action: &'static str) -> Self {
        self.action = Some(action);
        self
    }
    /// `<message>[ <action>] (reason=<reason>, token-carrier=<carrier>)`.
    pub fn full_message(&self, carrier: Option<&str>) -> String {
        let mut m = self.message.clone();
        if let Some(a) = self.action {
            m.push(' ');
            m.push_str(a);
        }
        format!("{m} (reason={}, token-carrier={})", self.reason, carrier.unwrap_or("undefined"))
    }
}

/// A failure while verifying: a verification error, or something else the reference
/// classifies as `unexpected-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// A `TokenVerificationError`.
    Verification(VerifyError),
    /// Any other failure.
    Unexpected(String),
}

impl From<VerifyError> for TokenError {
    fn from(e: VerifyError) -> Self {
        TokenError::Verification(e)
    }
}

/// A decoded (not yet verified) JWT. Owns its raw text so a decode can be kept and reused
/// for the rest of a request.
#[derive(Debug, Clone)]
pub struct Jwt {
    /// The raw token.
    raw: String,
    /// Length of `header.payload`, the signing input.
    signed_len: usize,
    /// JOSE header (shared with other tokens of the same header, see [`decode_header`]).
    pub header: Arc<Claims>,
    /// Claims.
    pub payload: Arc<Claims>,
    /// Signature bytes.
    pub signature: Vec<u8>,
}

const B64URL: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(false).with_decode_padding_mode(DecodePaddingMode::Indifferent));

/// base64url with optional padding; non-canonical trailing bits are refused. Unpadded
/// segments (every real token) take the SIMD decoder, which accepts exactly the same text.
fn decode_segment(seg: &str) -> Option<Vec<u8>> {
    if seg.ends_with('=') {
        B64URL.decode(seg).ok()
    } else {
        base64_simd::URL_SAFE_NO_PAD.decode_to_vec(seg).ok()
    }
}

fn decode_json_object(seg: &str, layout: &'static Layout) -> Option<Claims> {
    // Valid UTF-8 (every real token) is used as is; anything else is read the way
    // JavaScript's decoder would, with replacement characters.
    let text = String::from_utf8(decode_segment(seg)?).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Claims::decode(text, layout)
}

thread_local! {
    /// The last header decoded on this thread, by its segment.
    static LAST_HEADER: RefCell<Option<(Box<str>, Arc<Claims>)>> = const { RefCell::new(None) };
}

/// Decodes a header segment. Every token of an instance carries the same header segment, so
/// the last one decoded on this thread is reused when the text is the same (one entry per
/// thread: nothing shared between threads, nothing to evict).
fn decode_header(seg: &str) -> Option<Arc<Claims>> {
    let cached = LAST_HEADER.try_with(|last| last.borrow().as_ref().filter(|(s, _)| **s == *seg).map(|(_, c)| c.clone())).ok().flatten();
    if cached.is_some() {
        return cached;
    }
    let claims = Arc::new(decode_json_object(seg, &header::LAYOUT)?);
    let _ = LAST_HEADER.try_with(|last| *last.borrow_mut() = Some((seg.into(), claims.clone())));
    Some(claims)
}

/// Invalid-form error for tokens not made of three dot-separated parts.
pub fn invalid_form() -> VerifyError {
    VerifyError::new(Reason::TokenInvalid, "Invalid JWT form. A JWT consists of three parts separated by dots.")
}

impl Jwt {
    /// Decodes a token without verifying it.
    pub fn decode(raw: &str) -> Result<Jwt, VerifyError> {
        let Some((h, p, s)) = three_parts(raw) else {
            return Err(invalid_form());
        };
        let undecodable = || VerifyError::new(Reason::TokenInvalid, "Invalid JWT form. The header, payload, or signature could not be decoded.");
        let header = decode_header(h).ok_or_else(undecodable)?;
        let payload = decode_json_object(p, &claim::LAYOUT).ok_or_else(undecodable)?;
        let signature = decode_segment(s).ok_or_else(undecodable)?;
        Ok(Jwt { raw: raw.to_string(), signed_len: h.len() + 1 + p.len(), header, payload: Arc::new(payload), signature })
    }

    /// The raw token.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The raw token, owned.
    pub fn into_raw(self) -> String {
        self.raw
    }

    /// `header.payload`, the signing input.
    pub fn signing_input(&self) -> &str {
        &self.raw[..self.signed_len]
    }

    /// `cat` present and not session/ignore.
    pub fn has_non_session_category(&self) -> bool {
        match self.header.field(header::CAT) {
            None => false,
            Some(Field::Str(_)) => self.header.str(header::CAT).is_some_and(|c| c != category::SESSION && c != category::IGNORE),
            Some(_) => true,
        }
    }

    /// OAuth access-token JWT (`typ` `at+jwt` / `application/at+jwt`).
    pub fn is_oauth(&self) -> bool {
        matches!(self.header.str(header::TYP), Some("at+jwt") | Some("application/at+jwt"))
    }

    /// M2M JWT (`sub` starting with `mch_`).
    pub fn is_m2m(&self) -> bool {
        self.payload.str(claim::SUB).is_some_and(|s| s.starts_with("mch_"))
    }
}

/// `[A-Za-z0-9_-]+` three times, separated by dots.
pub fn is_jwt_format(t: &str) -> bool {
    // The alphabet check has no early exit, so it compiles to vector compares.
    let allowed = t.bytes().fold(true, |ok, c| ok & (c.is_ascii_alphanumeric() | (c == b'-') | (c == b'_') | (c == b'.')));
    allowed && matches!(three_parts(t), Some((h, p, s)) if !h.is_empty() && !p.is_empty() && !s.is_empty())
}

/// The parts of a token split on `.`, when there are exactly three.
fn three_parts(t: &str) -> Option<(&str, &str, &str)> {
    let mut parts = split_byte(t, b'.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => Some((h, p, s)),
        _ => None,
    }
}

/// Supported algorithms.
pub fn algorithm(alg: &str) -> Option<jsonwebtoken::Algorithm> {
    match alg {
        "RS256" => Some(jsonwebtoken::Algorithm::RS256),
        "RS384" => Some(jsonwebtoken::Algorithm::RS384),
        "RS512" => Some(jsonwebtoken::Algorithm::RS512),
        _ => None,
    }
}

/// Checks `typ` (allowed list; absent is fine without an explicit list) and `alg`.
pub fn assert_header(jwt: &Jwt, allowed_typ: Option<&[&str]>) -> Result<jsonwebtoken::Algorithm, VerifyError> {
    let h = &jwt.header;
    let default = ["JWT"];
    if h.field(header::TYP).is_some() || allowed_typ.is_some() {
        let allowed = allowed_typ.unwrap_or(&default);
        if !h.str(header::TYP).is_some_and(|t| allowed.contains(&t)) {
            return Err(VerifyError::new(Reason::TokenInvalid, format!("Invalid JWT type {}. Expected \"{}\".", h.js(header::TYP), allowed.join(", "))));
        }
    }
    algorithm(h.str(header::ALG).unwrap_or(""))
        .ok_or_else(|| VerifyError::new(Reason::TokenInvalidAlgorithm, format!("Invalid JWT algorithm {}. Supported: RS256,RS384,RS512.", h.js(header::ALG))).with_action(action::ENSURE_CLERK_JWT))
}

/// Options for the claim checks.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRules<'a> {
    /// `audience` option (falsy entries ignored).
    pub audience: &'a [String],
    /// `authorizedParties` option.
    pub authorized_parties: &'a [String],
    /// `issuer` option, normalised (empty: no issuer check).
    pub issuer: &'a [String],
    /// Clock skew in ms.
    pub skew_ms: f64,
    /// Current time in ms.
    pub now_ms: f64,
    /// Whether an azp-less token passes a non-empty `authorizedParties` (this project's policy
    /// option; the reference rejects).
    pub accept_missing_azp: bool,
}

fn utc(ms: f64) -> String {
    let secs = (ms / 1000.0).trunc();
    if !secs.is_finite() || !(0.0..=253_402_300_799.0).contains(&secs) {
        return "Invalid Date".to_string();
    }
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs as u64))
}

/// `aud` against the `audience` option.
pub fn assert_audience(claims: &Claims, audience: &[String]) -> Result<(), VerifyError> {
    let want: Vec<&str> = audience.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
    if want.is_empty() {
        return Ok(());
    }
    let aud = claims.value(claim::AUD);
    let aud = aud.as_ref();
    let truthy = |v: &Value| match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    };
    let have_nonempty = match aud {
        None => false,
        Some(Value::Array(a)) => a.iter().any(truthy),
        Some(v) => truthy(v),
    };
    if !have_nonempty {
        return Ok(());
    }
    let want_json = serde_json::to_string(&want).unwrap_or_default();
    match aud {
        Some(Value::String(s)) if !want.contains(&s.as_str()) => {
            return Err(
                VerifyError::new(Reason::TokenVerificationFailed, format!("Invalid JWT audience claim (aud) \"{s}\". Is not included in \"{want_json}\".")).with_action(action::ENSURE_CLERK_JWT)
            );
        }
        Some(Value::Array(a)) if a.iter().all(Value::is_string) && !a.iter().filter_map(Value::as_str).any(|s| want.contains(&s)) => {
            return Err(VerifyError::new(Reason::TokenVerificationFailed, format!("Invalid JWT audience claim array (aud) {}. Is not included in \"{want_json}\".", Value::Array(a.clone())))
                .with_action(action::ENSURE_CLERK_JWT));
        }
        _ => {}
    }
    Ok(())
}

/// `azp` against `authorizedParties`.
pub fn assert_authorized_parties(claims: &Claims, parties: &[String], accept_missing: bool) -> Result<(), VerifyError> {
    if parties.is_empty() {
        return Ok(());
    }
    match claims.str(claim::AZP).filter(|s| !s.is_empty()) {
        None if accept_missing && matches!(claims.field(claim::AZP), None | Some(Field::Null) | Some(Field::Str(_))) => Ok(()),
        Some(a) if parties.iter().any(|p| p == a) => Ok(()),
        _ => Err(VerifyError::new(Reason::TokenInvalidAuthorizedParties, format!("Invalid JWT Authorized party claim (azp) {}. Expected \"{}\".", claims.js(claim::AZP), parties.join(",")))),
    }
}

fn number_claim(claims: &Claims, k: Key, name: &str, label: &str, required: bool) -> Result<Option<f64>, VerifyError> {
    match claims.field(k) {
        None if !required => Ok(None),
        Some(Field::Num(n)) => Ok(n.as_f64()),
        _ => Err(VerifyError::new(Reason::TokenVerificationFailed, format!("Invalid JWT {label} claim ({name}) {}. Expected number.", claims.js(k))).with_action(action::ENSURE_CLERK_JWT)),
    }
}

/// `iss` against the `issuer` option: exact match with one entry (no normalisation of either
/// side); nothing to check when the option is empty.
pub fn assert_issuer(claims: &Claims, issuer: &[String]) -> Result<(), VerifyError> {
    if issuer.is_empty() || claims.str(claim::ISS).is_some_and(|iss| issuer.iter().any(|i| i == iss)) {
        return Ok(());
    }
    Err(VerifyError::new(Reason::TokenInvalidIssuer, format!("Invalid JWT issuer claim (iss) {}. Expected \"{}\".", claims.js(claim::ISS), issuer.join(","))).with_action(action::ENSURE_CLERK_JWT))
}

/// Claim checks in the reference's order: sub, aud, azp, iss, exp, nbf, iat.
pub fn assert_claims(payload: &Claims, rules: &ClaimRules) -> Result<(), VerifyError> {
    if payload.str(claim::SUB).is_none() {
        return Err(VerifyError::new(Reason::TokenVerificationFailed, format!("Subject claim (sub) is required and must be a string. Received {}.", payload.js(claim::SUB)))
            .with_action(action::ENSURE_CLERK_JWT));
    }
    assert_audience(payload, rules.audience)?;
    assert_authorized_parties(payload, rules.authorized_parties, rules.accept_missing_azp)?;
    assert_issuer(payload, rules.issuer)?;
    let exp = number_claim(payload, claim::EXP, "exp", "expiry date", true)?.unwrap_or(f64::NAN);
    if exp * 1000.0 <= rules.now_ms - rules.skew_ms || exp.is_nan() {
        return Err(VerifyError::new(Reason::TokenExpired, format!("JWT is expired. Expiry date: {}, Current date: {}.", utc(exp * 1000.0), utc(rules.now_ms))));
    }
    if let Some(nbf) = number_claim(payload, claim::NBF, "nbf", "not before date", false)? {
        if nbf * 1000.0 > rules.now_ms + rules.skew_ms {
            return Err(VerifyError::new(
                Reason::TokenNotActiveYet,
                format!("JWT cannot be used prior to not before date claim (nbf). Not before date: {}; Current date: {};", utc(nbf * 1000.0), utc(rules.now_ms)),
            ));
        }
    }
    if let Some(iat) = number_claim(payload, claim::IAT, "iat", "issued at date", false)? {
        if iat * 1000.0 > rules.now_ms + rules.skew_ms {
            return Err(VerifyError::new(
                Reason::TokenIatInTheFuture,
                format!("JWT issued at date claim (iat) is in the future. Issued at date: {}; Current date: {};", utc(iat * 1000.0), utc(rules.now_ms)),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_garbage() {
        for t in ["", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.A", "e30.e30.AB=c"] {
            assert_eq!(Jwt::decode(t).unwrap_err().reason, Reason::TokenInvalid, "{t}");
        }
        let j = Jwt::decode("e30.eyJzdWIiOiJ1In0.AAAA").unwrap();
        assert_eq!(j.payload.str(claim::SUB), Some("u"));
        assert_eq!(j.signing_input(), "e30.eyJzdWIiOiJ1In0");
    }

    #[test]
    fn jwt_format_agrees_with_a_byte_by_byte_scan() {
        fn scan(t: &str) -> bool {
            let (mut dots, mut run) = (0, 0usize);
            for b in t.bytes() {
                match b {
                    b'.' if run == 0 => return false,
                    b'.' => (dots, run) = (dots + 1, 0),
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => run += 1,
                    _ => return false,
                }
            }
            dots == 2 && run > 0
        }
        let (mut seed, mut valid) = (0x9e37_79b9_7f4a_7c15u64, 0);
        for (alphabet, lens) in [(&['a', 'Z', '0', '-', '_', '.', '=', '+', '/', ' ', 'é', '\0'][..], 0..40), (&['a', 'Z', '9', '-', '_', '.', '.'][..], 0..70)] {
            for len in lens {
                for _ in 0..200 {
                    let t: String = (0..len)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            alphabet[(seed % alphabet.len() as u64) as usize]
                        })
                        .collect();
                    assert_eq!(is_jwt_format(&t), scan(&t), "{t:?}");
                    valid += usize::from(scan(&t));
                }
            }
        }
        assert!(valid > 100, "{valid}");
    }

    #[test]
    fn a_thread_reuses_the_last_header_it_decoded() {
        let (a, b) = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0", "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsyIn0"); // kid k1, k2
        let token = |h: &str| Jwt::decode(&format!("{h}.e30.AAAA")).unwrap();
        let (a1, a2) = (token(a), token(a));
        assert!(Arc::ptr_eq(&a1.header, &a2.header), "same segment, one decode");
        let b1 = token(b);
        assert_eq!((a1.header.str(header::KID), b1.header.str(header::KID)), (Some("k1"), Some("k2")));
        assert!(!Arc::ptr_eq(&token(a).header, &b1.header));
        // A header that differs only in an invalid way is still refused.
        assert!(Jwt::decode(&format!("{a}A.e30.AAAA")).is_err());
        assert!(Jwt::decode(&format!("{}.e30.AAAA", &a[..a.len() - 1])).is_err());
        // Another thread decodes its own.
        let other = std::thread::spawn(move || token(a).header.str(header::KID).map(str::to_string)).join().unwrap();
        assert_eq!(other.as_deref(), Some("k1"));
    }

    #[test]
    fn segment_decoding_agrees_with_the_scalar_decoder() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut decoded, mut cases) = (0, 0);
        for len in 0..300usize {
            for _ in 0..40 {
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let mut seg = URL_SAFE_NO_PAD.encode(&bytes).into_bytes();
                // Mostly one edit: a character anywhere (last ones included, for trailing
                // bits), padding, or a character from another alphabet.
                if !seg.is_empty() && next() % 4 != 0 {
                    let at = if next() % 2 == 0 { seg.len() - 1 } else { (next() % seg.len() as u64) as usize };
                    seg[at] = b"AQgw_-+/= .\0"[(next() % 12) as usize];
                }
                if next() % 5 == 0 {
                    seg.extend_from_slice(&b"=="[..1 + (next() % 2) as usize]);
                }
                let seg = String::from_utf8(seg).unwrap();
                let want = B64URL.decode(&seg).ok();
                assert_eq!(decode_segment(&seg), want, "{seg:?}");
                (decoded, cases) = (decoded + usize::from(want.is_some()), cases + 1);
            }
        }
        assert!(decoded > cases / 4 && decoded < cases, "{decoded} of {cases}");
    }

    #[test]
    fn jwt_format() {
        assert!(is_jwt_format("a.b.c"));
        assert!(!is_jwt_format("a.b"));
        assert!(!is_jwt_format("a..c"));
        assert!(!is_jwt_format("ak_a/b.c.d"));
    }

    #[test]
    fn audience_rules() {
        let aud = |v: Value, want: &[&str]| assert_audience(&claims(serde_json::json!({ "aud": v })), &want.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(aud(Value::from("a"), &["a"]).is_ok());
        assert!(aud(Value::from("ab"), &["a"]).is_err());
        assert!(aud(serde_json::json!(["x", "a"]), &["a"]).is_ok());
        assert!(aud(serde_json::json!(["x"]), &["a"]).is_err());
        assert!(aud(serde_json::json!([]), &["a"]).is_ok());
        assert!(aud(Value::from("x"), &["", ""]).is_ok());
    }

    fn claims(v: Value) -> Claims {
        Claims::from_map(v.as_object().unwrap().clone())
    }

    #[test]
    fn issuer_rules() {
        let iss = |v: Value, want: &[&str]| assert_issuer(&claims(serde_json::json!({ "iss": v })), &want.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let a = "https://clerk.example.com";
        assert!(iss(Value::from(a), &[a]).is_ok());
        assert!(iss(Value::from(a), &["https://b.example", a]).is_ok());
        assert!(iss(Value::from("anything"), &[]).is_ok(), "empty list: no check");
        for bad in [format!("{a}/"), "http://clerk.example.com".into(), "HTTPS://CLERK.EXAMPLE.COM".into(), "clerk.example.com".into(), String::new()] {
            let e = iss(Value::from(bad.as_str()), &[a]).unwrap_err();
            assert_eq!(e.reason, Reason::TokenInvalidIssuer, "{bad}");
        }
        let e = iss(Value::from(7), &[a, "https://b.example"]).unwrap_err();
        assert_eq!(e.message, format!("Invalid JWT issuer claim (iss) 7. Expected \"{a},https://b.example\"."));
        let e = assert_issuer(&claims(serde_json::json!({})), &[a.to_string()]).unwrap_err();
        assert_eq!(e.message, format!("Invalid JWT issuer claim (iss) undefined. Expected \"{a}\"."));
    }

    #[test]
    fn azp_rules() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let azp = |v: Value| claims(serde_json::json!({ "azp": v }));
        let none = claims(serde_json::json!({}));
        assert!(assert_authorized_parties(&azp("".into()), &p(&["azp-1"]), false).is_err());
        assert!(assert_authorized_parties(&azp("azp".into()), &p(&[""]), false).is_err());
        assert!(assert_authorized_parties(&azp("azp".into()), &p(&[]), false).is_ok());
        assert!(assert_authorized_parties(&none, &p(&[]), false).is_ok());
        assert!(assert_authorized_parties(&none, &p(&["x"]), false).is_err());
        assert!(assert_authorized_parties(&none, &p(&["x"]), true).is_ok());
        assert!(assert_authorized_parties(&azp(Value::Null), &p(&["x"]), true).is_ok());
        assert!(assert_authorized_parties(&azp(Value::from(0)), &p(&["x"]), true).is_err());
        assert!(assert_authorized_parties(&azp("y".into()), &p(&["x"]), true).is_err());
    }
}
