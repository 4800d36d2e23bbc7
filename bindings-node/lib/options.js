'use strict';
/**
 * Options: what goes to the core (as JSON) and what this JS layer reads itself, a client's
 * per-call merge, and the native authenticators built from them, including the cache behind
 * the standalone `authenticateRequest` / `verifyToken`.
 */

const native = require('./native.js');
const { ClerkAuthError, ErrorCode, nativeFailure, isNativeError } = require('./errors.js');

/**
 * Options read by this JS layer only, never sent to the core (the core's list names them as
 * host keys: it rejects them if they reach it).
 */
const JS_ONLY = new Set(['nowMs', 'jwksRetryBaseDelayMs', 'clerkClient']);

/** @clerk/backend options that do not affect authentication: their names go to the core, their values do not. */
const IGNORED = new Set(native.ignoredOptionNames());

/**
 * Options that define a long-lived authenticator (keys, Backend API, caches): the core's list
 * (INSTANCE_OPTION_NAMES, the one rule of every host's authenticator cache), read once at load
 * so the per-call cache key is built in JS without crossing into native code.
 */
const INSTANCE_KEYS = Object.freeze(native.instanceOptionNames());

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

/** The options @clerk/backend's createClerkClient binds (spec 1.5). */
const FACTORY_KEYS = new Set(['secretKey', 'machineSecretKey', 'jwtKey', 'apiUrl', 'apiVersion', 'proxyUrl', 'publishableKey', 'isSatellite', 'domain', 'audience']);

/**
 * Per-call options of a client, merged as @clerk/backend's factory merges them: for the options
 * it binds, a per-call value replaces the client's only when truthy (`domain: ''` or
 * `secretKey: undefined` keep the client's value), and per-call `apiUrl`/`apiVersion` are
 * ignored (the client's Backend API is used).
 */
function clientCallOptions(runtimeOptions) {
  if (runtimeOptions === null || typeof runtimeOptions !== 'object') return runtimeOptions;
  // Own enumerable keys only: the others never reach the core (optionsJson reads these).
  let out = runtimeOptions;
  for (const k of Object.keys(runtimeOptions)) {
    if (FACTORY_KEYS.has(k) && (!runtimeOptions[k] || k === 'apiUrl' || k === 'apiVersion')) {
      if (out === runtimeOptions) out = { ...runtimeOptions };
      delete out[k];
    }
  }
  return out;
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

module.exports = { JS_ONLY, INSTANCE_KEYS, optionsJson, pickNow, newNative, clientCallOptions, standaloneNative };
