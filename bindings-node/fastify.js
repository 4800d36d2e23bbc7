'use strict';
/**
 * `clerkauth/fastify`: @clerk/fastify's `clerkPlugin` and `getAuth(request)` on clerkauth's
 * core. `fastify.register(clerkPlugin, options?)` authenticates every request of the scope in a
 * `preHandler` (or `onRequest`, option `hookName`) hook. Keys come from the options or the
 * environment (CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, …).
 */

const root = require('./index.js');
const { authenticate, redirectLocation, handshakeWithoutRedirect, markClientError, authForAcceptedToken } = require('./adapter.js');

const { ClerkAuthError, ErrorCode } = root;
const ALLOWED_HOOKS = ['onRequest', 'preHandler'];

function hook(options) {
  return async function clerkauthHook(request, reply) {
    let state;
    try {
      state = await authenticate(request.raw, options);
    } catch (e) {
      throw markClientError(e);
    }
    for (const cookie of state.headers.getSetCookie()) reply.header('set-cookie', cookie);
    for (const [k, v] of state.headers) if (k !== 'set-cookie') reply.header(k, v);
    if (redirectLocation(state)) return reply.code(307).send();
    if (state.status === root.AuthStatus.Handshake) throw handshakeWithoutRedirect();
    request.auth = state.toAuth();
    request.clerkRequestState = state;
    return undefined;
  };
}

/** The plugin: decorates requests with `auth` and `clerkRequestState` and adds the hook. */
function clerkPlugin(instance, options, done) {
  const opts = options || {};
  const hookName = opts.hookName || 'preHandler';
  if (!ALLOWED_HOOKS.includes(hookName)) {
    done(new ClerkAuthError(ErrorCode.InvalidOption, `clerkauth: unsupported hookName ${JSON.stringify(hookName)} (use 'onRequest' or 'preHandler')`));
    return;
  }
  instance.decorateRequest('auth', null);
  instance.decorateRequest('clerkRequestState', null);
  instance.addHook(hookName, hook(opts));
  done();
}
// As fastify-plugin does: the hook applies to the registering scope, not a child context.
clerkPlugin[Symbol.for('skip-override')] = true;
clerkPlugin[Symbol.for('fastify.display-name')] = 'clerkauth';
clerkPlugin[Symbol.for('plugin-meta')] = { name: 'clerkauth', fastify: '5.x' };

/**
 * `getAuth(request, { acceptsToken, treatPendingAsSignedOut })`: as @clerk/fastify, a session
 * object by default; `acceptsToken` selects machine tokens.
 */
function getAuth(request, options) {
  const state = request ? request.clerkRequestState : null;
  if (!state || !request.auth) {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: getAuth(request) needs clerkPlugin to be registered (fastify.register(clerkPlugin))');
  }
  const auth = options && options.treatPendingAsSignedOut === false ? state.toAuth(options) : request.auth;
  return authForAcceptedToken(auth, options ? options.acceptsToken : undefined);
}

module.exports = {
  clerkPlugin,
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
