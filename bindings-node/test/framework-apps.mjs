// One test app per framework (Express, Fastify, Hono), configured from the environment only
// (CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY, CLERK_API_URL), and the cases every
// app must pass: a cookie session, a Bearer session, an API key through
// getAuth(…, { acceptsToken: 'api_key' }) verified by a loopback Backend API, and the handshake
// redirect of an expired document request. Shared by frameworks.test.mjs (node --test and
// bun test).
import http from 'node:http';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';
import { startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);

export const HOST = 'app.example.com';
export const API_KEY = 'ak_frameworks0123456789abcdefgh';
const inst = INSTANCES.prod;
const keys = makeKeys();

/** A loopback Backend API that verifies API_KEY (and nothing else) and records the calls. */
export async function startKeyBapi() {
  const calls = [];
  const api = await startBackendApi((call) => {
    const body = call.json ?? {};
    calls.push({ method: call.method, path: call.target, authorization: call.authorization, body });
    const known = call.method === 'POST' && call.target.endsWith('/api_keys/verify') && body.secret === API_KEY;
    const answer = known
      ? { object: 'api_key', id: 'ak_id_fw', type: 'api_key', name: 'fw key', subject: 'user_fwkey', scopes: ['read'], claims: null, revoked: false, revocation_reason: null, expired: false, expiration: null, created_by: 'user_fwkey', description: null, last_used_at: null, created_at: 1, updated_at: 1 }
      : { errors: [{ code: 'api_key_not_found', message: 'not found', long_message: 'not found' }] };
    return { status: known ? 200 : 404, body: answer };
  });
  return { url: api.url, calls, close: api.close };
}

const ENV_NAMES = ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY', 'CLERK_JWT_KEY', 'CLERK_API_URL'];

/** Sets the instance's keys in process.env; returns a function restoring the previous values. */
export function setClerkEnv(apiUrl) {
  const saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
  Object.assign(process.env, { CLERK_SECRET_KEY: inst.secretKey, CLERK_PUBLISHABLE_KEY: inst.publishableKey, CLERK_JWT_KEY: keys.publicPem, CLERK_API_URL: apiUrl });
  return () => {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  };
}

export function sessionToken({ ageS = 0, sub = 'user_fw' } = {}) {
  const now = Math.floor(Date.now() / 1000) - ageS;
  return signJwt(keys.privateKey, { azp: `http://${HOST}`, exp: now + 60, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: 'sess_fw', sub });
}

/** The JSON the apps answer for each route, from the auth objects getAuth returns. */
function routeBody(path, getAuth) {
  if (path === '/me') {
    const { userId, tokenType, isAuthenticated } = getAuth();
    return { userId, tokenType, isAuthenticated };
  }
  if (path === '/key') {
    const a = getAuth({ acceptsToken: 'api_key' });
    return { tokenType: a.tokenType, isAuthenticated: a.isAuthenticated, id: a.id, subject: a.subject, userId: a.userId, name: a.name };
  }
  if (path === '/any') {
    const a = getAuth({ acceptsToken: 'any' });
    return { tokenType: a.tokenType, isAuthenticated: a.isAuthenticated };
  }
  return { error: 'no route' };
}

const ROUTES = ['/me', '/key', '/any'];

/** Express on a real loopback http server; returns { send(path, headers), close() }. */
export async function expressApp() {
  const express = require('express');
  const { clerkMiddleware, getAuth } = require('../express.js');
  const app = express();
  app.use(clerkMiddleware());
  for (const p of ROUTES) app.get(p, (req, res) => res.json(routeBody(p, (o) => getAuth(req, o))));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = server.address().port;
  return {
    send: (path, headers) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: HOST, ...headers } }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            const setCookie = res.headers['set-cookie'] || [];
            resolve({ status: res.statusCode, header: (n) => res.headers[n] ?? null, setCookie, body: text && res.statusCode === 200 ? JSON.parse(text) : null });
          });
        });
        req.on('error', reject);
        req.end();
      }),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** Fastify, through its own `app.inject`. */
export async function fastifyApp() {
  const Fastify = require('fastify');
  const { clerkPlugin, getAuth } = require('../fastify.js');
  const app = Fastify();
  await app.register(clerkPlugin);
  for (const p of ROUTES) app.get(p, async (request) => routeBody(p, (o) => getAuth(request, o)));
  await app.ready();
  return {
    send: async (path, headers) => {
      const res = await app.inject({ method: 'GET', url: path, headers: { host: HOST, ...headers } });
      const sc = res.headers['set-cookie'];
      return { status: res.statusCode, header: (n) => res.headers[n] ?? null, setCookie: sc === undefined ? [] : [].concat(sc), body: res.statusCode === 200 ? res.json() : null };
    },
    close: () => app.close(),
  };
}

/** Hono, through its own `app.request`. */
export async function honoApp() {
  const { Hono } = require('hono');
  const { clerkMiddleware, getAuth } = require('../hono.js');
  const app = new Hono();
  app.use('*', clerkMiddleware());
  for (const p of ROUTES) app.get(p, (c) => c.json(routeBody(p, (o) => getAuth(c, o))));
  return {
    send: async (path, headers) => {
      const res = await app.request(`http://${HOST}${path}`, { headers });
      return { status: res.status, header: (n) => res.headers.get(n), setCookie: res.headers.getSetCookie(), body: res.status === 200 ? await res.json() : null };
    },
    close: async () => {},
  };
}

export const FRAMEWORKS = { express: expressApp, fastify: fastifyApp, hono: honoApp };

/** The cases every framework app passes: [name, async (app, bapi) => void]. */
export const CASES = [
  ['cookie session: signed in, getAuth(req) gives the userId', async (app) => {
    const now = Math.floor(Date.now() / 1000);
    const r = await app.send('/me', { cookie: `__session=${sessionToken()}; __client_uat=${now - 10}`, 'sec-fetch-dest': 'document', accept: 'text/html' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { userId: 'user_fw', tokenType: 'session_token', isAuthenticated: true });
  }],
  ['Bearer session: signed in; acceptsToken api_key gives an unauthenticated api_key object', async (app) => {
    const auth = { authorization: `Bearer ${sessionToken()}` };
    assert.deepEqual((await app.send('/me', auth)).body, { userId: 'user_fw', tokenType: 'session_token', isAuthenticated: true });
    const k = await app.send('/key', auth);
    assert.deepEqual(k.body, { tokenType: 'api_key', isAuthenticated: false, id: null, subject: null, userId: null, name: null });
  }],
  ['API key: verified by the Backend API, visible only with acceptsToken api_key (or any)', async (app, bapi) => {
    const auth = { authorization: `Bearer ${API_KEY}` };
    const before = bapi.calls.length;
    const k = await app.send('/key', auth);
    assert.equal(k.status, 200);
    assert.deepEqual(k.body, { tokenType: 'api_key', isAuthenticated: true, id: 'ak_id_fw', subject: 'user_fwkey', userId: 'user_fwkey', name: 'fw key' });
    const call = bapi.calls[before];
    assert.ok(call && call.path.endsWith('/api_keys/verify'), `Backend API call: ${JSON.stringify(call)}`);
    assert.equal(call.authorization, `Bearer ${INSTANCES.prod.secretKey}`);
    // By default getAuth gives a session object: an API key is never a signed-in session.
    assert.deepEqual((await app.send('/me', auth)).body, { userId: null, tokenType: 'session_token', isAuthenticated: false });
    assert.deepEqual((await app.send('/any', auth)).body, { tokenType: 'api_key', isAuthenticated: true });
  }],
  ['unknown API key: not authenticated', async (app) => {
    const k = await app.send('/key', { authorization: 'Bearer ak_unknownkey0123456789abcdefg' });
    assert.equal(k.status, 200);
    assert.equal(k.body.isAuthenticated, false);
    assert.equal(k.body.tokenType, 'api_key');
    assert.equal(k.body.id, null);
  }],
  ['expired session cookie on a document request: 307 handshake redirect', async (app) => {
    const now = Math.floor(Date.now() / 1000);
    const r = await app.send('/me?x=1', { cookie: `__session=${sessionToken({ ageS: 3600 })}; __client_uat=${now - 4000}`, 'sec-fetch-dest': 'document', accept: 'text/html' });
    assert.equal(r.status, 307);
    const loc = new URL(r.header('location'));
    assert.equal(loc.host, INSTANCES.prod.fapi);
    assert.equal(loc.pathname, '/v1/client/handshake');
    assert.equal(new URL(loc.searchParams.get('redirect_url')).href, `http://${HOST}/me?x=1`);
    assert.equal(r.header('x-clerk-auth-status'), 'handshake');
  }],
  ['no credentials: signed out, the handler still runs', async (app) => {
    const r = await app.send('/me', {});
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { userId: null, tokenType: 'session_token', isAuthenticated: false });
    assert.equal(r.header('x-clerk-auth-status'), 'signed-out');
  }],
];
