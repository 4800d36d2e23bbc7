'use strict';
/**
 * `clerkauth/express`: @clerk/express's `clerkMiddleware`, `getAuth` and `requireAuth` for
 * Express and any Connect-style `(req, res, next)` stack, on clerkauth's core. Keys come from
 * the options or, as in @clerk/express, from CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, … .
 */

const root = require('./index.js');
const { authenticate, redirectLocation, handshakeWithoutRedirect, markClientError, authForAcceptedToken, loadEnv } = require('./adapter.js');

const { ClerkAuthError, ErrorCode } = root;

/** Marks `req.auth` as set by clerkauth (`req.auth` is a name other auth libraries use too). */
const AUTH_BRAND = Symbol.for('clerkauth.auth');

function applyResponseHeaders(res, headers) {
  for (const cookie of headers.getSetCookie()) {
    if (typeof res.appendHeader === 'function') res.appendHeader('set-cookie', cookie);
    else {
      const prev = res.getHeader('set-cookie');
      res.setHeader('set-cookie', prev === undefined ? [cookie] : [].concat(prev, cookie));
    }
  }
  for (const [k, v] of headers) {
    if (k === 'set-cookie') continue;
    res.setHeader(k, v);
  }
}

/**
 * `req.auth`: callable as @clerk/express's (`req.auth(opts)` = `state.toAuth(opts)`, every
 * token type), and carrying the default auth object's fields; plus `req.clerkRequestState`.
 */
function attachAuth(req, state) {
  const authFn = (opts) => state.toAuth(opts);
  const auth = state.toAuth();
  if (auth) {
    for (const [k, v] of Object.entries(auth)) {
      Object.defineProperty(authFn, k, { value: v, enumerable: true, configurable: true, writable: true });
    }
  }
  Object.defineProperty(authFn, AUTH_BRAND, { value: true });
  req.auth = authFn;
  req.clerkRequestState = state;
}

function hasClerkAuth(req) {
  return !!req && typeof req.auth === 'function' && req.auth[AUTH_BRAND] === true && !!req.clerkRequestState;
}

/** Authenticates `req`, answers a redirect, or decorates `req`; calls `next` (with an error on failure). */
function run(options, req, res, next) {
  if (hasClerkAuth(req)) {
    next();
    return;
  }
  let pending;
  try {
    pending = authenticate(req, options);
  } catch (e) {
    next(markClientError(e));
    return;
  }
  pending.then(
    (state) => {
      try {
        applyResponseHeaders(res, state.headers);
        if (redirectLocation(state)) {
          res.statusCode = 307;
          res.end();
          return;
        }
        if (state.status === root.AuthStatus.Handshake) {
          next(handshakeWithoutRedirect());
          return;
        }
        attachAuth(req, state);
      } catch (e) {
        next(e);
        return;
      }
      next();
    },
    (err) => next(markClientError(err)),
  );
}

/**
 * `clerkMiddleware(options?)` / `clerkMiddleware((req) => options)`: authenticates every
 * request (every token type), appends the state's headers (each Set-Cookie separately),
 * answers a state with a Location (handshake) with a 307 redirect, and sets `req.auth` and
 * `req.clerkRequestState`. Options not given come from the environment.
 */
function clerkMiddleware(options = {}) {
  if (typeof options === 'function') {
    return function clerkauthMiddleware(req, res, next) {
      Promise.resolve()
        .then(() => options(req))
        .then((resolved) => run(resolved, req, res, next), next);
    };
  }
  return function clerkauthMiddleware(req, res, next) {
    run(options, req, res, next);
  };
}

/**
 * `getAuth(req, { acceptsToken, treatPendingAsSignedOut })`: the request's auth object, as
 * @clerk/express returns it: by default a session object (an API key, M2M or OAuth token
 * request gives a signed-out session); `acceptsToken: 'api_key'` (or a list, or 'any') for
 * machine tokens.
 */
function getAuth(req, options) {
  if (!hasClerkAuth(req)) {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: getAuth(req) needs clerkMiddleware() to run first');
  }
  return authForAcceptedToken(req.auth(options), options ? options.acceptsToken : undefined);
}

function redirect(res, location) {
  if (typeof res.redirect === 'function') {
    res.redirect(location);
    return;
  }
  res.statusCode = 302;
  res.setHeader('location', location);
  res.end();
}

/**
 * `requireAuth(options?)` (deprecated in @clerk/express, kept for migrations): as
 * `clerkMiddleware`, then redirects requests without a `userId` to `signInUrl`
 * (option, CLERK_SIGN_IN_URL, or '/').
 */
function requireAuth(options = {}) {
  const mw = clerkMiddleware(options);
  return function clerkauthRequireAuth(req, res, next) {
    mw(req, res, (err) => {
      if (err) {
        next(err);
        return;
      }
      const auth = req.auth();
      if (!auth || !auth.userId) {
        redirect(res, (options && options.signInUrl) || loadEnv().signInUrl || '/');
        return;
      }
      next();
    });
  };
}

module.exports = {
  clerkMiddleware,
  getAuth,
  requireAuth,
  createClerkClient: root.createClerkClient,
  authenticateRequest: root.authenticateRequest,
  verifyToken: root.verifyToken,
  TokenVerificationError: root.TokenVerificationError,
  ClerkAuthError,
  ErrorCode,
  AuthStatus: root.AuthStatus,
  TokenType: root.TokenType,
};
