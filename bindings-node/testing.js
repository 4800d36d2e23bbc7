'use strict';
/**
 * clerkauth/testing — helpers for testing an app that uses clerkauth, without contacting Clerk:
 * a local development instance (the core's DevInstance, like Python's
 * `clerkauth.testing.DevInstance`: an RSA key, `publishableKey`, `secretKey`, `jwtKey`, JWKS,
 * minted session tokens) and a loopback Backend API serving its JWKS.
 */

const http = require('node:http');
const native = require('./loader.js').loadNative();

const DEFAULT_FRONTEND_API = 'demo-app.clerk.accounts.dev';

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function objectJson(value, what) {
  if (!isPlainObject(value)) throw new TypeError(`clerkauth: ${what} must be an object`);
  return JSON.stringify(value);
}

function nonEmptyString(value, what) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`clerkauth: ${what} must be a non-empty string`);
  return value;
}

/** A development instance with its own signing key. Never contacts Clerk. */
class DevInstance {
  #native;

  /** Generates a fresh RSA-2048 key and keys for the Frontend API host `frontendApi`. */
  constructor({ frontendApi = DEFAULT_FRONTEND_API } = {}) {
    this.#native = new native.NativeDevInstance(nonEmptyString(frontendApi, 'frontendApi'));
    const [kid, publishableKey, secretKey, host, jwtKey] = this.#native.keys();
    this.kid = kid;
    this.publishableKey = publishableKey;
    this.secretKey = secretKey;
    this.frontendApi = host;
    this.jwtKey = jwtKey;
    Object.freeze(this);
  }

  /** The JWKS document the Backend API would serve for this instance. */
  jwks() {
    return JSON.parse(this.#native.jwks());
  }

  /** Signs `claims` as an RS256 JWT; `header` fields are added (`alg`, `kid`, `typ` unless given). */
  sign(claims, header) {
    return this.#native.sign(objectJson(claims, 'claims'), header === undefined ? undefined : objectJson(header, 'header'));
  }

  /**
   * A session token for `userId`/`sessionId` issued at `iat` (seconds; default now) valid 60 s,
   * with `extra` claims merged in (e.g. a v2 `o` organization claim, or `exp` to change its life).
   */
  sessionToken({ userId, sessionId, iat = Math.floor(Date.now() / 1000), azp = '', extra } = {}) {
    if (!Number.isSafeInteger(iat)) throw new TypeError('clerkauth: iat must be an integer (seconds since the epoch)');
    if (typeof azp !== 'string') throw new TypeError('clerkauth: azp must be a string');
    const extraJson = extra === undefined ? undefined : objectJson(extra, 'extra');
    return this.#native.sessionToken(nonEmptyString(userId, 'userId'), nonEmptyString(sessionId, 'sessionId'), iat, azp, extraJson);
  }

  /**
   * Starts a loopback Backend API (a real HTTP server on 127.0.0.1, a free port) serving this
   * instance's JWKS at `GET /v1/jwks` to requests bearing its secret key. Pass its `url` as
   * `apiUrl`; `close()` stops it.
   */
  async startBackendApi() {
    const api = new BackendApi(this);
    await api.listen();
    return api;
  }
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const apiError = (code, message) => ({ errors: [{ code, message, long_message: message }] });

/** A loopback Backend API for a DevInstance (see `DevInstance.startBackendApi`). */
class BackendApi {
  #server;
  #instance;

  constructor(instance) {
    this.#instance = instance;
    /** `http://127.0.0.1:<port>` once listening. */
    this.url = undefined;
    /** Every request received: `{ method, path, authorized }`. */
    this.requests = [];
    this.#server = http.createServer((req, res) => this.#answer(req, res));
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        this.url = `http://127.0.0.1:${this.#server.address().port}`;
        resolve();
      });
    });
  }

  #answer(req, res) {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    const authorized = req.headers.authorization === `Bearer ${this.#instance.secretKey}`;
    this.requests.push({ method: req.method, path, authorized });
    // The request body is never needed: drain it so the connection can be reused.
    req.resume();
    if (req.method !== 'GET' || path !== '/v1/jwks') return sendJson(res, 404, apiError('resource_not_found', `${req.method} ${path} is not served by clerkauth/testing`));
    if (!authorized) return sendJson(res, 401, apiError('clerk_key_invalid', 'The provided Clerk Secret Key is invalid.'));
    sendJson(res, 200, this.#instance.jwks());
  }

  /** Stops the server (open keep-alive connections included). */
  close() {
    return new Promise((resolve, reject) => {
      this.#server.close((err) => (err ? reject(err) : resolve()));
      this.#server.closeAllConnections?.();
    });
  }
}

module.exports = { DevInstance };
