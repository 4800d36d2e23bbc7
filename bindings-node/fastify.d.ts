// Types of `clerkauth/fastify` (hand-written; checked in CI against test/types-usage.ts).
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { AuthObject, GetAuthFn, RequestState } from './index';
import type { ClerkMiddlewareOptions } from './express';

export { createClerkClient, authenticateRequest, verifyToken, TokenVerificationError, ClerkAuthError, ErrorCode, AuthStatus, TokenType, AuthObject, AuthOptions, SessionAuthObject, MachineAuthObject, RequestState } from './index';

/** @clerk/fastify's options: the middleware's, plus the hook that authenticates (default `preHandler`). */
export interface ClerkFastifyOptions extends ClerkMiddlewareOptions {
  hookName?: 'onRequest' | 'preHandler';
}

/** `fastify.register(clerkPlugin, options?)`. Keys not given come from the environment. */
export declare const clerkPlugin: FastifyPluginCallback<ClerkFastifyOptions>;

/** The request's auth object: a session object, unless `acceptsToken` says otherwise. */
export declare const getAuth: GetAuthFn<FastifyRequest>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by clerkauth's `clerkPlugin` (every token type; read it through `getAuth`). */
    auth: AuthObject | null;
    /** Set by clerkauth's `clerkPlugin`. */
    clerkRequestState: RequestState | null;
  }
}
