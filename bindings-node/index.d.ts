// Type definitions for clerkauth (hand-written; checked in CI against test/types-usage.ts).
/// <reference types="node" />

import type { IncomingMessage, ServerResponse } from 'http';
import type { Duplex } from 'stream';

/** Stable error codes (the core's ErrorCode strings). */
export type ClerkAuthErrorCode =
  | 'invalid-publishable-key'
  | 'missing-secret-key'
  | 'invalid-satellite-config'
  | 'missing-machine-secret-key'
  | 'invalid-organization-pattern'
  | 'invalid-option'
  | 'invalid-request'
  | 'handshake-verification-failed'
  | 'unexpected-error';

/** Raised for configuration errors and unusable input. Authentication failures are never errors. */
export declare class ClerkAuthError extends Error {
  readonly name: 'ClerkAuthError';
  readonly code: ClerkAuthErrorCode;
  /** 400 when `clerkMiddleware` passes an `invalid-request` error (an unusable Host header) to `next`. */
  status?: number;
  constructor(code: ClerkAuthErrorCode, message: string, options?: { cause?: unknown });
}

export declare const ErrorCode: {
  readonly InvalidPublishableKey: 'invalid-publishable-key';
  readonly MissingSecretKey: 'missing-secret-key';
  readonly InvalidSatelliteConfig: 'invalid-satellite-config';
  readonly MissingMachineSecretKey: 'missing-machine-secret-key';
  readonly InvalidOrganizationPattern: 'invalid-organization-pattern';
  readonly InvalidOption: 'invalid-option';
  readonly InvalidRequest: 'invalid-request';
  readonly HandshakeVerificationFailed: 'handshake-verification-failed';
  readonly UnexpectedError: 'unexpected-error';
};

/** Request state statuses: `AuthStatus.SignedIn` as a value, `AuthStatus` as the type of all three. */
export declare const AuthStatus: { readonly SignedIn: 'signed-in'; readonly SignedOut: 'signed-out'; readonly Handshake: 'handshake' };
export type AuthStatus = (typeof AuthStatus)[keyof typeof AuthStatus];
export type AuthStatusValue = AuthStatus;

/** Token types: `TokenType.ApiKey` as a value, `TokenType` as the type of all four. */
export declare const TokenType: { readonly SessionToken: 'session_token'; readonly ApiKey: 'api_key'; readonly M2MToken: 'm2m_token'; readonly OAuthToken: 'oauth_token' };
export type TokenType = (typeof TokenType)[keyof typeof TokenType];
export type TokenTypeValue = TokenType;
export type SessionTokenType = 'session_token';
export type MachineTokenType = Exclude<TokenType, SessionTokenType>;

/** @clerk/backend's `AuthErrorReason` (reasons of signed-out and handshake states). */
export declare const AuthErrorReason: {
  readonly ClientUATWithoutSessionToken: 'client-uat-but-no-session-token';
  readonly DevBrowserMissing: 'dev-browser-missing';
  readonly DevBrowserSync: 'dev-browser-sync';
  readonly PrimaryRespondsToSyncing: 'primary-responds-to-syncing';
  readonly PrimaryDomainCrossOriginSync: 'primary-domain-cross-origin-sync';
  readonly SatelliteCookieNeedsSyncing: 'satellite-needs-syncing';
  readonly SessionTokenAndUATMissing: 'session-token-and-uat-missing';
  readonly SessionTokenMissing: 'session-token-missing';
  readonly SessionTokenExpired: 'session-token-expired';
  readonly SessionTokenIATBeforeClientUAT: 'session-token-iat-before-client-uat';
  readonly SessionTokenNBF: 'session-token-nbf';
  readonly SessionTokenIatInTheFuture: 'session-token-iat-in-the-future';
  readonly SessionTokenWithoutClientUAT: 'session-token-but-no-client-uat';
  readonly ActiveOrganizationMismatch: 'active-organization-mismatch';
  readonly TokenTypeMismatch: 'token-type-mismatch';
  readonly UnexpectedError: 'unexpected-error';
};
export type AuthErrorReason = (typeof AuthErrorReason)[keyof typeof AuthErrorReason];

/** @clerk/backend's `TokenVerificationErrorReason` (reasons of token verification failures). */
export declare const TokenVerificationErrorReason: {
  readonly TokenExpired: 'token-expired';
  readonly TokenInvalid: 'token-invalid';
  readonly TokenInvalidAlgorithm: 'token-invalid-algorithm';
  readonly TokenInvalidAuthorizedParties: 'token-invalid-authorized-parties';
  readonly TokenInvalidSignature: 'token-invalid-signature';
  readonly TokenInvalidIssuer: 'token-invalid-issuer';
  readonly TokenNotActiveYet: 'token-not-active-yet';
  readonly TokenIatInTheFuture: 'token-iat-in-the-future';
  readonly TokenVerificationFailed: 'token-verification-failed';
  readonly InvalidSecretKey: 'secret-key-invalid';
  readonly LocalJWKMissing: 'jwk-local-missing';
  readonly RemoteJWKFailedToLoad: 'jwk-remote-failed-to-load';
  readonly RemoteJWKInvalid: 'jwk-remote-invalid';
  readonly RemoteJWKMissing: 'jwk-remote-missing';
  readonly JWKFailedToResolve: 'jwk-failed-to-resolve';
  readonly JWKKidMismatch: 'jwk-kid-mismatch';
};
export type TokenVerificationErrorReason = (typeof TokenVerificationErrorReason)[keyof typeof TokenVerificationErrorReason];

/** The reasons clerkauth adds to the reference's two enums. */
export declare const ClerkAuthReason: {
  readonly NoTokenInHeader: 'No token in header';
  readonly BackendApiUnreachable: 'backend-api-unreachable';
  readonly TabTokenRequired: 'tab-token-required';
  readonly SessionMismatch: 'session-mismatch';
  readonly OrganizationMismatch: 'organization-mismatch';
  readonly OrganizationNotMember: 'organization-not-member';
  readonly OrganizationMembershipLookupFailed: 'organization-membership-lookup-failed';
};
export type ClerkAuthReason = (typeof ClerkAuthReason)[keyof typeof ClerkAuthReason];

/**
 * A state's reason: one of the reference's or clerkauth's, or another string (a refresh
 * failure's `session-token-expired-refresh-<why>`).
 */
export type AuthReason = AuthErrorReason | TokenVerificationErrorReason | ClerkAuthReason | (string & {});

export interface OrganizationSyncOptions {
  /** Patterns naming an organization with `:id` or `:slug` (path-to-regexp v6 syntax). */
  organizationPatterns?: string[];
  /** Patterns naming the personal account. */
  personalAccountPatterns?: string[];
  /** clerkauth addition: what to do when the URL names another organization and no handshake is possible. */
  onMismatch?: 'keep-active' | 'signed-out' | 'resolve-membership';
}

/**
 * Options with @clerk/backend's names (plus clerkauth's additions). Any other name is an
 * `invalid-option` error naming it (with a "did you mean" for a near miss), thrown by
 * `authenticateRequest` (for `createClerkClient` options: by its first call).
 */
export interface AuthenticateRequestOptions {
  secretKey?: string;
  publishableKey?: string;
  jwtKey?: string;
  machineSecretKey?: string;
  apiUrl?: string;
  apiVersion?: string;
  audience?: string | string[];
  /** Accepted `iss` values of session tokens (exact match; empty = no check). */
  issuer?: string | string[];
  authorizedParties?: string[];
  clockSkewInMs?: number;
  headerType?: string | string[];
  domain?: string;
  isSatellite?: boolean;
  satelliteAutoSync?: boolean;
  proxyUrl?: string;
  signInUrl?: string;
  signUpUrl?: string;
  afterSignInUrl?: string;
  afterSignUpUrl?: string;
  organizationSyncOptions?: OrganizationSyncOptions;
  acceptsToken?: TokenType | 'any' | TokenType[];
  skipJwksCache?: boolean;
  jwksCacheTtlInMs?: number;
  /** clerkauth addition: header whose presence demands the request's own Authorization token. */
  requireTabToken?: string;
  /** clerkauth addition: header naming the session the request expects. */
  expectedSessionHeader?: string;
  /** clerkauth addition: header naming the user the request expects. */
  expectedUserHeader?: string;
  /** clerkauth addition: accept or reject tokens without `azp` when authorizedParties is set. */
  missingAzp?: 'accept' | 'reject';
  /** clerkauth addition: TTL of membership lookups for `onMismatch: 'resolve-membership'`. */
  membershipCacheTtlInMs?: number;
  /** clerkauth addition: record a decision trace on the state (`state.trace`). */
  explain?: boolean;
  /**
   * clerkauth addition: entries of the verified-token cache (default 1024; 0 turns it off). A
   * token whose signature was verified with the key resolved now is not verified again; every
   * other check (time, azp, aud, typ) still runs per request, so no answer changes. Read when
   * the client is created.
   */
  verifiedTokenCacheSize?: number;
  /** @clerk/backend's internal Backend API client: accepted and ignored (clerkauth calls the Backend API itself, with secretKey/apiUrl/apiVersion). */
  apiClient?: unknown;
  /** @clerk/backend `createClerkClient` option without effect on authentication: accepted and ignored. */
  requireSecretKey?: boolean;
  /** @clerk/backend `createClerkClient` option (the Backend API client's User-Agent): accepted and ignored. */
  userAgent?: string;
  /** @clerk/backend `createClerkClient` option (telemetry): accepted and ignored. */
  sdkMetadata?: { name: string; version: string; environment?: string };
  /** @clerk/backend `createClerkClient` option (telemetry): accepted and ignored. */
  telemetry?: { disabled?: boolean; debug?: boolean; samplingRate?: number };
  /** clerkauth addition: the clock, in ms since the Unix epoch (default: now). */
  nowMs?: number;
  /** clerkauth testing knob: base delay of the JWKS retry backoff in ms (default 125). */
  jwksRetryBaseDelayMs?: number;
}

export type ClerkOptions = AuthenticateRequestOptions;

/** A plain request: absolute URL, headers as pairs, a Headers or an object. */
export interface PlainRequest {
  method?: string;
  url: string | URL;
  headers?: Headers | Array<[string, string]> | Record<string, string | string[] | undefined>;
}

/** What `authenticateRequest` accepts. */
export type AuthenticatableRequest = Request | IncomingMessage | PlainRequest;

export interface CheckAuthorizationParams {
  role?: string;
  permission?: string;
  feature?: string;
  plan?: string;
  reverification?: 'strict_mfa' | 'strict' | 'moderate' | 'lax' | { level: 'first_factor' | 'second_factor' | 'multi_factor'; afterMinutes: number };
}

interface AuthObjectBase {
  has(params: CheckAuthorizationParams): boolean;
  /**
   * Signed-in sessions: without options, the session token that authenticated the request (no
   * network). With `template` (a JWT template name) and/or `expiresInSeconds` (a non-negative
   * integer), a new token from the Backend API (`POST {apiUrl}/{apiVersion}/sessions/{sessionId}/tokens[/{template}]`
   * with the secret key and the other options the request was authenticated with), requested
   * off the event loop. Rejects with a `ClerkAuthError`: `unexpected-error` when the Backend
   * API is unreachable or answers with an error (the message carries the HTTP status and the
   * Backend API's error, e.g. 404 for an unknown template, 401 for a bad secret key),
   * `missing-secret-key`, `invalid-option` for a bad `template` / `expiresInSeconds`.
   * Machine tokens: the raw token. Signed-out and invalid-token objects: `null`.
   */
  getToken(options?: { template?: string; expiresInSeconds?: number }): Promise<string | null>;
  debug(): Record<string, unknown>;
}

export interface JwtPayload {
  sub: string;
  sid?: string;
  iat: number;
  exp: number;
  nbf?: number;
  azp?: string;
  [claim: string]: unknown;
}

export interface SignedInAuthObject extends AuthObjectBase {
  tokenType: 'session_token';
  sessionClaims: JwtPayload;
  sessionId?: string;
  sessionStatus: string | null;
  userId: string;
  actor?: Record<string, unknown> | null;
  orgId?: string;
  orgRole?: string;
  orgSlug?: string;
  orgPermissions?: string[];
  factorVerificationAge: [number, number] | null;
  isAuthenticated: true;
}

export interface SignedOutAuthObject extends AuthObjectBase {
  tokenType: 'session_token';
  sessionClaims: null;
  sessionId: null;
  sessionStatus: string | null;
  userId: null;
  actor: null;
  orgId: null;
  orgRole: null;
  orgSlug: null;
  orgPermissions: null;
  factorVerificationAge: null;
  isAuthenticated: false;
}

/** Fields of a verified machine token's auth object, per token type. */
export interface MachineTokenFields {
  api_key: { name: string; claims: Record<string, unknown> | null; userId: string | null; orgId: string | null };
  m2m_token: { claims: Record<string, unknown> | null; machineId: string };
  oauth_token: { userId: string; clientId: string };
}

/** A verified machine token (`api_key`, `m2m_token`, `oauth_token`). */
export type AuthenticatedMachineObject<T extends MachineTokenType = MachineTokenType> = T extends MachineTokenType
  ? AuthObjectBase & MachineTokenFields[T] & { tokenType: T; id: string; subject: string; scopes: string[]; isAuthenticated: true }
  : never;

/** A machine token that did not verify (or a request without one, filtered by `acceptsToken`). */
export type UnauthenticatedMachineObject<T extends MachineTokenType = MachineTokenType> = T extends MachineTokenType
  ? AuthObjectBase & { [K in keyof MachineTokenFields[T]]: null } & { tokenType: T; id: null; subject: null; scopes: null; isAuthenticated: false }
  : never;

/** @clerk/backend's `MachineAuthObject<T>`: authenticated or not, per token type. */
export type MachineAuthObject<T extends MachineTokenType = MachineTokenType> = T extends MachineTokenType
  ? AuthenticatedMachineObject<T> | UnauthenticatedMachineObject<T>
  : never;

/** @clerk/backend's `SessionAuthObject`: what `getAuth(req)` returns without `acceptsToken`. */
export type SessionAuthObject = SignedInAuthObject | SignedOutAuthObject;

export interface InvalidTokenAuthObject extends AuthObjectBase {
  tokenType: null;
  isAuthenticated: false;
}

export type AuthObject = SignedInAuthObject | SignedOutAuthObject | MachineAuthObject | InvalidTokenAuthObject;

/** `getAuth`'s options: `toAuth`'s, plus the token types the route accepts (default `session_token`). */
export interface AuthOptions {
  treatPendingAsSignedOut?: boolean;
  acceptsToken?: TokenType | TokenType[] | 'any';
}

/** The auth object type for a list of accepted token types (as @clerk/backend infers it). */
export type InferAuthObjectFromTokenArray<T extends readonly TokenType[]> = SessionTokenType extends T[number]
  ? T[number] extends SessionTokenType
    ? SessionAuthObject
    : SessionAuthObject | MachineAuthObject<Extract<T[number], MachineTokenType>>
  : MachineAuthObject<Extract<T[number], MachineTokenType>>;

/** The auth object type for one accepted token type. */
export type InferAuthObjectFromToken<T extends TokenType> = T extends SessionTokenType ? SessionAuthObject : MachineAuthObject<Extract<T, MachineTokenType>>;

/** @clerk/backend's `GetAuthFn`: `getAuth(req)` is a session object; `acceptsToken` selects the others. */
export interface GetAuthFn<RequestType> {
  <T extends TokenType[]>(req: RequestType, options: AuthOptions & { acceptsToken: T }): InferAuthObjectFromTokenArray<T> | InvalidTokenAuthObject;
  <T extends TokenType>(req: RequestType, options: AuthOptions & { acceptsToken: T }): InferAuthObjectFromToken<T>;
  (req: RequestType, options: AuthOptions & { acceptsToken: 'any' }): AuthObject;
  (req: RequestType, options?: { treatPendingAsSignedOut?: boolean }): SessionAuthObject;
}

export interface OrganizationSync {
  target: { type: 'organization'; organizationId?: string; organizationSlug?: string } | { type: 'personalAccount' };
  outcome: 'active' | 'handshake' | 'mismatch' | 'membership' | 'not-member';
  activeOrgId: string | null;
}

export interface TraceStep {
  step: string;
  detail: string;
}

interface RequestStateBase {
  /** Headers to send back (each Set-Cookie separate: `headers.getSetCookie()`). */
  headers: Headers;
  publishableKey: string;
  proxyUrl: string;
  isSatellite: boolean;
  domain: string;
  signInUrl: string;
  signUpUrl: string;
  afterSignInUrl: string;
  afterSignUpUrl: string;
  message: string | null;
  /** clerkauth addition: until when this answer holds (ms since the epoch: the token's exp, or an earlier membership-cache expiry), or null. */
  validUntil: number | null;
  /** clerkauth addition: the Location to redirect to (a handshake, or a dev-instance handshake resolution that is signed in), or null. */
  redirectLocation: string | null;
  /**
   * clerkauth addition, for re-authenticating a long-lived connection: `null` when this state
   * is still signed in as the same user, session and organization as `previous`, else why not:
   * 'signed-out' | 'user-changed' | 'session-changed' | 'organization-changed' | 'principal-changed' (another token type or machine).
   */
  continues(previous: RequestState): null | 'signed-out' | 'user-changed' | 'session-changed' | 'organization-changed' | 'principal-changed';
  /** clerkauth addition: the organization-sync outcome when a pattern matched. */
  organizationSync: OrganizationSync | null;
  /** clerkauth addition: the decision trace (only with `explain: true`). */
  trace?: TraceStep[];
}

/** A signed-in request: `token` is the session or machine token that authenticated it. */
export interface SignedInState extends RequestStateBase {
  status: 'signed-in';
  reason: null;
  token: string;
  tokenType: TokenType;
  isAuthenticated: true;
  isSignedIn: true;
  toAuth(options?: { treatPendingAsSignedOut?: boolean }): SignedInAuthObject | SignedOutAuthObject | AuthenticatedMachineObject;
}

export interface SignedOutState extends RequestStateBase {
  status: 'signed-out';
  reason: AuthReason;
  token: null;
  tokenType: TokenType | null;
  isAuthenticated: false;
  isSignedIn: false;
  toAuth(options?: { treatPendingAsSignedOut?: boolean }): SignedOutAuthObject | UnauthenticatedMachineObject | InvalidTokenAuthObject;
}

/** A handshake: send `headers` (Location, Set-Cookie …) with a 307. */
export interface HandshakeState extends RequestStateBase {
  status: 'handshake';
  reason: AuthReason;
  token: null;
  tokenType: 'session_token';
  isAuthenticated: false;
  isSignedIn: false;
  toAuth(options?: { treatPendingAsSignedOut?: boolean }): null;
}

/** The result of `authenticateRequest`, with @clerk/backend's fields: a union discriminated by `status`. */
export type RequestState = SignedInState | SignedOutState | HandshakeState;

export interface ClerkClient {
  authenticateRequest(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): Promise<RequestState>;
  /**
   * Synchronous variant: blocks the event loop on network work (JWKS, Backend API). A state's
   * native memory is freed from the event loop: a long loop of these calls should yield now and
   * then (`await new Promise((r) => setImmediate(r))`).
   */
  authenticateRequestSync(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): RequestState;
}

export declare function createClerkClient(options?: ClerkOptions): ClerkClient;

export declare function authenticateRequest(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): Promise<RequestState>;

export type NextFunction = (err?: unknown) => void;

/** Options of the middlewares and upgrade authenticators (`clerkauth/express` adds @clerk/express's `debug`, `frontendApiProxy` and URL functions). */
export interface ClerkMiddlewareOptions extends AuthenticateRequestOptions {
  /** Use this client (its options) instead of building one from these options. */
  clerkClient?: ClerkClient;
}

export { clerkMiddleware, getAuth, requireAuth, RequestAuth, ClerkMiddlewareOptionsCallback, FrontendApiProxyOptions } from './express';
import type { RequestAuth } from './express';

export declare function createUpgradeAuthenticator(options?: ClerkMiddlewareOptions): (req: IncomingMessage, options?: AuthenticateRequestOptions) => Promise<RequestState>;

export declare function authenticateUpgrade(req: IncomingMessage, options?: AuthenticateRequestOptions): Promise<RequestState>;

export declare function rejectUpgrade(socket: Duplex, state?: RequestState | null, statusCode?: number): void;

/** @clerk/backend's `TokenVerificationError`: why `verifyToken` refused a token. */
export declare class TokenVerificationError extends Error {
  readonly name: 'TokenVerificationError';
  reason: TokenVerificationErrorReason | (string & {});
  action?: string;
  tokenCarrier?: 'header' | 'cookie';
  constructor(options: { reason: string; message: string; action?: string | null });
  getFullMessage(): string;
}

/** @clerk/backend's `VerifyTokenOptions`: a session token checked with `jwtKey` (networkless) or the JWKS (`secretKey`, `apiUrl`). */
export interface VerifyTokenOptions {
  jwtKey?: string;
  secretKey?: string;
  apiUrl?: string;
  apiVersion?: string;
  audience?: string | string[];
  authorizedParties?: string[];
  clockSkewInMs?: number;
  skipJwksCache?: boolean;
  jwksCacheTtlInMs?: number;
  /** clerkauth addition: the clock, in ms since the Unix epoch (default: now). */
  nowMs?: number;
  /** clerkauth testing knob: base delay of the JWKS retry backoff in ms (default 125). */
  jwksRetryBaseDelayMs?: number;
}

/**
 * @clerk/backend's `verifyToken(token, options)`: resolves to the verified claims, rejects with
 * a `TokenVerificationError` (`reason`, `action`, `message`); configuration errors reject
 * with a `ClerkAuthError`.
 */
export declare function verifyToken(token: string, options?: VerifyTokenOptions): Promise<JwtPayload>;

/** The result of moving a WebSocket token into the request (see `clerkauth/websocket`). */
export interface WebSocketTokenExtraction {
  /** The request with the token as `Authorization: Bearer`, the token protocol / query parameter removed. */
  request: { method: string; url: string; headers: Array<[string, string]> };
  tokenSource: 'protocol' | 'query' | null;
  /** The first offered non-token protocol, to answer in the 101 response. */
  selectedProtocol: string | null;
}

/** Low-level: the core's WebSocket token extraction (`clerkauth/websocket` builds on it). */
export declare function extractWebSocketToken(request: AuthenticatableRequest, options?: { protocolPrefix?: string | null; queryParam?: string }): WebSocketTokenExtraction;

export declare function toPlainRequest(request: AuthenticatableRequest): { method: string; url: string; headers: Array<[string, string]> };

export declare const version: string;

declare module 'http' {
  interface IncomingMessage {
    /** Set by clerkauth's `clerkMiddleware`. */
    auth?: RequestAuth;
    /** Set by clerkauth's `clerkMiddleware`. */
    clerkRequestState?: RequestState;
  }
}
