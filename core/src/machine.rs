//! Machine tokens: type detection and verification (API keys, M2M tokens, OAuth tokens, in
//! opaque and JWT forms).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::auth_object::MachineAuth;
use crate::claims::{claim, header, Claims, Field};
use crate::context::Call;
use crate::jwt::{category, is_jwt_format, ClaimRules, Jwt, TokenError, VerifyError};
use crate::reason::Reason;
use crate::state::TokenType;

/// A machine-token verification failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineError {
    /// The token type the failure is reported under.
    pub token_type: TokenType,
    /// Error code.
    pub code: Reason,
    /// Message.
    pub message: String,
    /// HTTP status when known.
    pub status: Option<u16>,
}

impl MachineError {
    fn new(token_type: TokenType, code: Reason, message: impl Into<String>, status: Option<u16>) -> Self {
        MachineError { token_type, code, message: message.into(), status }
    }
    /// `<message> (code=<code>, status=<status or n/a>)`.
    pub fn full_message(&self) -> String {
        let status = self.status.map(|s| s.to_string()).unwrap_or_else(|| "n/a".into());
        format!("{} (code={}, status={status})", self.message, self.code)
    }
}

/// An OAuth or M2M JWT already decoded into `jwt` (no second decode).
pub fn is_machine_class(t: &str, jwt: &Jwt) -> bool {
    machine_jwt(jwt) && is_jwt_format(t)
}

/// An OAuth or M2M JWT, by its claims and header.
fn machine_jwt(jwt: &Jwt) -> bool {
    jwt.is_oauth() || jwt.is_m2m()
}

/// A machine token by prefix or JWT shape.
pub fn is_machine_token(t: &str) -> bool {
    Candidate::decoded_alone(t).is_machine()
}

fn has_machine_prefix(t: &str) -> bool {
    t.starts_with("mt_") || t.starts_with("oat_") || t.starts_with("ak_")
}

/// The machine token type (`None` for a non-machine token).
pub fn machine_token_type(t: &str) -> Option<TokenType> {
    Candidate::decoded_alone(t).token_type()
}

/// The machine token type of `t`, decoded into `jwt` when it has the JWT form.
fn classify(t: &str, jwt: Option<&Jwt>) -> Option<TokenType> {
    if t.starts_with("mt_") || jwt.is_some_and(|j| j.is_m2m()) {
        Some(TokenType::M2mToken)
    } else if t.starts_with("oat_") || jwt.is_some_and(|j| j.is_oauth()) {
        Some(TokenType::OAuthToken)
    } else if t.starts_with("ak_") {
        Some(TokenType::ApiKey)
    } else {
        None
    }
}

fn camel(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut up = false;
    for c in k.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A header token as the machine-token rules see it: its JWT form, checked once, and its
/// decode when it has that form (shared with the rest of the call).
pub(crate) struct Candidate<'t> {
    pub token: &'t str,
    /// `None` for a token without the JWT form, else its decode.
    jwt: Option<Result<Arc<Jwt>, VerifyError>>,
}

impl<'t> Candidate<'t> {
    /// `decode` runs only for a token with the JWT form.
    fn new(token: &'t str, decode: impl FnOnce(&str) -> Result<Arc<Jwt>, VerifyError>) -> Candidate<'t> {
        Candidate { token, jwt: is_jwt_format(token).then(|| decode(token)) }
    }

    /// A token looked at outside any request.
    fn decoded_alone(token: &'t str) -> Candidate<'t> {
        Candidate::new(token, |t| Jwt::decode(t).map(Arc::new))
    }

    fn decoded(&self) -> Option<&Jwt> {
        self.jwt.as_ref()?.as_ref().ok().map(|j| &**j)
    }

    /// [`is_machine_token`].
    pub fn is_machine(&self) -> bool {
        has_machine_prefix(self.token) || self.decoded().is_some_and(machine_jwt)
    }

    /// [`machine_token_type`].
    pub fn token_type(&self) -> Option<TokenType> {
        classify(self.token, self.decoded())
    }
}

impl Call<'_> {
    /// Looks at a token once for the machine-token rules.
    pub fn candidate<'t>(&self, token: &'t str) -> Candidate<'t> {
        Candidate::new(token, |t| self.decode_token(t))
    }

    /// Verifies a machine token (12.1).
    pub fn verify_machine_token(&self, candidate: &Candidate) -> Result<MachineAuth, MachineError> {
        let token = candidate.token;
        match &candidate.jwt {
            Some(Ok(jwt)) => return self.verify_machine_jwt(jwt),
            Some(Err(e)) => return Err(MachineError::new(TokenType::M2mToken, Reason::TokenInvalid, e.message.clone(), None)),
            None => {}
        }
        let (tt, path, field, not_found, bearer) = if token.starts_with("mt_") {
            (TokenType::M2mToken, "/m2m_tokens/verify", "token", "Machine token not found", self.opts().machine_secret_key.clone().or_else(|| self.opts().secret_key.clone()))
        } else if token.starts_with("oat_") {
            (TokenType::OAuthToken, "/oauth_applications/access_tokens/verify", "access_token", "OAuth token not found", self.opts().secret_key.clone())
        } else if token.starts_with("ak_") {
            (TokenType::ApiKey, "/api_keys/verify", "secret", "API key not found", self.opts().secret_key.clone())
        } else {
            return Err(MachineError::new(TokenType::ApiKey, Reason::UnexpectedError, "Unknown machine token type", None));
        };
        let api = self.api();
        let Some(bearer) = bearer.filter(|b| !b.is_empty()) else {
            return Err(MachineError::new(tt, Reason::UnexpectedError, "Unexpected error", None));
        };
        let resp = api
            .send("POST", api.unversioned(path), Some(&bearer), Some(&json!({ field: token })))
            .map_err(|e| MachineError::new(tt, Reason::UnexpectedError, format!("Unexpected error ({e})"), None))?;
        match resp.status {
            200..=299 => {}
            401 => {
                let msg = crate::bapi::api_errors(&resp.body).first().map(|e| e.message.clone()).filter(|m| !m.is_empty()).unwrap_or_else(|| "Invalid secret key".into());
                return Err(MachineError::new(tt, Reason::SecretKeyInvalid, msg, Some(401)));
            }
            404 => return Err(MachineError::new(tt, Reason::TokenInvalid, not_found, Some(404))),
            s => return Err(MachineError::new(tt, Reason::UnexpectedError, "Unexpected error", Some(s))),
        }
        let body: Map<String, Value> = match serde_json::from_slice::<Value>(&resp.body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(MachineError::new(tt, Reason::UnexpectedError, "Unexpected error", Some(resp.status))),
        };
        // The reference maps the token objects it knows from snake_case (`client_id` → `clientId`, …)
        // and uses any other answer as it is.
        let known = matches!(body.get("object").and_then(Value::as_str), Some("api_key" | "machine_to_machine_token" | "clerk_idp_oauth_access_token"));
        let data: Map<String, Value> = if known { body.into_iter().map(|(k, v)| (camel(&k), v)).collect() } else { body };
        if tt == TokenType::OAuthToken {
            self.check_opaque_audience(&data)?;
        }
        Ok(MachineAuth::from_object(tt, data))
    }

    fn check_opaque_audience(&self, data: &Map<String, Value>) -> Result<(), MachineError> {
        oauth_audience(&self.opts().audience, data.get("aud")).map_err(|m| MachineError::new(TokenType::OAuthToken, Reason::TokenVerificationFailed, m, None))
    }

    fn verify_machine_jwt(&self, jwt: &Arc<Jwt>) -> Result<MachineAuth, MachineError> {
        let failed = |tt: TokenType, e: TokenError| {
            let m = match e {
                TokenError::Verification(v) => v.message,
                TokenError::Unexpected(m) => m,
            };
            MachineError::new(tt, Reason::TokenVerificationFailed, m, None)
        };
        let skew = self.opts().skew_ms;
        let m2m = jwt.is_m2m();
        if m2m {
            if jwt.header.field(header::CAT).is_some() && jwt.header.str(header::CAT) != Some(category::M2M) {
                return Err(MachineError::new(TokenType::M2mToken, Reason::TokenInvalid, "Invalid M2M JWT category.", None));
            }
            let rules = ClaimRules { audience: &self.opts().audience, ..self.clock_rules(skew) };
            self.verify_jwt(jwt, None, &rules).map_err(|e| failed(TokenType::M2mToken, e))?;
        } else if jwt.is_oauth() {
            let oauth = |e| failed(TokenType::OAuthToken, e);
            self.verify_jwt(jwt, Some(&["at+jwt", "application/at+jwt"]), &self.clock_rules(skew)).map_err(oauth)?;
            oauth_audience(&self.opts().audience, jwt.payload.value(claim::AUD).as_ref()).map_err(|m| oauth(TokenError::Unexpected(m)))?;
        } else {
            return Err(invalid_type(jwt));
        }
        let token_type = if m2m { TokenType::M2mToken } else { TokenType::OAuthToken };
        check_scopes_claim(token_type, &jwt.payload)?;
        let expired = jwt.payload.num(claim::EXP).unwrap_or(0.0) * 1000.0 <= self.now_ms() - skew;
        Ok(MachineAuth::from_jwt(token_type, jwt.payload.clone(), expired))
    }
}

/// The scopes of a verified machine JWT come from `scopes?.split(" ")` (M2M) or
/// `scp ?? scope?.split(" ")` (OAuth) in the reference: a `scopes` (or, without `scp`, `scope`)
/// claim that is neither a string nor null makes it throw a TypeError out of
/// `authenticateRequest`. Here such a token is refused: signed-out `unexpected-error` (README,
/// deliberate differences).
fn check_scopes_claim(token_type: TokenType, claims: &Claims) -> Result<(), MachineError> {
    let (key, name) = match token_type {
        TokenType::M2mToken => (claim::SCOPES, "scopes"),
        _ if matches!(claims.field(claim::SCP), None | Some(Field::Null)) => (claim::SCOPE, "scope"),
        _ => return Ok(()),
    };
    match claims.field(key) {
        None | Some(Field::Null | Field::Str(_)) => Ok(()),
        Some(_) => Err(MachineError::new(token_type, Reason::UnexpectedError, format!("Invalid {name} claim {}: expected a string of space-separated scopes", claims.js(key)), None)),
    }
}

/// The OAuth audience rule (18.2), for JWT and opaque tokens alike: with a non-empty `want`,
/// `aud` must be a non-empty string or a non-empty list of non-empty strings, one of them in
/// `want` exactly.
fn oauth_audience(want: &[String], aud: Option<&Value>) -> Result<(), String> {
    if want.is_empty() {
        return Ok(());
    }
    let shown = || aud.map_or_else(|| "undefined".to_string(), Value::to_string);
    let list: &[Value] = match aud {
        Some(Value::Array(a)) => a,
        Some(v) => std::slice::from_ref(v),
        None => &[],
    };
    let valid = !list.is_empty() && list.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty()));
    if !valid {
        return Err(format!("Invalid OAuth audience claim (aud) {}. Expected a non-empty string or a non-empty array of non-empty strings.", shown()));
    }
    if list.iter().filter_map(Value::as_str).any(|a| want.iter().any(|w| w == a)) {
        return Ok(());
    }
    Err(format!("OAuth audience mismatch. Verification expected audience {}, but incoming token has aud {}.", json!(want), shown()))
}

/// Neither an M2M nor an OAuth JWT.
fn invalid_type(jwt: &Jwt) -> MachineError {
    let typ = jwt.header.str(header::TYP).unwrap_or("missing");
    MachineError::new(
        TokenType::OAuthToken,
        Reason::TokenVerificationFailed,
        format!("Invalid JWT type: {typ}. Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::oauth_audience;
    use serde_json::{json, Value};

    /// Spec 18.2's table, OAuth column, with `audience` = X.
    #[test]
    fn oauth_audience_rule() {
        let want = vec!["X".to_string()];
        let check = |aud: Option<Value>| oauth_audience(&want, aud.as_ref());
        for invalid in
            [None, Some(json!(null)), Some(json!("")), Some(json!(0)), Some(json!(false)), Some(json!([])), Some(json!(["", ""])), Some(json!(["", "X"])), Some(json!(["X", 7])), Some(json!(42))]
        {
            let e = check(invalid.clone()).unwrap_err();
            assert!(e.starts_with("Invalid OAuth audience claim (aud) "), "{invalid:?}: {e}");
        }
        assert!(check(None).unwrap_err().contains("(aud) undefined."));
        for mismatch in [json!("Y"), json!(["Y"]), json!("X/v1"), json!("x")] {
            let e = check(Some(mismatch.clone())).unwrap_err();
            assert_eq!(e, format!("OAuth audience mismatch. Verification expected audience [\"X\"], but incoming token has aud {mismatch}."));
        }
        for pass in [json!("X"), json!(["Y", "X"])] {
            assert!(check(Some(pass.clone())).is_ok(), "{pass}");
        }
        // No audience configured: no check at all, whatever the token carries.
        assert!(oauth_audience(&[], None).is_ok());
        assert!(oauth_audience(&[], Some(&json!(42))).is_ok());
    }
}
