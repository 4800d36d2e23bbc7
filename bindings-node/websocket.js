'use strict';
/**
 * `clerkauth/websocket`: authenticating WebSocket upgrades (Node `http` 'upgrade' requests with
 * `ws`, or WHATWG Requests with Bun.serve) and keeping the answer honest for the socket's
 * life. The core extracts a session token offered as a `Sec-WebSocket-Protocol` entry
 * (`clerk.session.<token>`, prefix configurable) or, opt-in only, from a query parameter, and
 * moves it into the Authorization header; the other offered protocol is returned for the 101
 * response. The state's `validUntil` says until when the answer holds: `watch()` closes the
 * socket (or calls `onLapse`) then, unless the client re-authenticated in band with a fresh
 * token for the same user, session and organization.
 */

const root = require('./index.js');
const { resolveOptions } = require('./adapter.js');

const { ClerkAuthError, ErrorCode } = root;

/** WebSocket close code for a lapsed or refused authorization (1008: policy violation). */
const POLICY_VIOLATION = 1008;
/** setTimeout's longest delay; a later validUntil is reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

function upgradeOptions(options) {
  const o = { ...options };
  if (o.organizationSyncOptions && o.organizationSyncOptions.onMismatch === undefined) {
    // A WebSocket cannot be handshaken: by default a socket opened for an organization other
    // than the session's active one is refused rather than bound to the active organization.
    o.organizationSyncOptions = { ...o.organizationSyncOptions, onMismatch: 'signed-out' };
  }
  return o;
}

function splitOptions(options) {
  const { protocolPrefix, queryParam, onLapse, ...rest } = options || {};
  const ws = {};
  if (protocolPrefix !== undefined) ws.protocolPrefix = protocolPrefix;
  if (queryParam !== undefined) ws.queryParam = queryParam;
  return { ws, onLapse, rest };
}

/**
 * `createWebSocketAuthenticator(options?)`: options are the middleware's (keys default to the
 * environment) plus `protocolPrefix` (default `'clerk.session.'`, `null` disables),
 * `queryParam` (opt-in, e.g. `'token'`: URLs end up in logs) and `onLapse`. Returns
 * `{ authenticate(req), watch(socket, result, options?), handleProtocols }`.
 */
function createWebSocketAuthenticator(options = {}) {
  const { ws, onLapse, rest } = splitOptions(options);

  /**
   * Authenticates an upgrade request (IncomingMessage or Request): `{ state, protocol,
   * tokenSource, request }` — `protocol` is the offered non-token protocol to answer with (or
   * null), `tokenSource` 'protocol' | 'query' | null.
   */
  async function authenticate(req) {
    const plain = root.toPlainRequest(req);
    const upgraded = root.extractWebSocketToken(plain, ws);
    const { client, options: o } = resolveOptions(upgradeOptions(rest), req);
    delete o.acceptsToken; // a socket is a session's: session tokens only
    const state = client ? await client.authenticateRequest(upgraded.request, o) : await root.authenticateRequest(upgraded.request, o);
    if (req && typeof req === 'object' && !(typeof Request !== 'undefined' && req instanceof Request)) {
      req.clerkWebSocket = { protocol: upgraded.selectedProtocol };
    }
    return { state, protocol: upgraded.selectedProtocol, tokenSource: upgraded.tokenSource, request: upgraded.request, options: o, client };
  }

  /**
   * Watches an accepted socket: at the state's `validUntil` the socket is closed (1008) or
   * `onLapse(reason)` is called; `reauthenticate(token)` accepts a fresh session token sent in
   * band (same user, session and organization) and moves the deadline. Returns
   * `{ reauthenticate, stop, get state() }`.
   */
  function watch(socket, result, watchOptions = {}) {
    const lapse = watchOptions.onLapse || onLapse || ((reason) => socket.close(POLICY_VIOLATION, `clerkauth: ${reason}`));
    let state = result.state;
    let timer = null;
    let done = false;
    const finish = (reason) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      timer = null;
      lapse(reason);
    };
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const until = state.validUntil;
      if (until === null || until === undefined) return;
      const delay = until - Date.now();
      if (delay <= 0) {
        finish('expired');
        return;
      }
      timer = setTimeout(schedule, Math.min(delay, MAX_DELAY_MS));
      if (typeof timer.unref === 'function') timer.unref();
    };
    if (!state.isAuthenticated) finish('signed-out');
    else schedule();
    if (typeof socket.once === 'function') socket.once('close', () => stop());

    function stop() {
      done = true;
      if (timer) clearTimeout(timer);
      timer = null;
    }

    /** Resolves to `null` when the fresh token continues the session, else the reason the socket was closed. */
    async function reauthenticate(token) {
      if (done) return 'closed';
      if (typeof token !== 'string' || token === '') {
        finish('signed-out');
        return 'signed-out';
      }
      // The upgrade request's URL and headers, the fresh token as its only credential.
      const headers = result.request.headers.filter(([k]) => !['authorization', 'cookie'].includes(k.toLowerCase()));
      headers.push(['authorization', `Bearer ${token}`]);
      const fresh = { method: result.request.method, url: result.request.url, headers };
      let next;
      try {
        next = result.client ? await result.client.authenticateRequest(fresh, result.options) : await root.authenticateRequest(fresh, result.options);
      } catch {
        next = null;
      }
      if (done) return 'closed';
      const reason = next ? next.continues(state) : 'signed-out';
      if (reason) {
        finish(reason);
        return reason;
      }
      state = next;
      schedule();
      return null;
    }

    return {
      reauthenticate,
      stop,
      get state() {
        return state;
      },
    };
  }

  /** `ws`'s `handleProtocols`: the protocol `authenticate(req)` selected for this request. */
  function handleProtocols(_protocols, req) {
    return req && req.clerkWebSocket && req.clerkWebSocket.protocol ? req.clerkWebSocket.protocol : false;
  }

  return { authenticate, watch, handleProtocols };
}

module.exports = {
  createWebSocketAuthenticator,
  rejectUpgrade: root.rejectUpgrade,
  POLICY_VIOLATION,
};
