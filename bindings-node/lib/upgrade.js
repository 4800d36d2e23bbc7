'use strict';
/**
 * WebSocket upgrades (the root package's part; `clerkauth/websocket` builds on it): the token
 * of a handshake request, authenticating upgrade requests, and refusing them.
 */

const native = require('./native.js');
const { ClerkAuthError, nativeFailure, isNativeError } = require('./errors.js');
const { toPlainRequest } = require('./requests.js');
const { createClerkClient, authenticateRequest } = require('./authenticate.js');

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

module.exports = { extractWebSocketToken, createUpgradeAuthenticator, authenticateUpgrade, rejectUpgrade };
