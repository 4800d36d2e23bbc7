'use strict';
/**
 * clerkauth — Clerk's backend request authentication (the `authenticateRequest` state machine
 * of @clerk/backend) implemented in Rust, with @clerk/backend's API shape.
 *
 * This file is the public JS API. It only converts host objects (WHATWG Request, Node
 * IncomingMessage, plain objects) to plain data, calls the native core, and converts the
 * result back. No authentication logic lives here.
 */

const native = require('./loader.js').loadNative();

/** An error raised by clerkauth, with a stable machine-readable `code`. */
class ClerkAuthError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ClerkAuthError';
    this.code = code;
  }
}

/** Stable error codes (the core's ErrorCode strings). */
const ErrorCode = Object.freeze({
  InvalidPublishableKey: 'invalid-publishable-key',
  MissingSecretKey: 'missing-secret-key',
  InvalidSatelliteConfig: 'invalid-satellite-config',
  MissingMachineSecretKey: 'missing-machine-secret-key',
  InvalidOrganizationPattern: 'invalid-organization-pattern',
  InvalidOption: 'invalid-option',
  InvalidRequest: 'invalid-request',
  HandshakeVerificationFailed: 'handshake-verification-failed',
  UnexpectedError: 'unexpected-error',
});

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

/** @clerk/backend's TokenVerificationError: `verifyToken`'s rejection, with `reason` and `action`. */
class TokenVerificationError extends Error {
  constructor({ reason, message, action }) {
    super(message);
    this.name = 'TokenVerificationError';
    this.reason = reason;
    this.action = action === null ? undefined : action;
  }

  getFullMessage() {
    return `${[this.message, this.action].filter((m) => m).join(' ')} (reason=${this.reason}, token-carrier=${this.tokenCarrier})`;
  }
}

/**
 * Options read by this JS layer only, never sent to the core (the core's list names them as
 * host keys: it rejects them if they reach it).
 */
const JS_ONLY = new Set(['nowMs', 'jwksRetryBaseDelayMs', 'clerkClient']);

/** @clerk/backend options that do not affect authentication: their names go to the core, their values do not. */
const IGNORED = new Set(native.ignoredOptionNames());

/** Options that define a long-lived authenticator (keys, Backend API, caches). */
const INSTANCE_KEYS = ['secretKey', 'publishableKey', 'jwtKey', 'machineSecretKey', 'apiUrl', 'apiVersion', 'jwksCacheTtlInMs', 'membershipCacheTtlInMs', 'verifiedTokenCacheSize'];

function nativeFailure(err) {
  if (err instanceof ClerkAuthError) return err;
  return new ClerkAuthError(ErrorCode.UnexpectedError, `clerkauth: ${err && err.message ? err.message : String(err)}`, { cause: err });
}

function isNativeError(v) {
  return v !== null && typeof v === 'object' && typeof v.code === 'string' && typeof v.message === 'string' && typeof v.toJson !== 'function';
}

/**
 * Options as the core's JSON, or null when there are none. Every name but the JS layer's own
 * goes to the core, which rejects unknown ones; `undefined` and function values are sent as
 * `null` (not given), so their names are checked too.
 */
function optionsJson(options) {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object') throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: options must be an object');
  const out = {};
  let any = false;
  for (const key of Object.keys(options)) {
    if (JS_ONLY.has(key)) continue;
    const v = options[key];
    out[key] = v === undefined || typeof v === 'function' || IGNORED.has(key) ? null : v;
    any = true;
  }
  if (!any) return null;
  try {
    return JSON.stringify(out);
  } catch (e) {
    throw new ClerkAuthError(ErrorCode.InvalidOption, `clerkauth: options are not JSON-serialisable: ${e.message}`, { cause: e });
  }
}

function pickNow(...sources) {
  for (const s of sources) {
    if (s && s.nowMs !== undefined && s.nowMs !== null) {
      if (typeof s.nowMs !== 'number' || !Number.isFinite(s.nowMs)) {
        throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: nowMs must be a finite number (ms since the Unix epoch)');
      }
      return s.nowMs;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Requests

function headerPairsFrom(headers) {
  const out = [];
  if (headers === undefined || headers === null) return out;
  if (typeof headers.entries === 'function' && typeof headers.get === 'function' && !(headers instanceof Map)) {
    // WHATWG Headers (or compatible): iteration yields each set-cookie separately.
    for (const [k, v] of headers.entries()) out.push([String(k), String(v)]);
    return out;
  }
  const entries = headers instanceof Map || Array.isArray(headers) ? headers : Object.entries(headers);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: headers must be [name, value] pairs, a Headers or a plain object');
    }
    const [k, v] = entry;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) out.push([String(k), String(x)]);
    } else {
      out.push([String(k), String(v)]);
    }
  }
  return out;
}

/**
 * The absolute URL of a request from its scheme, Host header and request target, combined by
 * the core: the target is parsed against the host (as the reference's `new URL(path, base)`),
 * and a Host that is not `host[:port]` (`app.example.com#`, `…/x`, `user@…` …) is an
 * `invalid-request` error rather than a URL whose path is not the request's.
 */
function requestUrl(scheme, host, target) {
  let r;
  try {
    r = native.requestUrl(scheme, host, target);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  return r;
}

/**
 * A Node `http.IncomingMessage` (or an Express/Connect request, or an HTTP/2 compat request)
 * as plain data. The absolute URL is built from the Host header (`:authority` for HTTP/2),
 * the socket's encryption and the request target; `x-forwarded-host` / `x-forwarded-proto`
 * are applied by the core exactly as the reference applies them.
 */
function fromIncomingMessage(req) {
  const headers = [];
  const raw = req.rawHeaders;
  let authority = null;
  let scheme = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]);
    if (name.startsWith(':')) {
      if (name === ':authority') authority = String(raw[i + 1]);
      if (name === ':scheme') scheme = String(raw[i + 1]);
      continue;
    }
    headers.push([name, String(raw[i + 1])]);
  }
  return { method: req.method || 'GET', url: incomingUrl(req, authority, scheme), headers };
}

/** The absolute URL of an `IncomingMessage` (`authority` and `scheme`: HTTP/2 pseudo-headers). */
function incomingUrl(req, authority, scheme) {
  const hostHeader = req.headers && typeof req.headers.host === 'string' ? req.headers.host : null;
  const host = hostHeader || authority || 'localhost';
  // `socket` first: `connection` is its deprecated alias (a warning on Fastify's inject requests).
  const socket = req.socket || req.connection;
  const encrypted = !!(socket && socket.encrypted);
  const proto = scheme || (encrypted ? 'https' : 'http');
  const target = typeof req.originalUrl === 'string' ? req.originalUrl : req.url || '/';
  return requestUrl(proto, host, target);
}

/**
 * Any supported request as `[method, url, headers]`, what the native layer takes: `headers`
 * joined with NUL (`name\0value\0…`; an `IncomingMessage`'s `rawHeaders` as they are), or as
 * the list `[name, value, …]` when a header holds a NUL.
 */
function flatRequest(request) {
  let method, url, flat;
  if (request !== null && typeof request === 'object' && typeof Request !== 'undefined' && request instanceof Request) {
    flat = [];
    for (const [k, v] of request.headers) flat.push(k, v);
    [method, url] = [request.method, request.url];
  } else if (request !== null && typeof request === 'object' && Array.isArray(request.rawHeaders) && request.rawHeaders.every((x) => typeof x === 'string' && x.charCodeAt(0) !== 58 /* ':' */)) {
    [method, url, flat] = [request.method || 'GET', incomingUrl(request, null, null), request.rawHeaders];
  } else {
    const plain = toPlainRequest(request);
    [method, url, flat] = [plain.method, plain.url, plain.headers.flat()];
  }
  // One string crosses to the native layer; a header holding a NUL goes as the list.
  for (let i = 0; i < flat.length; i++) if (flat[i].indexOf('\0') !== -1) return [method, url, flat];
  return [method, url, flat.join('\0')];
}

/** Converts any supported request to `{method, url, headers: [[k, v], ...]}`. */
function toPlainRequest(request) {
  if (request === null || typeof request !== 'object') {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: request must be a Request, an http.IncomingMessage or {method, url, headers}');
  }
  if (typeof Request !== 'undefined' && request instanceof Request) {
    return { method: request.method, url: request.url, headers: headerPairsFrom(request.headers) };
  }
  if (Array.isArray(request.rawHeaders)) {
    return fromIncomingMessage(request);
  }
  let url = request.url;
  if (url instanceof URL) url = url.href;
  if (typeof url !== 'string') {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: request.url must be a string');
  }
  const headers = headerPairsFrom(request.headers);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    const host = headers.find(([k]) => k.toLowerCase() === 'host');
    url = requestUrl('http', host ? host[1] : 'localhost', url);
  }
  return { method: typeof request.method === 'string' ? request.method : 'GET', url, headers };
}

// ---------------------------------------------------------------------------------------------
// Results

/**
 * `getToken({ template, expiresInSeconds })`: a new token from the Backend API
 * (`POST /v1/sessions/{sessionId}/tokens[/{template}]` with the secret key), requested off the
 * event loop with the options the request was authenticated with.
 */
async function sessionTokenFromApi(nativeState, sessionId, template, expiresInSeconds) {
  if (template !== undefined && template !== null && typeof template !== 'string') {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: getToken({ template }) must be a string');
  }
  if (expiresInSeconds !== undefined && (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 0)) {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: getToken({ expiresInSeconds }) must be a non-negative integer');
  }
  let r;
  try {
    r = await nativeState.sessionToken(sessionId, template || null, expiresInSeconds === undefined ? null : expiresInSeconds);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (typeof r !== 'string') {
    if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
    throw new ClerkAuthError(ErrorCode.UnexpectedError, 'clerkauth: unexpected getToken result');
  }
  return r;
}

function makeAuthObject(json, nativeState, treatPending, token) {
  const auth = { ...json };
  const isSession = json.tokenType === TokenType.SessionToken;
  const signedIn = json.isAuthenticated === true;
  if (isSession && signedIn) {
    const sessionId = json.sessionId;
    // As @clerk/backend: with a template or an expiry, the Backend API mints a new token;
    // otherwise it is the session token that authenticated the request (no network).
    auth.getToken = async (opts) => {
      if (!sessionId) return null;
      const o = opts || {};
      if (o.template || o.expiresInSeconds !== undefined) {
        return sessionTokenFromApi(nativeState, sessionId, o.template, o.expiresInSeconds);
      }
      return token;
    };
    auth.has = (params) => {
      let check;
      try {
        check = JSON.stringify(params === undefined ? {} : params);
      } catch {
        return false;
      }
      try {
        return nativeState.has(check === undefined ? '{}' : check, treatPending);
      } catch (e) {
        throw nativeFailure(e);
      }
    };
  } else {
    auth.getToken = signedIn ? () => Promise.resolve(token) : () => Promise.resolve(null);
    auth.has = () => false;
  }
  auth.debug = () => ({ tokenType: json.tokenType, isAuthenticated: json.isAuthenticated });
  return auth;
}

/** The native state behind a state object (for `continues`). */
const NATIVE_STATE = Symbol('clerkauth.nativeState');
/** A RequestState's field read from its JSON (the getters defined after the class). */
const JSON_FIELD = Symbol('clerkauth.jsonField');

/**
 * The request state, @clerk/backend's shape. `status`, `reason`, `message`, `isSignedIn`,
 * `isAuthenticated` and `tokenType` are read from the native state at once; `headers`,
 * `token`, the instance fields, `organizationSync` and `toAuth()` only when asked for (a
 * request that only checks `isAuthenticated` converts nothing else).
 */
class RequestState {
  #native;
  #full;
  #headers;
  #defaultAuth;

  constructor(nativeState) {
    let bits;
    try {
      bits = nativeState.summary();
    } catch (e) {
      throw nativeFailure(e);
    }
    this.#native = nativeState;
    this.status = STATUSES[bits & 3];
    this.reason = bits & 64 ? nativeState.reason() : null;
    this.message = bits & 128 ? nativeState.message() : null;
    this.isSignedIn = (bits & 32) !== 0;
    this.isAuthenticated = this.isSignedIn;
    this.tokenType = TOKEN_TYPES[(bits >> 2) & 7];
  }

  #call(f) {
    try {
      return f(this.#native);
    } catch (e) {
      throw nativeFailure(e);
    }
  }

  /** The whole native state as JSON, parsed once, for the fields read rarely. */
  #json() {
    if (this.#full === undefined) this.#full = this.#call((n) => JSON.parse(n.toJson()));
    return this.#full;
  }

  get [NATIVE_STATE]() {
    return this.#native;
  }

  /** The response headers to send (a `Headers`, built on first use). */
  get headers() {
    if (this.#headers === undefined) {
      const flat = this.#call((n) => n.headers());
      const headers = new Headers();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        try {
          headers.append(flat[i], flat[i + 1]);
        } catch (e) {
          throw new ClerkAuthError(ErrorCode.UnexpectedError, `clerkauth: unusable response header ${flat[i]}: ${e.message}`, { cause: e });
        }
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  get token() {
    return this.#call((n) => n.token()) ?? null;
  }

  get validUntil() {
    return this.#call((n) => n.validUntil()) ?? null;
  }

  get redirectLocation() {
    return this.#call((n) => n.redirectLocation()) ?? null;
  }

  /** A field read rarely (the instance's URLs and keys, `organizationSync`, `trace`). */
  [JSON_FIELD](name) {
    return this.#json()[name];
  }

  /** `toAuth({ treatPendingAsSignedOut })`: the auth object, `null` for a handshake. */
  toAuth(opts) {
    const treatPending = !(opts && opts.treatPendingAsSignedOut === false);
    if (treatPending && this.#defaultAuth !== undefined) return this.#defaultAuth;
    const json = this.#call((n) => JSON.parse(n.authJson(treatPending)));
    const auth = json === null ? null : makeAuthObject(json, this.#native, treatPending, this.token);
    if (treatPending) this.#defaultAuth = auth;
    return auth;
  }

  /**
   * `null` when this state (a socket's re-authentication) continues `previous` (same user,
   * session and organization, or the same machine), else what changed.
   */
  continues(previous) {
    const prev = previous && previous[NATIVE_STATE];
    if (!prev) throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: continues(previous) needs a state from authenticateRequest');
    return this.#call((n) => n.continues(prev));
  }

  /** Every field, for `JSON.stringify(state)` and logging. */
  toJSON() {
    const j = this.#json();
    const out = {};
    for (const k of STATE_FIELDS) out[k] = k === 'headers' ? [...this.headers] : k in j ? j[k] : this[k];
    return out;
  }
}

// The fields read rarely come from the native state's JSON (`trace`: only with `debug`).
for (const name of ['proxyUrl', 'publishableKey', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl', 'organizationSync', 'trace']) {
  Object.defineProperty(RequestState.prototype, name, {
    get() {
      return this[JSON_FIELD](name);
    },
    configurable: true,
  });
}

/** The native summary's codes (NativeState.summary). */
const STATUSES = ['signed-in', 'signed-out', 'handshake'];
const TOKEN_TYPES = [null, 'session_token', 'api_key', 'm2m_token', 'oauth_token'];

const STATE_FIELDS = ['status', 'reason', 'message', 'isSignedIn', 'isAuthenticated', 'tokenType', 'token', 'headers', 'publishableKey', 'proxyUrl', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl', 'organizationSync', 'validUntil', 'redirectLocation'];

function stateFrom(r) {
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  return new RequestState(r);
}

// ---------------------------------------------------------------------------------------------
// Authenticators

function newNative(instanceOptions, retryDelay) {
  const json = optionsJson(instanceOptions) || '{}';
  let r;
  try {
    r = native.createAuthenticator(json, retryDelay === undefined || retryDelay === null ? null : retryDelay);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  return r;
}

/**
 * Where a call runs. A call that needs no Backend API (a `jwtKey`, warm JWKS, cached
 * memberships) is decided on the calling thread by the core's no-network path, without a hop
 * to a worker thread; only calls that need the network go to the addon's workers. When many
 * calls start in one turn of the event loop (a burst), every other one goes to the workers
 * so that the other cores verify signatures too.
 */
const schedule = { inlineThisTurn: 0, onWorkers: 0 };
const MAX_BURST_OFFLOAD = 64;

function endTurn() {
  schedule.inlineThisTurn = 0;
}

async function onWorker(authenticator, method, url, headers, overrides, nowMs) {
  schedule.onWorkers++;
  let r;
  try {
    r = await authenticator.authenticate(method, url, headers, overrides, nowMs);
  } catch (e) {
    throw nativeFailure(e);
  } finally {
    schedule.onWorkers--;
  }
  return stateFrom(r);
}

/** What a call passes to the native authenticator: method, url, headers, per-call options
 * (JSON), clock and the authenticator itself. Throws on a request or option it cannot read. */
function callParts(getNative, request, runtimeOptions, instanceOptions) {
  const [method, url, headers] = flatRequest(request);
  return [method, url, headers, optionsJson(runtimeOptions), pickNow(runtimeOptions, instanceOptions), getNative()];
}

/**
 * Authenticates a request. Accepts a WHATWG `Request`, a Node `http.IncomingMessage` (incl.
 * Express/Connect requests) or `{ method, url, headers }`; returns a Promise of the state.
 */
function authenticateWith(getNative, request, runtimeOptions, instanceOptions) {
  let method, url, headers, overrides, now, authenticator;
  try {
    [method, url, headers, overrides, now, authenticator] = callParts(getNative, request, runtimeOptions, instanceOptions);
  } catch (e) {
    return Promise.reject(e);
  }
  const burst = schedule.inlineThisTurn > 0 && schedule.onWorkers < schedule.inlineThisTurn && schedule.onWorkers < MAX_BURST_OFFLOAD;
  if (!burst) {
    let r;
    try {
      r = authenticator.authenticateInline(method, url, headers, overrides, now);
    } catch (e) {
      return Promise.reject(nativeFailure(e));
    }
    if (r !== null && r !== undefined) {
      if (schedule.inlineThisTurn++ === 0) queueMicrotask(endTurn);
      try {
        return Promise.resolve(stateFrom(r));
      } catch (e) {
        return Promise.reject(e);
      }
    }
  }
  return onWorker(authenticator, method, url, headers, overrides, now);
}

/** The options @clerk/backend's createClerkClient binds (spec 1.5). */
const FACTORY_KEYS = ['secretKey', 'machineSecretKey', 'jwtKey', 'apiUrl', 'apiVersion', 'proxyUrl', 'publishableKey', 'isSatellite', 'domain', 'audience'];

/**
 * Per-call options of a client, merged as @clerk/backend's factory merges them: for the options
 * it binds, a per-call value replaces the client's only when truthy (`domain: ''` or
 * `secretKey: undefined` keep the client's value), and per-call `apiUrl`/`apiVersion` are
 * ignored (the client's Backend API is used).
 */
function clientCallOptions(runtimeOptions) {
  if (runtimeOptions === null || typeof runtimeOptions !== 'object') return runtimeOptions;
  let out = runtimeOptions;
  for (const k of FACTORY_KEYS) {
    if (k in out && (!out[k] || k === 'apiUrl' || k === 'apiVersion')) {
      if (out === runtimeOptions) out = { ...runtimeOptions };
      delete out[k];
    }
  }
  return out;
}

/**
 * `createClerkClient(options)`: a client whose `authenticateRequest(request, options)` has
 * @clerk/backend's signature. The native authenticator (parsed keys, JWKS cache) is built
 * once, on first use, and shared by every call.
 */
function createClerkClient(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: createClerkClient options must be an object');
  }
  const instanceOptions = { ...options };
  let authenticator = null;
  const getNative = () => {
    if (authenticator === null) authenticator = newNative(instanceOptions, instanceOptions.jwksRetryBaseDelayMs);
    return authenticator;
  };
  return {
    authenticateRequest(request, runtimeOptions) {
      return authenticateWith(getNative, request, clientCallOptions(runtimeOptions), instanceOptions);
    },
    /** Synchronous variant (blocks the event loop on network work; for benchmarks). */
    authenticateRequestSync(request, options) {
      const [method, url, headers, overrides, now, authenticator] = callParts(getNative, request, clientCallOptions(options), instanceOptions);
      let r;
      try {
        r = authenticator.authenticateSync(method, url, headers, overrides, now);
      } catch (e) {
        throw nativeFailure(e);
      }
      return stateFrom(r);
    },
  };
}

// Standalone authenticateRequest: authenticators cached by their instance options (a key of
// their values, not a serialization of the options).
const standaloneCache = new Map();
const STANDALONE_CACHE_MAX = 32;

function standaloneNative(options) {
  const inst = {};
  let key = '';
  for (const k of INSTANCE_KEYS) {
    const v = options ? options[k] : undefined;
    if (v !== undefined) inst[k] = v;
    key += `${typeof v}\u0000${String(v)}\u0000`;
  }
  const retry = options ? options.jwksRetryBaseDelayMs : undefined;
  key += String(retry);
  let a = standaloneCache.get(key);
  if (a === undefined) {
    a = newNative(inst, retry);
    if (standaloneCache.size >= STANDALONE_CACHE_MAX) standaloneCache.delete(standaloneCache.keys().next().value);
    standaloneCache.set(key, a);
  }
  return a;
}

/** `authenticateRequest(request, options)` (all options at once, like @clerk/backend/internal). */
function authenticateRequest(request, options = {}) {
  return authenticateWith(() => standaloneNative(options), request, options, undefined);
}

// ---------------------------------------------------------------------------------------------
// verifyToken

/**
 * @clerk/backend's `verifyToken(token, options)`: a session token verified with `jwtKey`
 * (networkless) or the JWKS (`secretKey`, `apiUrl`) by the core, off the event loop. Resolves
 * to the claims; rejects with a `TokenVerificationError` (`reason`, `action`, `message`), or a
 * `ClerkAuthError` for configuration errors.
 */
async function verifyToken(token, options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new ClerkAuthError(ErrorCode.InvalidOption, 'clerkauth: verifyToken options must be an object');
  }
  if (typeof token !== 'string') {
    throw new TokenVerificationError({ reason: TokenVerificationErrorReason.TokenInvalid, message: 'Invalid JWT form. A JWT consists of three parts separated by dots.' });
  }
  const authenticator = standaloneNative(options);
  const overrides = optionsJson(options);
  const now = pickNow(options);
  let r;
  try {
    r = await authenticator.verifyToken(token, overrides, now);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  let j;
  try {
    j = JSON.parse(r);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (j.ok === true) return j.claims;
  throw new TokenVerificationError({ reason: j.reason, message: j.message, action: j.action });
}

// ---------------------------------------------------------------------------------------------
// WebSocket tokens

/**
 * The core's WebSocket token extraction: a session token offered as a Sec-WebSocket-Protocol
 * entry (`protocolPrefix`, default `clerk.session.`, `null` disables) or, opt-in, in the query
 * parameter `queryParam`, moved into `Authorization: Bearer`. Returns `{ request,
 * tokenSource, selectedProtocol }` (`request` as plain data, without the token protocol or
 * query parameter).
 */
function extractWebSocketToken(request, options = {}) {
  const plain = toPlainRequest(request);
  const opts = {};
  if (options && options.protocolPrefix !== undefined) opts.protocolPrefix = options.protocolPrefix;
  if (options && options.queryParam !== undefined) opts.queryParam = options.queryParam;
  let r;
  try {
    r = native.websocketUpgrade(JSON.stringify(plain), JSON.stringify(opts));
  } catch (e) {
    throw nativeFailure(e);
  }
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  const j = JSON.parse(r);
  return { request: j.request, tokenSource: j.tokenSource === undefined ? null : j.tokenSource, selectedProtocol: j.selectedProtocol === undefined ? null : j.selectedProtocol };
}

// ---------------------------------------------------------------------------------------------
// Express / Connect middleware (implemented in express.js, which builds on this module)

/** `clerkMiddleware(options?)`: see `clerkauth/express`. */
function clerkMiddleware(options) {
  return require('./express.js').clerkMiddleware(options);
}

/** `getAuth(req, options?)`: see `clerkauth/express`. */
function getAuth(req, options) {
  return require('./express.js').getAuth(req, options);
}

// ---------------------------------------------------------------------------------------------
// WebSocket upgrades

function upgradeOptions(options) {
  const o = { ...(options || {}) };
  if (o.organizationSyncOptions && o.organizationSyncOptions.onMismatch === undefined) {
    // A WebSocket cannot be handshaken: by default a socket opened for an organization other
    // than the session's active one is refused rather than bound to the active organization.
    o.organizationSyncOptions = { ...o.organizationSyncOptions, onMismatch: 'signed-out' };
  }
  return o;
}

/**
 * Authenticates an `http` server 'upgrade' request (a WebSocket handshake), applying the
 * organization-from-URL rules. Returns the state: accept the socket when
 * `state.isAuthenticated`, otherwise call `rejectUpgrade(socket, state)`.
 * `organizationSyncOptions.onMismatch` defaults to `signed-out` here.
 */
function createUpgradeAuthenticator(options = {}) {
  const { clerkClient, ...rest } = options || {};
  const client = clerkClient || createClerkClient(rest);
  const perCall = upgradeOptions(clerkClient ? rest : { nowMs: rest.nowMs, organizationSyncOptions: rest.organizationSyncOptions });
  return (req, callOptions) => client.authenticateRequest(req, callOptions ? { ...perCall, ...upgradeOptions(callOptions) } : perCall);
}

/** One-shot form of `createUpgradeAuthenticator(options)(req)`. */
function authenticateUpgrade(req, options = {}) {
  return authenticateRequest(req, upgradeOptions(options));
}

/** Writes a plain HTTP error response on an upgrade socket and closes it. */
function rejectUpgrade(socket, state, statusCode = 401) {
  const reasons = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error' };
  const lines = [`HTTP/1.1 ${statusCode} ${reasons[statusCode] || 'Error'}`, 'connection: close', 'content-length: 0'];
  if (state && state.headers) {
    for (const [k, v] of state.headers) {
      if (k.startsWith('x-clerk-auth-') && k !== 'x-clerk-auth-message') lines.push(`${k}: ${v}`);
    }
  }
  try {
    socket.end(lines.join('\r\n') + '\r\n\r\n');
  } catch {
    socket.destroy();
  }
}

const version = native.version();

// The one list of the public names: index.mjs re-exports them (`export * from './index.js'`),
// and Node finds them by reading this object literal, so keep every entry a plain identifier.
module.exports = {
  createClerkClient,
  authenticateRequest,
  verifyToken,
  extractWebSocketToken,
  clerkMiddleware,
  getAuth,
  createUpgradeAuthenticator,
  authenticateUpgrade,
  rejectUpgrade,
  toPlainRequest,
  ClerkAuthError,
  ErrorCode,
  AuthStatus,
  TokenType,
  AuthErrorReason,
  TokenVerificationErrorReason,
  ClerkAuthReason,
  TokenVerificationError,
  version,
};
