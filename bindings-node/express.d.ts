// Types of `clerkauth/express` (hand-written; checked in CI against test/types-usage.ts).
/// <reference types="node" />

import type { IncomingMessage, ServerResponse } from 'http';
import type { AuthObject, ClerkMiddlewareOptions as BaseOptions, GetAuthFn, NextFunction } from './index';

export {
  createClerkClient,
  authenticateRequest,
  verifyToken,
  TokenVerificationError,
  ClerkAuthError,
  ErrorCode,
  AuthStatus,
  TokenType,
  AuthObject,
  AuthOptions,
  SessionAuthObject,
  MachineAuthObject,
  RequestState,
} from './index';

/** @clerk/express's Frontend API proxy option: only `enabled: false` is accepted (clerkauth does not proxy). */
export interface FrontendApiProxyOptions {
  enabled: boolean | ((url: URL) => boolean);
  path?: string;
}

/**
 * @clerk/express's middleware options. Keys not given come from the environment
 * (CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY, CLERK_MACHINE_SECRET_KEY,
 * CLERK_API_URL, CLERK_API_VERSION, CLERK_DOMAIN, CLERK_PROXY_URL, CLERK_IS_SATELLITE,
 * CLERK_SIGN_IN_URL, CLERK_SIGN_UP_URL). `acceptsToken` is always `'any'` here: filter with
 * `getAuth(req, { acceptsToken })`.
 */
export interface ClerkMiddlewareOptions extends Omit<BaseOptions, 'isSatellite' | 'domain' | 'proxyUrl'> {
  /** @clerk/express's debug logging: accepted and ignored. */
  debug?: boolean;
  frontendApiProxy?: FrontendApiProxyOptions;
  isSatellite?: boolean | ((url: URL) => boolean);
  domain?: string | ((url: URL) => string);
  proxyUrl?: string | ((url: URL) => string);
}

/** Per-request options (e.g. a publishable key per domain). */
export type ClerkMiddlewareOptionsCallback<Req extends IncomingMessage = IncomingMessage> = (req: Req) => ClerkMiddlewareOptions | Promise<ClerkMiddlewareOptions>;

/** `req.auth` set by `clerkMiddleware`: callable (`state.toAuth(options)`), and carrying the default auth object's fields. */
export type RequestAuth = ((options?: { treatPendingAsSignedOut?: boolean }) => AuthObject) & Partial<AuthObject>;

/** A Connect/Express handler. */
export type ClerkRequestHandler<Req extends IncomingMessage = IncomingMessage> = (req: Req, res: ServerResponse, next: NextFunction) => void;

/**
 * Express/Connect middleware. Errors go to `next(err)`; a request whose Host header is not
 * `host[:port]` gives an `invalid-request` error with `status: 400`.
 */
export declare function clerkMiddleware<Req extends IncomingMessage = IncomingMessage>(options?: ClerkMiddlewareOptions | ClerkMiddlewareOptionsCallback<Req>): ClerkRequestHandler<Req>;

/** The request's auth object: a session object, unless `acceptsToken` says otherwise. */
export declare const getAuth: GetAuthFn<IncomingMessage>;

/** As `clerkMiddleware`, then redirects requests without a `userId` to `signInUrl` (option, CLERK_SIGN_IN_URL or '/'). */
export declare function requireAuth(options?: ClerkMiddlewareOptions): ClerkRequestHandler;
