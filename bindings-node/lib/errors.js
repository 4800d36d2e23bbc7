'use strict';
/**
 * clerkauth's error classes and codes, and the conversion of the addon's failures (thrown
 * errors and returned `{code, message}` values) to `ClerkAuthError`.
 */

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

function nativeFailure(err) {
  if (err instanceof ClerkAuthError) return err;
  return new ClerkAuthError(ErrorCode.UnexpectedError, `clerkauth: ${err && err.message ? err.message : String(err)}`, { cause: err });
}

function isNativeError(v) {
  return v !== null && typeof v === 'object' && typeof v.code === 'string' && typeof v.message === 'string';
}

module.exports = { ClerkAuthError, ErrorCode, TokenVerificationError, nativeFailure, isNativeError };
