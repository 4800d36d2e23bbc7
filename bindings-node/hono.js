'use strict';
/**
 * `clerkauth/hono`: @clerk/hono's `clerkMiddleware()` and `getAuth(c)` on clerkauth's core.
 * Keys come from the options or the runtime's environment as Hono reads it (`hono/adapter`'s
 * `env(c)`: process.env on Node, Bun.env on Bun, bindings on Workers).
 */

const root = require('./index.js');
const { authenticate, redirectLocation, handshakeWithoutRedirect, markClientError, authFunction } = require('./adapter.js');

const { ClerkAuthError, ErrorCode } = root;

function runtimeEnv(c) {
  try {
    return require('hono/adapter').env(c);
  } catch {
    return undefined;
  }
}

/**
 * `clerkMiddleware(options?)`: authenticates every request (every token type), appends the
 * state's headers, answers a state with a Location (handshake) with a 307 redirect, and sets
 * `c.get('clerkAuth')` (`(options?) => auth object`, read through `getAuth(c, options)`).
 */
function clerkMiddleware(options) {
  return async function clerkauthMiddleware(c, next) {
    let state;
    try {
      state = await authenticate(c.req.raw, options, runtimeEnv(c));
    } catch (e) {
      throw markClientError(e);
    }
    for (const cookie of state.headers.getSetCookie()) c.header('set-cookie', cookie, { append: true });
    for (const [k, v] of state.headers) if (k !== 'set-cookie' && k !== 'location') c.header(k, v);
    const location = redirectLocation(state);
    if (location) return c.redirect(location, 307);
    if (state.status === root.AuthStatus.Handshake) throw handshakeWithoutRedirect();
    c.set('clerkAuth', authFunction(state));
    c.set('clerkRequestState', state);
    await next();
    return undefined;
  };
}

/**
 * `getAuth(c, { acceptsToken, treatPendingAsSignedOut })`: as @clerk/hono, a session object by
 * default; `acceptsToken` selects machine tokens.
 */
function getAuth(c, options) {
  const authFn = c && typeof c.get === 'function' ? c.get('clerkAuth') : undefined;
  if (typeof authFn !== 'function') {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: getAuth(c) needs clerkMiddleware() to run first');
  }
  return authFn(options);
}

module.exports = {
  clerkMiddleware,
  getAuth,
  createClerkClient: root.createClerkClient,
  authenticateRequest: root.authenticateRequest,
  verifyToken: root.verifyToken,
  TokenVerificationError: root.TokenVerificationError,
  ClerkAuthError,
  ErrorCode,
  AuthStatus: root.AuthStatus,
  TokenType: root.TokenType,
};
