// Types of `clerkauth/hono` (hand-written; checked in CI against test/types-usage.ts).
import type { Context, MiddlewareHandler } from 'hono';
import type { AuthObject, AuthOptions, GetAuthFn, RequestState } from './index';
import type { ClerkMiddlewareOptions as ExpressOptions } from './express';

export { createClerkClient, authenticateRequest, verifyToken, TokenVerificationError, ClerkAuthError, ErrorCode, AuthStatus, TokenType, AuthObject, AuthOptions, SessionAuthObject, MachineAuthObject, RequestState } from './index';

/** @clerk/hono's options (`acceptsToken` is always `'any'`: filter with `getAuth(c, { acceptsToken })`). */
export type ClerkMiddlewareOptions = Omit<ExpressOptions, 'acceptsToken' | 'clerkClient'>;

/** `app.use('*', clerkMiddleware(options?))`. Keys not given come from the runtime's environment (`hono/adapter`'s `env(c)`). */
export declare function clerkMiddleware(options?: ClerkMiddlewareOptions): MiddlewareHandler;

/** The request's auth object: a session object, unless `acceptsToken` says otherwise. */
export declare const getAuth: GetAuthFn<Context>;

/** The context variables clerkMiddleware sets. */
export interface ClerkHonoVariables {
  clerkAuth: (options?: AuthOptions) => AuthObject;
  clerkRequestState: RequestState;
}

declare module 'hono' {
  interface ContextVariableMap extends ClerkHonoVariables {}
}
