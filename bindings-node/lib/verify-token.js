'use strict';
/**
 * `verifyToken`: @clerk/backend's session token verification, by the core.
 */

const { ClerkAuthError, ErrorCode, TokenVerificationError, nativeFailure, isNativeError } = require('./errors.js');
const { TokenVerificationErrorReason } = require('./reasons.js');
const { optionsJson, pickNow, standaloneNative } = require('./options.js');

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

module.exports = { verifyToken };
