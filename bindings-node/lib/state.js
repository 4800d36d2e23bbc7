'use strict';
/**
 * `RequestState`: the result of `authenticateRequest`, a wrapper of the native state that
 * converts its fields only when they are read.
 */

const native = require('./native.js');
const { ClerkAuthError, ErrorCode, nativeFailure, isNativeError } = require('./errors.js');
const { makeAuthObject } = require('./auth-object.js');

/** The native state behind a state object (an External the `native.state*` functions read). */
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
      bits = native.stateSummary(nativeState);
    } catch (e) {
      throw nativeFailure(e);
    }
    this.#native = nativeState;
    this.status = STATUSES[bits & 3];
    this.reason = bits & 64 ? this.#call(native.stateReason) : null;
    this.message = bits & 128 ? this.#call(native.stateMessage) : null;
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
    if (this.#full === undefined) this.#full = JSON.parse(this.#call(native.stateToJson));
    return this.#full;
  }

  get [NATIVE_STATE]() {
    return this.#native;
  }

  /** The response headers to send (a `Headers`, built on first use). */
  get headers() {
    if (this.#headers === undefined) {
      const flat = this.#call(native.stateHeaders);
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
    return this.#call(native.stateToken) ?? null;
  }

  get validUntil() {
    return this.#call(native.stateValidUntil) ?? null;
  }

  get redirectLocation() {
    return this.#call(native.stateRedirectLocation) ?? null;
  }

  /** A field read rarely (the instance's URLs and keys, `organizationSync`, `trace`). */
  [JSON_FIELD](name) {
    return this.#json()[name];
  }

  /** `toAuth({ treatPendingAsSignedOut })`: the auth object, `null` for a handshake. */
  toAuth(opts) {
    const treatPending = !(opts && opts.treatPendingAsSignedOut === false);
    if (treatPending && this.#defaultAuth !== undefined) return this.#defaultAuth;
    const json = JSON.parse(this.#call((n) => native.stateAuthJson(n, treatPending)));
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
    return this.#call((n) => native.stateContinues(n, prev));
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

/** The native summary's codes (`stateSummary`). */
const STATUSES = ['signed-in', 'signed-out', 'handshake'];
const TOKEN_TYPES = [null, 'session_token', 'api_key', 'm2m_token', 'oauth_token'];

const STATE_FIELDS = ['status', 'reason', 'message', 'isSignedIn', 'isAuthenticated', 'tokenType', 'token', 'headers', 'publishableKey', 'proxyUrl', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl', 'organizationSync', 'validUntil', 'redirectLocation'];

function stateFrom(r) {
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  return new RequestState(r);
}

module.exports = { RequestState, stateFrom };
