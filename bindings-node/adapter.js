'use strict';
/**
 * Shared glue of the framework adapters (express.js, fastify.js, hono.js, websocket.js): the
 * reference's environment variables, the middleware-only options, one authentication call with
 * `acceptsToken: 'any'`, and `getAuth`'s acceptsToken filter. Authentication itself is the
 * core's (through index.js).
 */

const { authenticateRequest, toPlainRequest, ClerkAuthError, ErrorCode, TokenType } = require('./index.js');

/** @clerk/shared's isTruthy: booleans, 'true'/'false' (any case), or an integer > 0. */
function isTruthy(v) {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') {
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
  }
  const n = parseInt(v, 10);
  return !Number.isNaN(n) && n > 0;
}

/** Option name -> environment variable, as @clerk/express's loadApiEnv/loadClientEnv read them. */
const ENV_VARS = {
  secretKey: 'CLERK_SECRET_KEY',
  publishableKey: 'CLERK_PUBLISHABLE_KEY',
  jwtKey: 'CLERK_JWT_KEY',
  machineSecretKey: 'CLERK_MACHINE_SECRET_KEY',
  apiUrl: 'CLERK_API_URL',
  apiVersion: 'CLERK_API_VERSION',
  domain: 'CLERK_DOMAIN',
  proxyUrl: 'CLERK_PROXY_URL',
  signInUrl: 'CLERK_SIGN_IN_URL',
  signUpUrl: 'CLERK_SIGN_UP_URL',
};

/**
 * The options the environment gives (only the set, non-empty ones). `source` defaults to
 * `process.env` (Node, Bun); Hono passes its runtime's env.
 */
function loadEnv(source) {
  const env = source || (typeof process !== 'undefined' ? process.env : {}) || {};
  const out = {};
  for (const [option, name] of Object.entries(ENV_VARS)) {
    if (typeof env[name] === 'string' && env[name] !== '') out[option] = env[name];
  }
  if (isTruthy(env.CLERK_IS_SATELLITE)) out.isSatellite = true;
  return out;
}

/** Options read by the adapters only (never sent to the core). */
const ADAPTER_ONLY = ['clerkClient', 'debug', 'frontendApiProxy', 'hookName'];

/** The options that may be functions of the request URL (@clerk/express's handleValueOrFn). */
const URL_FUNCTIONS = ['isSatellite', 'domain', 'proxyUrl'];

/**
 * Middleware options merged with the environment as @clerk/express merges them: a given
 * (truthy) value wins, else the environment's; `isSatellite`, `domain` and `proxyUrl` may be
 * functions of the request URL. Returns `{ client, options }` (options without adapter keys).
 */
function resolveOptions(options, request, envSource) {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: middleware options must be an object (or a function returning one)');
  }
  const o = { ...(options || {}) };
  const proxy = o.frontendApiProxy;
  if (proxy && proxy.enabled !== false) {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: frontendApiProxy is not supported (clerkauth does not proxy the Frontend API); remove it or set enabled: false');
  }
  const client = o.clerkClient || null;
  for (const k of ADAPTER_ONLY) delete o[k];
  let url;
  for (const k of URL_FUNCTIONS) {
    if (typeof o[k] === 'function') {
      if (url === undefined) url = new URL(toPlainRequest(request).url);
      o[k] = o[k](url);
    }
  }
  const env = loadEnv(envSource);
  for (const [k, v] of Object.entries(env)) {
    if (k === 'isSatellite' ? o[k] === undefined : !o[k]) o[k] = v;
  }
  o.acceptsToken = 'any';
  return { client, options: o };
}

/**
 * Authenticates a framework request (an IncomingMessage or a WHATWG Request) with the
 * middleware options merged with the environment, accepting every token type (as the
 * reference's middlewares do; `getAuth(…, { acceptsToken })` filters).
 */
function authenticate(request, options, envSource) {
  const { client, options: o } = resolveOptions(options, request, envSource);
  return client ? client.authenticateRequest(request, o) : authenticateRequest(request, o);
}

/** The `Location` a state redirects to (a handshake, or a dev-instance resolution), if any. */
function redirectLocation(state) {
  return state.redirectLocation;
}

/** The error for a handshake state without a Location (never expected from the core). */
function handshakeWithoutRedirect() {
  return new ClerkAuthError(ErrorCode.UnexpectedError, 'clerkauth: handshake state without a redirect location');
}

/** An `invalid-request` error (an unusable Host header) is the client's: HTTP 400. */
function markClientError(err) {
  if (err instanceof ClerkAuthError && err.code === ErrorCode.InvalidRequest) {
    err.status = 400;
    err.statusCode = 400;
  }
  return err;
}

const MACHINE_TYPES = [TokenType.ApiKey, TokenType.M2MToken, TokenType.OAuthToken];

function inert(fields, debug) {
  return { ...fields, getToken: () => Promise.resolve(null), has: () => false, debug: debug || (() => ({})) };
}

/** The reference's signed-out session object. */
function signedOutAuth(debug) {
  return inert(
    {
      tokenType: TokenType.SessionToken, sessionClaims: null, sessionId: null, sessionStatus: null, userId: null, actor: null,
      orgId: null, orgRole: null, orgSlug: null, orgPermissions: null, factorVerificationAge: null, isAuthenticated: false,
    },
    debug,
  );
}

/** The reference's unauthenticated machine object of a machine token type. */
function unauthenticatedMachine(tokenType, debug) {
  const extra = {
    [TokenType.ApiKey]: { name: null, claims: null, userId: null, orgId: null },
    [TokenType.M2MToken]: { claims: null, machineId: null },
    [TokenType.OAuthToken]: { userId: null, clientId: null },
  }[tokenType];
  return inert({ id: null, subject: null, scopes: null, isAuthenticated: false, tokenType, ...extra }, debug);
}

/**
 * @clerk/backend's getAuthObjectForAcceptedToken: the auth object when its token type is
 * accepted (default: `session_token`); otherwise, for a list, the invalid-token object; for a
 * machine type, that type's unauthenticated object; else a signed-out session object.
 */
function authForAcceptedToken(auth, acceptsToken = TokenType.SessionToken) {
  if (acceptsToken === 'any') return auth;
  const type = auth ? auth.tokenType : null;
  if (Array.isArray(acceptsToken)) return type && acceptsToken.includes(type) ? auth : inert({ isAuthenticated: false, tokenType: null });
  if (type && type === acceptsToken) return auth;
  const debug = auth && auth.debug;
  return MACHINE_TYPES.includes(acceptsToken) ? unauthenticatedMachine(acceptsToken, debug) : signedOutAuth(debug);
}

/** `(options?) => auth object` of a state: `toAuth({ treatPendingAsSignedOut })`, filtered by `acceptsToken`. */
function authFunction(state) {
  return (opts) => authForAcceptedToken(state.toAuth(opts), opts ? opts.acceptsToken : undefined);
}

module.exports = {
  loadEnv,
  resolveOptions,
  authenticate,
  redirectLocation,
  handshakeWithoutRedirect,
  markClientError,
  authForAcceptedToken,
  authFunction,
};
