'use strict';
/**
 * The auth object of a state (`state.toAuth()`, @clerk/backend's shape): the core's JSON plus
 * `getToken`, `has` and `debug`.
 */

const native = require('./native.js');
const { ClerkAuthError, ErrorCode, nativeFailure, isNativeError } = require('./errors.js');
const { TokenType } = require('./reasons.js');

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
    r = await native.stateSessionToken(nativeState, sessionId, template || null, expiresInSeconds === undefined ? null : expiresInSeconds);
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
        return native.stateHas(nativeState, check === undefined ? '{}' : check, treatPending);
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

module.exports = { makeAuthObject };
