'use strict';
/**
 * The exported string vocabularies: statuses, token types and the reasons of signed-out and
 * handshake states and of `verifyToken` refusals (test/vocabulary.test.mjs compares them with
 * the core's and with index.d.ts).
 */

const AuthStatus = Object.freeze({ SignedIn: 'signed-in', SignedOut: 'signed-out', Handshake: 'handshake' });
const TokenType = Object.freeze({ SessionToken: 'session_token', ApiKey: 'api_key', M2MToken: 'm2m_token', OAuthToken: 'oauth_token' });

/** @clerk/backend's AuthErrorReason: reasons of signed-out and handshake states. */
const AuthErrorReason = Object.freeze({
  ClientUATWithoutSessionToken: 'client-uat-but-no-session-token',
  DevBrowserMissing: 'dev-browser-missing',
  DevBrowserSync: 'dev-browser-sync',
  PrimaryRespondsToSyncing: 'primary-responds-to-syncing',
  PrimaryDomainCrossOriginSync: 'primary-domain-cross-origin-sync',
  SatelliteCookieNeedsSyncing: 'satellite-needs-syncing',
  SessionTokenAndUATMissing: 'session-token-and-uat-missing',
  SessionTokenMissing: 'session-token-missing',
  SessionTokenExpired: 'session-token-expired',
  SessionTokenIATBeforeClientUAT: 'session-token-iat-before-client-uat',
  SessionTokenNBF: 'session-token-nbf',
  SessionTokenIatInTheFuture: 'session-token-iat-in-the-future',
  SessionTokenWithoutClientUAT: 'session-token-but-no-client-uat',
  ActiveOrganizationMismatch: 'active-organization-mismatch',
  TokenTypeMismatch: 'token-type-mismatch',
  UnexpectedError: 'unexpected-error',
});

/** @clerk/backend's TokenVerificationErrorReason: why `verifyToken` refused a token. */
const TokenVerificationErrorReason = Object.freeze({
  TokenExpired: 'token-expired',
  TokenInvalid: 'token-invalid',
  TokenInvalidAlgorithm: 'token-invalid-algorithm',
  TokenInvalidAuthorizedParties: 'token-invalid-authorized-parties',
  TokenInvalidSignature: 'token-invalid-signature',
  TokenInvalidIssuer: 'token-invalid-issuer',
  TokenNotActiveYet: 'token-not-active-yet',
  TokenIatInTheFuture: 'token-iat-in-the-future',
  TokenVerificationFailed: 'token-verification-failed',
  InvalidSecretKey: 'secret-key-invalid',
  LocalJWKMissing: 'jwk-local-missing',
  RemoteJWKFailedToLoad: 'jwk-remote-failed-to-load',
  RemoteJWKInvalid: 'jwk-remote-invalid',
  RemoteJWKMissing: 'jwk-remote-missing',
  JWKFailedToResolve: 'jwk-failed-to-resolve',
  JWKKidMismatch: 'jwk-kid-mismatch',
});

/**
 * The reasons clerkauth adds to @clerk/backend's two enums: the reference's literal for a
 * machine-token request without a token, and this project's own. `AuthErrorReason`,
 * `TokenVerificationErrorReason` and `ClerkAuthReason` together list every reason of the core
 * (test/vocabulary.test.mjs checks it).
 */
const ClerkAuthReason = Object.freeze({
  NoTokenInHeader: 'No token in header',
  BackendApiUnreachable: 'backend-api-unreachable',
  TabTokenRequired: 'tab-token-required',
  SessionMismatch: 'session-mismatch',
  OrganizationMismatch: 'organization-mismatch',
  OrganizationNotMember: 'organization-not-member',
  OrganizationMembershipLookupFailed: 'organization-membership-lookup-failed',
});

module.exports = { AuthStatus, TokenType, AuthErrorReason, TokenVerificationErrorReason, ClerkAuthReason };
