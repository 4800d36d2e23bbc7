'use strict';
/**
 * clerkauth — Clerk's backend request authentication (the `authenticateRequest` state machine
 * of @clerk/backend) implemented in Rust, with @clerk/backend's API shape.
 *
 * This file is the public JS API's entry point: it gathers the modules of lib/, which only
 * convert host objects (WHATWG Request, Node IncomingMessage, plain objects) to plain data,
 * call the native core, and convert the result back. No authentication logic lives here.
 *
 *   lib/native.js         the addon, loaded once (loader.js finds it)
 *   lib/errors.js         ClerkAuthError, ErrorCode, TokenVerificationError; the addon's failures
 *   lib/reasons.js        AuthStatus, TokenType and the reason enums
 *   lib/options.js        options to the core's JSON, client merges, the authenticator cache
 *   lib/requests.js       Request / IncomingMessage / plain objects to the core's request
 *   lib/state.js          RequestState (the result), converted lazily
 *   lib/auth-object.js    the auth object of `state.toAuth()` (getToken, has)
 *   lib/authenticate.js   createClerkClient, authenticateRequest (inline or on the workers)
 *   lib/verify-token.js   verifyToken
 *   lib/upgrade.js        WebSocket token extraction, upgrade authentication and refusal
 */

const native = require('./lib/native.js');
const { ClerkAuthError, ErrorCode, TokenVerificationError } = require('./lib/errors.js');
const { AuthStatus, TokenType, AuthErrorReason, TokenVerificationErrorReason, ClerkAuthReason } = require('./lib/reasons.js');
const { toPlainRequest } = require('./lib/requests.js');
const { createClerkClient, authenticateRequest } = require('./lib/authenticate.js');
const { verifyToken } = require('./lib/verify-token.js');
const { extractWebSocketToken, createUpgradeAuthenticator, authenticateUpgrade, rejectUpgrade } = require('./lib/upgrade.js');

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
