//! The reason codes of signed-out and handshake states: one enum for every code the state
//! machine emits, spelled exactly as the reference (`AuthErrorReason`,
//! `TokenVerificationErrorReason`) or as this project's additions.
//!
//! One family of reasons is composed at run time and so has no member of its own: an expired
//! session token that could not be refreshed answers
//! `session-token-expired-refresh-<why>` (`<why>` is a refresh failure or a Backend API error
//! code, verbatim). [`Reason::classify`] maps it to [`Reason::SessionTokenExpired`].

use std::fmt;
use std::str::FromStr;

use crate::string_enum::string_enum;

string_enum! {
    /// A reason code (`RequestState::reason`, `VerifyError::reason`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[non_exhaustive]
    pub enum Reason {
        // --- AuthErrorReason ---
        /// `__client_uat` is set but there is no session cookie.
        ClientUatWithoutSessionToken = "client-uat-but-no-session-token",
        /// Development instance without a dev browser token.
        DevBrowserMissing = "dev-browser-missing",
        /// Development instance: the URL carries `__clerk_db_jwt`.
        DevBrowserSync = "dev-browser-sync",
        /// Development primary answering a satellite's sync request.
        PrimaryRespondsToSyncing = "primary-responds-to-syncing",
        /// A document request from a satellite domain to the primary.
        PrimaryDomainCrossOriginSync = "primary-domain-cross-origin-sync",
        /// A satellite needs to sync with the primary.
        SatelliteCookieNeedsSyncing = "satellite-needs-syncing",
        /// Neither a session cookie nor `__client_uat`.
        SessionTokenAndUatMissing = "session-token-and-uat-missing",
        /// A handshake carried no session token.
        SessionTokenMissing = "session-token-missing",
        /// The head of the composed `session-token-expired-refresh-<why>` reasons (see the module
        /// documentation); never emitted on its own.
        SessionTokenExpired = "session-token-expired",
        /// The session token was issued before `__client_uat`.
        SessionTokenIatBeforeClientUat = "session-token-iat-before-client-uat",
        /// The session token is not active yet.
        SessionTokenNbf = "session-token-nbf",
        /// The session token's `iat` is in the future.
        SessionTokenIatInTheFuture = "session-token-iat-in-the-future",
        /// A session cookie without `__client_uat`.
        SessionTokenWithoutClientUat = "session-token-but-no-client-uat",
        /// The URL names an organization that is not the active one (activation handshake).
        ActiveOrganizationMismatch = "active-organization-mismatch",
        /// The token is not of an accepted type.
        TokenTypeMismatch = "token-type-mismatch",
        /// Any other failure.
        UnexpectedError = "unexpected-error",
        /// `acceptsToken` names a machine type and the request has no `Authorization` token (the
        /// reference's literal).
        NoTokenInHeader = "No token in header",
        // --- TokenVerificationErrorReason ---
        /// The token is expired.
        TokenExpired = "token-expired",
        /// The token is malformed or of the wrong kind.
        TokenInvalid = "token-invalid",
        /// Unsupported `alg`.
        TokenInvalidAlgorithm = "token-invalid-algorithm",
        /// `azp` is not an authorized party.
        TokenInvalidAuthorizedParties = "token-invalid-authorized-parties",
        /// `iss` is not the expected issuer.
        TokenInvalidIssuer = "token-invalid-issuer",
        /// Bad signature.
        TokenInvalidSignature = "token-invalid-signature",
        /// `nbf` is in the future.
        TokenNotActiveYet = "token-not-active-yet",
        /// `iat` is in the future.
        TokenIatInTheFuture = "token-iat-in-the-future",
        /// Any other verification failure.
        TokenVerificationFailed = "token-verification-failed",
        /// The Backend API refused the secret key.
        SecretKeyInvalid = "secret-key-invalid",
        /// No local JWK.
        JwkLocalMissing = "jwk-local-missing",
        /// The JWKS could not be loaded.
        JwkRemoteFailedToLoad = "jwk-remote-failed-to-load",
        /// The reference's `RemoteJWKInvalid` (never emitted by this implementation).
        JwkRemoteInvalid = "jwk-remote-invalid",
        /// The reference's `RemoteJWKMissing` (never emitted by this implementation).
        JwkRemoteMissing = "jwk-remote-missing",
        /// Neither `jwtKey` nor a secret key to fetch the JWKS with.
        JwkFailedToResolve = "jwk-failed-to-resolve",
        /// No JWK has the token's `kid`.
        JwkKidMismatch = "jwk-kid-mismatch",
        // --- this project's additions ---
        /// The Backend API could not be reached at all (network error, timeout), as distinct from
        /// a token problem.
        BackendApiUnreachable = "backend-api-unreachable",
        /// A request declared it carries its own token (`requireTabToken` header) but had none.
        TabTokenRequired = "tab-token-required",
        /// The verified token belongs to another session or user than the request names.
        SessionMismatch = "session-mismatch",
        /// `onMismatch: signed-out` and the URL names another organization.
        OrganizationMismatch = "organization-mismatch",
        /// `onMismatch: resolve-membership` and the user is not a member.
        OrganizationNotMember = "organization-not-member",
        /// `onMismatch: resolve-membership` and the Backend API lookup failed.
        OrganizationMembershipLookupFailed = "organization-membership-lookup-failed",
    }
}

/// The prefix of the composed refresh-failure reasons.
const REFRESH_PREFIX: &str = "session-token-expired-refresh-";

impl Reason {
    /// The reason a state's reason string belongs to: [`Reason::parse`], and
    /// [`Reason::SessionTokenExpired`] for `session-token-expired-refresh-<why>`.
    pub fn classify(s: &str) -> Option<Reason> {
        Reason::parse(s).or_else(|| s.starts_with(REFRESH_PREFIX).then_some(Reason::SessionTokenExpired))
    }

    /// The composed reason of an expired session token that was not refreshed.
    pub(crate) fn expired_refresh(why: &str) -> String {
        format!("{REFRESH_PREFIX}{why}")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The error of [`Reason::from_str`]: the string is not a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownReason(pub String);

impl fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown reason {:?}", self.0)
    }
}

impl std::error::Error for UnknownReason {}

impl FromStr for Reason {
    type Err = UnknownReason;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::parse(s).ok_or_else(|| UnknownReason(s.to_string()))
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Reason::parse(&s).ok_or_else(|| serde::de::Error::custom(UnknownReason(s.into_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;
    use std::collections::HashSet;

    #[test]
    fn every_reason_round_trips_and_is_unique() {
        let mut seen = HashSet::new();
        for &r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
            assert_eq!(r.as_str().parse::<Reason>(), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::Value::from(r.as_str()));
            assert_eq!(serde_json::from_value::<Reason>(serde_json::Value::from(r.as_str())).unwrap(), r);
            assert!(seen.insert(r.as_str()), "duplicate {r}");
        }
        assert_eq!(seen.len(), Reason::ALL.len());
        assert!(Reason::parse("nope").is_none() && "nope".parse::<Reason>().is_err());
        assert!(serde_json::from_value::<Reason>(serde_json::json!("nope")).is_err());
    }

    #[test]
    fn refresh_failures_classify_as_session_token_expired() {
        let r = Reason::expired_refresh("fetch-error");
        assert_eq!(r, "session-token-expired-refresh-fetch-error");
        assert_eq!(Reason::parse(&r), None);
        assert_eq!(Reason::classify(&r), Some(Reason::SessionTokenExpired));
        assert_eq!(Reason::classify("token-expired"), Some(Reason::TokenExpired));
        assert_eq!(Reason::classify("other"), None);
    }
}
