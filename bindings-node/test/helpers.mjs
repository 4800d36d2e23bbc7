// Shared test helpers: the loopback Backend API (startBackendApi, and the vectors' and the
// differential test's on it), a gate holding a loopback server's replies, the vector
// loader, the `clerkauth` command (vector results are checked by `clerkauth vectors check`) and
// the comparison of two live results (clerkauth's and the reference's, in differential.test.mjs).
import http from 'node:http';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function vectorsDir() {
  return process.env.CLERKAUTH_VECTORS || path.resolve(here, '../../tests/conformance/vectors');
}

/**
 * The `clerkauth` command, whose `vectors check` compares results by FORMAT.md:
 * $CLERKAUTH_CLI, else built (release) into the repository's cargo target directory.
 */
export function clerkauthCli() {
  if (process.env.CLERKAUTH_CLI) return process.env.CLERKAUTH_CLI;
  const root = path.resolve(here, '../..');
  execFileSync('cargo', ['build', '--release', '--locked', '-q', '-p', 'clerkauth-cli'], { cwd: root, stdio: 'inherit' });
  return path.resolve(root, process.env.CARGO_TARGET_DIR || 'target', 'release', 'clerkauth');
}

export function loadVectors(dir = vectorsDir()) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) out.push(JSON.parse(fs.readFileSync(p, 'utf8')));
    }
  };
  walk(dir);
  return out;
}

/**
 * A gate for a loopback server's replies: `hold(answer)` (server side) resolves `arrived` and
 * runs `answer` once `release()` is called.
 */
export function holdReplies() {
  let arrive;
  const arrived = new Promise((resolve) => (arrive = resolve));
  const held = [];
  let released = false;
  return {
    arrived,
    hold(answer) {
      arrive();
      if (released) answer();
      else held.push(answer);
    },
    release() {
      released = true;
      held.splice(0).forEach((answer) => answer());
    },
  };
}

const NOT_FOUND = { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'not found', long_message: 'not found' }] } };

/**
 * The tests' one loopback Backend API: a real HTTP server on 127.0.0.1 (a free port) playing
 * Clerk's Backend API, so requests go through the addon's own HTTP client. A test states only
 * its answers; `routes` is either
 *   - a function `(call) => reply` answering every request, or
 *   - a map `{ 'GET /v1/jwks': reply or (call) => reply, …, '*': … }`: a key names the method
 *     and the path (the query is ignored unless the key has one: then the whole target must
 *     match); `'*'` answers the requests no key names, else they get a 404 `resource_not_found`.
 * `call` is `{ method, target, path, query, headers, authorization, body, json }`: `target` the
 * request target as sent, `path` its part before any '?', `query` its URLSearchParams, `body`
 * the body as text, `json` the body parsed (null when empty or not JSON).
 * A reply is `{ status = 200, body }` (sent as JSON) or a Promise of one: a Promise that never
 * settles leaves the request hanging until `close()`.
 * Returns `{ url, host, calls, close() }`: `calls` lists every request (clear it with
 * `calls.length = 0`). A route that throws is answered 500, and `close()` rejects with its error.
 */
export async function startBackendApi(routes) {
  const calls = [];
  const errors = [];
  const answer =
    typeof routes === 'function'
      ? routes
      : (call) => {
          const r = routes[`${call.method} ${call.target}`] ?? routes[`${call.method} ${call.path}`] ?? routes['*'] ?? NOT_FOUND;
          return typeof r === 'function' ? r(call) : r;
        };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      let json = null;
      try {
        json = body ? JSON.parse(body) : null;
      } catch {
        json = null;
      }
      const target = req.url;
      let query;
      try {
        query = new URL(target, 'http://127.0.0.1').searchParams;
      } catch {
        query = new URLSearchParams();
      }
      const call = { method: req.method, target, path: target.split('?')[0], query, headers: req.headers, authorization: req.headers.authorization, body, json };
      calls.push(call);
      let reply;
      try {
        reply = await answer(call);
      } catch (e) {
        errors.push(e);
        reply = { status: 500, body: { errors: [{ code: 'test_route_failed', message: String(e && e.message) }] } };
      }
      const text = JSON.stringify(reply.body ?? null);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    calls,
    /** Stops listening, then drops every connection (held requests included). */
    close: () =>
      new Promise((resolve, reject) => {
        server.close(() => (errors.length ? reject(errors[0]) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}

/**
 * The vectors' Backend API (on startBackendApi): answers the listed routes (method + path;
 * query ignored unless the route path has '?') and records every request.
 */
export async function startMockBapi() {
  let routes = [];
  let seen = [];
  const api = await startBackendApi((call) => {
    const route = routes.find((r) => r.method.toUpperCase() === call.method.toUpperCase() && (r.path.includes('?') ? r.path === call.target : call.path === r.path));
    seen.push({ method: call.method, target: call.target, headers: call.headers, body: call.body, matched: !!route });
    if (route) return { status: route.status ?? 200, body: route.body ?? null };
    return { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'not listed in the vector' }] } };
  });
  return {
    url: api.url,
    reset(r) {
      routes = (r || []).map((x) => ({ method: x.method || 'GET', path: x.path || '/', status: x.status, body: x.body }));
      seen = [];
    },
    seen: () => seen,
    close: api.close,
  };
}

function queryMultiset(u) {
  return [...u.searchParams.entries()].map(([k, v]) => JSON.stringify([k, v])).sort();
}

function sameLocation(a, b) {
  let x, y;
  try {
    x = new URL(a);
    y = new URL(b);
  } catch {
    return a === b ? null : `location ${a} != ${b}`;
  }
  const port = (u) => u.port || ({ 'http:': '80', 'https:': '443' }[u.protocol] ?? '');
  if (x.protocol !== y.protocol || x.hostname !== y.hostname || port(x) !== port(y) || x.pathname !== y.pathname) return `location ${a} != ${b}`;
  const qa = queryMultiset(x);
  const qb = queryMultiset(y);
  if (JSON.stringify(qa) !== JSON.stringify(qb)) {
    const diff = qa.filter((p) => !qb.includes(p)).concat(qb.filter((p) => !qa.includes(p)));
    return `location query differs: ${diff.join(' ')}`;
  }
  return null;
}

function parseSetCookie(s) {
  const parts = s.split(';');
  const first = parts.shift() || '';
  const eq = first.indexOf('=');
  const name = (eq < 0 ? first : first.slice(0, eq)).trim();
  const value = (eq < 0 ? '' : first.slice(eq + 1)).trim();
  const attrs = parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? p.toLowerCase() : `${p.slice(0, i).trim().toLowerCase()}=${p.slice(i + 1).trim()}`;
    })
    .sort();
  return JSON.stringify([name, value, attrs]);
}

/** Compares header lists ([[name, value], ...]) by FORMAT.md rules; returns null or a difference. */
export function compareHeaders(got, want) {
  const group = (list) => {
    const m = new Map();
    for (const [k, v] of list) {
      const n = k.toLowerCase();
      if (!m.has(n)) m.set(n, []);
      m.get(n).push(v);
    }
    return m;
  };
  const g = group(got);
  const w = group(want);
  const names = (m) => JSON.stringify([...m.entries()].map(([k, v]) => [k, v.length]).sort());
  if (names(g) !== names(w)) return `header names ${names(g)} != ${names(w)}`;
  for (const [name, wv] of w) {
    const gv = g.get(name);
    if (name === 'location') {
      for (let i = 0; i < wv.length; i++) {
        const d = sameLocation(gv[i], wv[i]);
        if (d) return d;
      }
    } else if (name === 'set-cookie') {
      const a = gv.map(parseSetCookie).sort();
      const b = wv.map(parseSetCookie).sort();
      if (JSON.stringify(a) !== JSON.stringify(b)) return `set-cookie ${JSON.stringify(gv)} != ${JSON.stringify(wv)}`;
    } else if (name === 'x-clerk-auth-message') {
      continue;
    } else if (JSON.stringify(gv) !== JSON.stringify(wv)) {
      return `header ${name}: ${JSON.stringify(gv)} != ${JSON.stringify(wv)}`;
    }
  }
  return null;
}

/** Deep JSON equality, key order free. */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return jsonEqual(ka, kb) && ka.every((k) => jsonEqual(a[k], b[k]));
}

/** Plain JSON of an auth object (functions and undefined fields dropped). */
export function authJson(auth) {
  return auth === null || auth === undefined ? null : JSON.parse(JSON.stringify(auth));
}

/**
 * Compares two results ({status, reason, isAuthenticated, tokenType, headers, auth, has} or
 * {error}) by FORMAT.md's rules: clerkauth's with the reference's, live, in the differential
 * test (vector results go through `clerkauth vectors check`).
 */
export function compareResult(got, expected) {
  if (expected.error !== undefined) return got.error !== undefined ? null : `expected an error, got status ${got.status}`;
  if (got.error !== undefined) return `error: ${got.error}`;
  for (const k of ['status', 'reason', 'isAuthenticated', 'tokenType']) {
    if (!jsonEqual(got[k], expected[k])) return `${k}: got ${JSON.stringify(got[k])} expected ${JSON.stringify(expected[k])}`;
  }
  const h = compareHeaders(got.headers, expected.headers);
  if (h) return h;
  if (expected.auth !== undefined && !jsonEqual(got.auth, expected.auth)) {
    const g = got.auth || {};
    const w = expected.auth || {};
    const keys = [...new Set([...Object.keys(g), ...Object.keys(w)])];
    const k = keys.find((key) => !jsonEqual(g[key], w[key]));
    return k ? `auth.${k}: got ${JSON.stringify(g[k])} expected ${JSON.stringify(w[k])}` : `auth: got ${JSON.stringify(got.auth)} expected ${JSON.stringify(expected.auth)}`;
  }
  if (expected.has !== undefined && !jsonEqual(got.has, expected.has)) return `has: got ${JSON.stringify(got.has)} expected ${JSON.stringify(expected.has)}`;
  return null;
}

/** A request state (clerkauth's or the reference's) as a comparable result. */
export function stateResult(state, hasChecks = []) {
  const auth = state.toAuth();
  return {
    status: state.status,
    reason: state.reason,
    isAuthenticated: state.isAuthenticated,
    tokenType: state.tokenType,
    headers: [...state.headers.entries()],
    auth: authJson(auth),
    has: auth ? hasChecks.map((c) => auth.has(c)) : null,
  };
}

/**
 * The differential test's Backend API (on startBackendApi), which answers both
 * implementations from the current case only, so the same request always gets the same
 * answer. JWKS by the Bearer secret key (`jwksAnswer`); machine-token verification by the
 * token in the body (401 for a Bearer containing `badMachineKey`); session refresh by `sid`;
 * handshake payloads by nonce. Anything else is a 404 and is reported as an unexpected call.
 */
export async function startDiffBapi({ jwksAnswer, badMachineKey }) {
  let answers = { machine: {}, refresh: {}, nonce: {} };
  let calls = [];
  const notFound = { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'not found', long_message: 'not found' }] } };
  const route = (method, url, bearer, body) => {
    const { pathname, searchParams } = url;
    if (method === 'GET' && /^\/v1\/jwks$/.test(pathname)) return { known: true, ...jwksAnswer(bearer) };
    const verify = { '/api_keys/verify': 'secret', '/m2m_tokens/verify': 'token', '/oauth_applications/access_tokens/verify': 'access_token' }[pathname];
    if (method === 'POST' && verify) {
      if (bearer.includes(badMachineKey)) return { known: true, status: 401, body: { errors: [{ code: 'authentication_invalid', message: 'machine secret key refused', long_message: 'refused' }] } };
      return { known: true, ...(answers.machine[body && body[verify]] || notFound) };
    }
    const refresh = /^\/v1\/sessions\/([^/]+)\/refresh$/.exec(pathname);
    if (method === 'POST' && refresh) return { known: true, ...(answers.refresh[refresh[1]] || notFound) };
    if (method === 'GET' && pathname === '/v1/clients/handshake_payload') return { known: true, ...(answers.nonce[searchParams.get('nonce')] || notFound) };
    return { known: false, ...notFound };
  };
  const api = await startBackendApi((call) => {
    const url = new URL(call.target, 'http://127.0.0.1');
    const bearer = (call.authorization || '').replace(/^Bearer /, '');
    const a = route(call.method, url, bearer, call.json);
    calls.push({ method: call.method, target: call.target, known: a.known, status: a.status, authorization: call.authorization, apiVersion: call.headers['clerk-api-version'], body: call.json });
    return { status: a.status, body: a.body };
  });
  return {
    url: api.url,
    host: api.host,
    /** Answers for the next case: {machine: {token: {status, body}}, refresh: {sid: …}, nonce: {nonce: …}}. */
    answer(a) {
      answers = a;
    },
    /** The calls made since the last take, and forget them. */
    takeCalls() {
      const c = calls;
      calls = [];
      return c;
    },
    close: api.close,
  };
}
