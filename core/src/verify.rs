//! Session and handshake JWT verification for one call: key resolution (PEM or JWKS),
//! header checks, signature, then claims.

use std::borrow::Cow;
use std::sync::Arc;

use crate::claims::{header, Claims};
use crate::context::Call;
use crate::jwks::RsaKey;
use crate::jwt::{action, assert_claims, assert_header, category, ClaimRules, Jwt, TokenError, VerifyError};
use crate::reason::Reason;

/// Claims of a verified token (shared with the decoded token, never copied).
pub(crate) type Verified = Arc<Claims>;

impl Call<'_> {
    /// The verification key for a token: the PEM `jwtKey` (never the network), else the
    /// JWKS key for the token's `kid`.
    pub fn resolve_key(&self, jwt: &Jwt, failed_to_resolve: &str) -> Result<Cow<'_, Arc<RsaKey>>, TokenError> {
        if let Some(pem) = self.opts().jwt_key.as_deref() {
            return self.auth().pem_key(pem).map_err(|e| VerifyError::new(Reason::TokenVerificationFailed, format!("Error verifying JWT signature. {e}")).into());
        }
        if self.opts().secret_key.as_deref().is_some_and(|s| !s.is_empty()) {
            let kid = jwt.header.str(header::KID).map_or_else(|| Cow::Owned(jwt.header.js(header::KID)), Cow::Borrowed);
            return self.auth().jwks.get_key(&self.api(), self.opts().secret_key.as_deref(), &kid, self.opts().skip_jwks_cache, self.now_ms()).map(Cow::Owned);
        }
        Err(VerifyError::new(Reason::JwkFailedToResolve, failed_to_resolve).with_action(action::SET_CLERK_JWT_KEY).into())
    }

    fn check_signature(&self, jwt: &Jwt, key: &RsaKey, alg: jsonwebtoken::Algorithm, invalid_message: &str) -> Result<(), VerifyError> {
        match key.verify(alg, jwt.signing_input().as_bytes(), &jwt.signature)? {
            true => Ok(()),
            false => Err(VerifyError::new(Reason::TokenInvalidSignature, invalid_message)),
        }
    }

    /// Verifies a JWT's key, header (`typ` against `allowed_typ`, `alg`), signature and claims
    /// (shared by session and machine JWTs, each with its own rules).
    /// With the verified-token cache on, a token already verified with the key resolved now
    /// skips the signature check (and is remembered after a successful one).
    pub fn verify_jwt(&self, jwt: &Arc<Jwt>, allowed_typ: Option<&[&str]>, rules: &ClaimRules) -> Result<(), TokenError> {
        let key = self.resolve_key(jwt, "Failed to resolve JWK during verification.")?;
        let alg = assert_header(jwt, allowed_typ)?;
        match &self.auth().token_cache {
            Some(cache) if cache.verified_with(jwt, &key) => {}
            Some(cache) => {
                self.check_signature(jwt, &key, alg, "JWT signature is invalid.")?;
                cache.insert(jwt, &key, self.now_ms());
            }
            None => self.check_signature(jwt, &key, alg, "JWT signature is invalid.")?,
        }
        assert_claims(&jwt.payload, rules)?;
        Ok(())
    }

    /// Claim rules with nothing but the clock: machine JWTs add only their audience (18.3).
    pub fn clock_rules(&self, skew_ms: f64) -> ClaimRules<'static> {
        ClaimRules { audience: &[], authorized_parties: &[], issuer: &[], skew_ms, now_ms: self.now_ms(), accept_missing_azp: false }
    }

    /// `verifyToken` for a session token.
    pub fn verify_session_token(&self, token: &str, skew_ms: f64) -> Result<Verified, TokenError> {
        self.verify_session_jwt(&self.decode_token(token)?, skew_ms)
    }

    /// `verifyToken` for a session token already decoded.
    pub fn verify_session_jwt(&self, jwt: &Arc<Jwt>, skew_ms: f64) -> Result<Verified, TokenError> {
        if jwt.header.str(header::CAT) == Some(category::M2M) {
            return Err(VerifyError::new(Reason::TokenInvalid, "Invalid session token category.").with_action(action::ENSURE_CLERK_JWT).into());
        }
        let typ_refs: Option<Vec<&str>> = self.opts().header_types.as_ref().map(|t| t.iter().map(String::as_str).collect());
        let rules = ClaimRules {
            audience: &self.opts().audience,
            authorized_parties: &self.opts().authorized_parties,
            issuer: &self.opts().issuer,
            accept_missing_azp: self.opts().accept_missing_azp,
            ..self.clock_rules(skew_ms)
        };
        self.verify_jwt(jwt, typ_refs.as_deref(), &rules)?;
        Ok(jwt.payload.clone())
    }

    /// Verifies a handshake JWT: signature and category only, no claim checks.
    pub fn verify_handshake_token(&self, token: &str) -> Result<Verified, TokenError> {
        let jwt = Jwt::decode(token)?;
        let key = self.resolve_key(&jwt, "Failed to resolve JWK during handshake verification.")?;
        let alg = assert_header(&jwt, None)?;
        if jwt.has_non_session_category() {
            return Err(VerifyError::new(Reason::TokenInvalid, "Invalid handshake token category.").into());
        }
        self.check_signature(&jwt, &key, alg, "Handshake signature is invalid.")?;
        Ok(jwt.payload)
    }
}
