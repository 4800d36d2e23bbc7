'use strict';
/**
 * Requests: a WHATWG `Request`, a Node `http.IncomingMessage` (Express/Connect, HTTP/2
 * compat) or `{ method, url, headers }` converted to the plain data the core takes.
 */

const native = require('./native.js');
const { ClerkAuthError, ErrorCode, nativeFailure, isNativeError } = require('./errors.js');

function headerPairsFrom(headers) {
  const out = [];
  if (headers === undefined || headers === null) return out;
  if (typeof headers.entries === 'function' && typeof headers.get === 'function' && !(headers instanceof Map)) {
    // WHATWG Headers (or compatible): iteration yields each set-cookie separately.
    for (const [k, v] of headers.entries()) out.push([String(k), String(v)]);
    return out;
  }
  const entries = headers instanceof Map || Array.isArray(headers) ? headers : Object.entries(headers);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: headers must be [name, value] pairs, a Headers or a plain object');
    }
    const [k, v] = entry;
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) out.push([String(k), String(x)]);
    } else {
      out.push([String(k), String(v)]);
    }
  }
  return out;
}

/**
 * The absolute URL of a request from its scheme, Host header and request target, combined by
 * the core: the target is parsed against the host (as the reference's `new URL(path, base)`),
 * and a Host that is not `host[:port]` (`app.example.com#`, `…/x`, `user@…` …) is an
 * `invalid-request` error rather than a URL whose path is not the request's.
 */
function requestUrl(scheme, host, target) {
  let r;
  try {
    r = native.requestUrl(scheme, host, target);
  } catch (e) {
    throw nativeFailure(e);
  }
  if (isNativeError(r)) throw new ClerkAuthError(r.code, r.message);
  return r;
}

/**
 * A Node `http.IncomingMessage` (or an Express/Connect request, or an HTTP/2 compat request)
 * as plain data. The absolute URL is built from the Host header (`:authority` for HTTP/2),
 * the socket's encryption and the request target; `x-forwarded-host` / `x-forwarded-proto`
 * are applied by the core exactly as the reference applies them.
 */
function fromIncomingMessage(req) {
  const headers = [];
  const raw = req.rawHeaders;
  let authority = null;
  let scheme = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]);
    if (name.startsWith(':')) {
      if (name === ':authority') authority = String(raw[i + 1]);
      if (name === ':scheme') scheme = String(raw[i + 1]);
      continue;
    }
    headers.push([name, String(raw[i + 1])]);
  }
  return { method: req.method || 'GET', url: incomingUrl(req, authority, scheme), headers };
}

/** The absolute URL of an `IncomingMessage` (`authority` and `scheme`: HTTP/2 pseudo-headers). */
function incomingUrl(req, authority, scheme) {
  const hostHeader = req.headers && typeof req.headers.host === 'string' ? req.headers.host : null;
  const host = hostHeader || authority || 'localhost';
  // `socket` first: `connection` is its deprecated alias (a warning on Fastify's inject requests).
  const socket = req.socket || req.connection;
  const encrypted = !!(socket && socket.encrypted);
  const proto = scheme || (encrypted ? 'https' : 'http');
  const target = typeof req.originalUrl === 'string' ? req.originalUrl : req.url || '/';
  return requestUrl(proto, host, target);
}

/**
 * Any supported request as `[method, url, headers]`, what the native layer takes: `headers`
 * joined with NUL (`name\0value\0…`; an `IncomingMessage`'s `rawHeaders` as they are), or as
 * the list `[name, value, …]` when a header holds a NUL.
 */
function flatRequest(request) {
  let method, url, flat;
  if (request !== null && typeof request === 'object' && typeof Request !== 'undefined' && request instanceof Request) {
    flat = [];
    for (const [k, v] of request.headers) flat.push(k, v);
    [method, url] = [request.method, request.url];
  } else if (request !== null && typeof request === 'object' && Array.isArray(request.rawHeaders) && request.rawHeaders.every((x) => typeof x === 'string' && x.charCodeAt(0) !== 58 /* ':' */)) {
    [method, url, flat] = [request.method || 'GET', incomingUrl(request, null, null), request.rawHeaders];
  } else {
    const plain = toPlainRequest(request);
    [method, url, flat] = [plain.method, plain.url, plain.headers.flat()];
  }
  // One string crosses to the native layer; a header holding a NUL goes as the list.
  for (let i = 0; i < flat.length; i++) if (flat[i].indexOf('\0') !== -1) return [method, url, flat];
  return [method, url, flat.join('\0')];
}

/** Converts any supported request to `{method, url, headers: [[k, v], ...]}`. */
function toPlainRequest(request) {
  if (request === null || typeof request !== 'object') {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: request must be a Request, an http.IncomingMessage or {method, url, headers}');
  }
  if (typeof Request !== 'undefined' && request instanceof Request) {
    return { method: request.method, url: request.url, headers: headerPairsFrom(request.headers) };
  }
  if (Array.isArray(request.rawHeaders)) {
    return fromIncomingMessage(request);
  }
  let url = request.url;
  if (url instanceof URL) url = url.href;
  if (typeof url !== 'string') {
    throw new ClerkAuthError(ErrorCode.InvalidRequest, 'clerkauth: request.url must be a string');
  }
  const headers = headerPairsFrom(request.headers);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    const host = headers.find(([k]) => k.toLowerCase() === 'host');
    url = requestUrl('http', host ? host[1] : 'localhost', url);
  }
  return { method: typeof request.method === 'string' ? request.method : 'GET', url, headers };
}

module.exports = { flatRequest, toPlainRequest };
