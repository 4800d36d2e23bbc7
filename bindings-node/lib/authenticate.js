'use strict';
/**
 * `createClerkClient` and `authenticateRequest`: a request and its options to the native
 * authenticator, on the calling thread or on the addon's workers, and the result as a
 * `RequestState`. This is the hot path (tuned with bench/): keep per-call work out of it.
 */

const { nativeFailure, ClerkAuthError, ErrorCode } = require('./errors.js');
const { optionsJson, pickNow, newNative, clientCallOptions, standaloneNative } = require('./options.js');
const { flatRequest } = require('./requests.js');
const { stateFrom } = require('./state.js');
const { helpWorkers } = require('./native.js');

/**
 * Where a call runs. A call that needs no Backend API (a `jwtKey`, warm JWKS, cached
 * memberships) is decided on the calling thread by the core's no-network path, without a hop
 * to a worker thread; only calls that need the network go to the addon's workers. When many
 * calls start in one turn of the event loop (a burst), the calls after the first are queued for
 * the workers, or decided here at once while the workers have a backlog (no Promise machinery
 * for this thread's share); a first call is queued too while the workers are still taking a
 * burst's jobs (the native `authenticate`). At the end of the turn this thread
 * takes the queued calls left too (`helpWorkers`), all but a few per worker, which the workers
 * decide while this thread settles results: every core verifies signatures and none waits on a
 * fixed split.
 */
const schedule = { callsThisTurn: 0, queuedThisTurn: 0 };

function endTurn() {
  schedule.callsThisTurn = 0;
  if (schedule.queuedThisTurn > 0) {
    schedule.queuedThisTurn = 0;
    try {
      helpWorkers();
    } catch {
      // Nothing is lost: the calls this thread did not take stay queued for the workers.
    }
  }
}

/**
 * States decided on this thread since the event loop last turned. A state's native memory is
 * freed by an N-API finalizer that Node runs from the event loop (`setImmediate`), which never
 * runs while a caller awaits call after call decided here (microtasks only). Past
 * `YIELD_AFTER` such states, a call's Promise settles from `setImmediate`, so the caller's loop
 * yields and the finalizers run: its memory stays bounded. A server's event loop turns between
 * requests, which resets the count: it never gets there.
 */
const decidedHere = { states: 0 };
/** After this many, an immediate watches for the loop's next turn (once per turn). */
const WATCH_AFTER = 256;
const YIELD_AFTER = 4096;

function loopTurned() {
  decidedHere.states = 0;
}

/** A Promise of a state decided on this thread (see `decidedHere`). */
function settledHere(state) {
  if (++decidedHere.states === WATCH_AFTER) setImmediate(loopTurned);
  if (decidedHere.states < YIELD_AFTER) return Promise.resolve(state);
  return new Promise((resolve) => setImmediate(resolve, state));
}

/** The state of a queued call, from the native Promise of its result. */
async function onWorker(queued) {
  let r;
  try {
    r = await queued;
  } catch (e) {
    throw nativeFailure(e);
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
  const first = schedule.callsThisTurn++ === 0;
  if (first) queueMicrotask(endTurn);
  let r;
  try {
    r = authenticator.authenticate(method, url, headers, overrides, now, first);
  } catch (e) {
    return Promise.reject(nativeFailure(e));
  }
  if (r instanceof Promise) {
    schedule.queuedThisTurn++;
    return onWorker(r);
  }
  let state;
  try {
    state = stateFrom(r);
  } catch (e) {
    return Promise.reject(e);
  }
  return settledHere(state);
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
    /** Synchronous variant (blocks the event loop on network work; for benchmarks). A loop of
     * these calls should yield now and then: states are freed from the event loop. */
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

/** `authenticateRequest(request, options)` (all options at once, like @clerk/backend/internal). */
function authenticateRequest(request, options = {}) {
  return authenticateWith(() => standaloneNative(options), request, options, undefined);
}

module.exports = { createClerkClient, authenticateRequest };
