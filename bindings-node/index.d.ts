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

export type AuthStatusValue = 'signed-in' | 'signed-out' | 'handshake';
export declare const AuthStatus: { readonly SignedIn: 'signed-in'; readonly SignedOut: 'signed-out'; readonly Handshake: 'handshake' };

export type TokenTypeValue = 'session_token' | 'api_key' | 'm2m_token' | 'oauth_token';
export declare const TokenType: { readonly SessionToken: 'session_token'; readonly ApiKey: 'api_key'; readonly M2MToken: 'm2m_token'; readonly OAuthToken: 'oauth_token' };

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
  acceptsToken?: TokenTypeValue | 'any' | TokenTypeValue[];
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
   * clerkauth addition: entries of the opt-in verified-token cache (default 0: off). A token
   * whose signature was verified with the key resolved now is not verified again; every other
   * check (time, azp, aud, typ) still runs per request. Read when the client is created.
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

export interface MachineAuthObject extends AuthObjectBase {
  tokenType: 'api_key' | 'm2m_token' | 'oauth_token';
  id: string | null;
  subject: string | null;
  scopes: string[] | null;
  isAuthenticated: boolean;
  /** api_key */
  name?: string | null;
  /** api_key, m2m_token */
  claims?: Record<string, unknown> | null;
  /** api_key (user subject), oauth_token */
  userId?: string | null;
  /** api_key (org subject) */
  orgId?: string | null;
  /** m2m_token */
  machineId?: string | null;
  /** oauth_token */
  clientId?: string | null;
}

export interface InvalidTokenAuthObject extends AuthObjectBase {
  tokenType: null;
  isAuthenticated: false;
}

export type AuthObject = SignedInAuthObject | SignedOutAuthObject | MachineAuthObject | InvalidTokenAuthObject;

export interface OrganizationSync {
  target: { type: 'organization'; organizationId?: string; organizationSlug?: string } | { type: 'personalAccount' };
  outcome: 'active' | 'handshake' | 'mismatch' | 'membership' | 'not-member';
  activeOrgId: string | null;
}

export interface TraceStep {
  step: string;
  detail: string;
}

/** The result of `authenticateRequest`, with @clerk/backend's fields. */
export interface RequestState {
  status: AuthStatusValue;
  reason: string | null;
  message: string | null;
  /** Headers to send back (each Set-Cookie separate: `headers.getSetCookie()`). */
  headers: Headers;
  token: string | null;
  tokenType: TokenTypeValue | null;
  isAuthenticated: boolean;
  isSignedIn: boolean;
  publishableKey: string;
  proxyUrl: string;
  isSatellite: boolean;
  domain: string;
  signInUrl: string;
  signUpUrl: string;
  afterSignInUrl: string;
  afterSignUpUrl: string;
  /** `null` for handshakes. */
  toAuth(options?: { treatPendingAsSignedOut?: boolean }): AuthObject | null;
  /** clerkauth addition: the organization-sync outcome when a pattern matched. */
  organizationSync: OrganizationSync | null;
  /** clerkauth addition: the decision trace (only with `explain: true`). */
  trace?: TraceStep[];
}

export interface ClerkClient {
  authenticateRequest(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): Promise<RequestState>;
  /** Synchronous variant: blocks the event loop on network work (JWKS, Backend API). */
  authenticateRequestSync(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): RequestState;
}

export declare function createClerkClient(options?: ClerkOptions): ClerkClient;

export declare function authenticateRequest(request: AuthenticatableRequest, options?: AuthenticateRequestOptions): Promise<RequestState>;

/** `req.auth` set by `clerkMiddleware`: callable, and carrying the default auth object's fields. */
export type RequestAuth = ((options?: { treatPendingAsSignedOut?: boolean }) => AuthObject) & Partial<AuthObject>;

export interface ClerkMiddlewareOptions extends AuthenticateRequestOptions {
  /** Use this client (its options) instead of building one from these options. */
  clerkClient?: ClerkClient;
}

export type NextFunction = (err?: unknown) => void;

/**
 * Express/Connect middleware. Errors go to `next(err)`; a request whose Host header is not
 * `host[:port]` gives an `invalid-request` error with `status: 400`.
 */
export declare function clerkMiddleware(options?: ClerkMiddlewareOptions): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

export declare function getAuth(req: IncomingMessage, options?: { treatPendingAsSignedOut?: boolean }): AuthObject;

export declare function createUpgradeAuthenticator(options?: ClerkMiddlewareOptions): (req: IncomingMessage, options?: AuthenticateRequestOptions) => Promise<RequestState>;

export declare function authenticateUpgrade(req: IncomingMessage, options?: AuthenticateRequestOptions): Promise<RequestState>;

export declare function rejectUpgrade(socket: Duplex, state?: RequestState | null, statusCode?: number): void;

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
