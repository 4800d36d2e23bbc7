// clerkauth/express parity with @clerk/express on a real Express server: environment variables,
// the per-request options callback, requireAuth, getAuth's options and guards, the redirect of
// a signed-in state with a Location (a development instance's handshake resolution).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const express = require('express');
const { clerkMiddleware, getAuth, requireAuth } = require('../express.js');
const root = require('../index.js');

const keys = makeKeys();
const { prod, dev } = INSTANCES;
const HOST = 'app.example.com';
const ENV = ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY', 'CLERK_JWT_KEY', 'CLERK_SIGN_IN_URL', 'CLERK_IS_SATELLITE', 'CLERK_DOMAIN'];
let saved;
let server;
let port;

function session(inst, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(keys.privateKey, { azp: `http://${HOST}`, exp: now + 60, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: 'sess_x', sub: 'user_x', ...extra });
}

const json = (req) => {
  const s = req.clerkRequestState;
  return { status: s.status, reason: s.reason, isSatellite: s.isSatellite, domain: s.domain, publishableKey: s.publishableKey, userId: getAuth(req).userId };
};

before(async () => {
  saved = Object.fromEntries(ENV.map((n) => [n, process.env[n]]));
  for (const n of ENV) delete process.env[n];
  Object.assign(process.env, { CLERK_SECRET_KEY: prod.secretKey, CLERK_PUBLISHABLE_KEY: prod.publishableKey, CLERK_JWT_KEY: keys.publicPem, CLERK_SIGN_IN_URL: 'https://accounts.example.com/sign-in' });
  const app = express();
  // Per-request options: the development instance for dev.example.com, the environment's otherwise.
  app.use('/cb', clerkMiddleware((req) => (req.hostname === 'dev.example.com' ? { publishableKey: dev.publishableKey, secretKey: dev.secretKey } : {})));
  app.get('/cb/me', (req, res) => res.json(json(req)));
  app.get('/env/me', clerkMiddleware(), (req, res) => res.json(json(req)));
  app.get('/sat/me', clerkMiddleware({ isSatellite: (url) => url.hostname === HOST, domain: (url) => `clerk.${url.hostname}` }), (req, res) => res.json(json(req)));
  app.get('/protected', requireAuth(), (req, res) => res.json(json(req)));
  app.get('/pending', clerkMiddleware(), (req, res) => res.json({ default: getAuth(req).userId, status: getAuth(req).sessionStatus, kept: getAuth(req, { treatPendingAsSignedOut: false }).userId }));
  app.get('/foreign', (req, res, next) => {
    req.auth = () => ({ userId: 'user_from_another_library' });
    next();
  }, (req, res) => {
    try {
      getAuth(req);
      res.json({ error: 'no error' });
    } catch (e) {
      res.json({ code: e.code });
    }
  });
  app.get('/twice', clerkMiddleware(), clerkMiddleware({ secretKey: 'sk_live_never_used', publishableKey: 'pk_live_bad' }), (req, res) => res.json(json(req)));
  app.use((err, req, res, _next) => res.status(err.status || 500).json({ code: err.code || 'no-code', message: err.message }));
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = server.address().port;
});
after(() => {
  for (const [n, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[n];
    else process.env[n] = v;
  }
  return new Promise((r) => { server.closeAllConnections?.(); server.close(r); });
});

function get(path, headers = {}, host = HOST) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('clerkMiddleware() reads CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY and CLERK_JWT_KEY', async () => {
  const r = await get('/env/me', { authorization: `Bearer ${session(prod)}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'signed-in');
  assert.equal(r.body.userId, 'user_x');
});

test('without keys in options or environment: missing-secret-key goes to next(err)', async () => {
  const secret = process.env.CLERK_SECRET_KEY;
  delete process.env.CLERK_SECRET_KEY;
  try {
    const r = await get('/env/me', { authorization: `Bearer ${session(prod)}` });
    assert.equal(r.status, 500);
    assert.equal(r.body.code, 'missing-secret-key');
  } finally {
    process.env.CLERK_SECRET_KEY = secret;
  }
});

test('options callback: per-request keys (a development instance for one host)', async () => {
  const prodR = await get('/cb/me', { authorization: `Bearer ${session(prod)}` });
  assert.equal(prodR.body.status, 'signed-in');
  assert.equal(prodR.body.publishableKey, prod.publishableKey);
  const devR = await get('/cb/me', { authorization: `Bearer ${session(dev)}` }, 'dev.example.com');
  assert.equal(devR.status, 200);
  assert.equal(devR.body.status, 'signed-in');
  assert.equal(devR.body.publishableKey, dev.publishableKey);
});

test('isSatellite and domain as functions of the request URL, CLERK_IS_SATELLITE from the environment', async () => {
  const r = await get('/sat/me', { authorization: `Bearer ${session(prod)}` });
  assert.equal(r.body.isSatellite, true);
  assert.equal(r.body.domain, `clerk.${HOST}`);
  process.env.CLERK_IS_SATELLITE = 'true';
  process.env.CLERK_DOMAIN = 'satellite.example.com';
  try {
    const e = await get('/env/me', { authorization: `Bearer ${session(prod)}` });
    assert.equal(e.body.isSatellite, true);
    assert.equal(e.body.domain, 'satellite.example.com');
  } finally {
    delete process.env.CLERK_IS_SATELLITE;
    delete process.env.CLERK_DOMAIN;
  }
});

test('requireAuth: signed in passes, signed out is redirected to CLERK_SIGN_IN_URL', async () => {
  const ok = await get('/protected', { authorization: `Bearer ${session(prod)}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.userId, 'user_x');
  const out = await get('/protected', {});
  assert.equal(out.status, 302);
  assert.equal(out.headers.location, 'https://accounts.example.com/sign-in');
});

test('pending sessions: signed out by default, kept with treatPendingAsSignedOut: false', async () => {
  const r = await get('/pending', { authorization: `Bearer ${session(prod, { v: 2, sts: 'pending' })}` });
  assert.deepEqual(r.body, { default: null, status: 'pending', kept: 'user_x' });
});

test('getAuth refuses a req.auth set by another library', async () => {
  const r = await get('/foreign', {});
  assert.equal(r.body.code, 'invalid-request');
});

test('a second clerkMiddleware on the same request does not authenticate again', async () => {
  const r = await get('/twice', { authorization: `Bearer ${session(prod)}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.userId, 'user_x');
});

test('a signed-in state with a Location (development handshake resolution) is redirected', async () => {
  const now = Math.floor(Date.now() / 1000);
  const fresh = session(dev);
  const hs = signJwt(keys.privateKey, {
    handshake: [`__session=${fresh}; Path=/; SameSite=Lax`, `__client_uat=${now - 1}; Path=/; Max-Age=315360000`],
    iat: now - 1,
    exp: now + 60,
    nbf: now - 5,
  });
  const r = await get(`/cb/me?a=1&__clerk_handshake=${hs}`, { 'sec-fetch-dest': 'document', accept: 'text/html' }, 'dev.example.com');
  assert.equal(r.status, 307, JSON.stringify(r.body));
  const loc = new URL(r.headers.location);
  assert.equal(loc.searchParams.get('__clerk_handshake'), null);
  assert.equal(loc.searchParams.get('a'), '1');
  assert.ok(r.headers['set-cookie'].some((c) => c.startsWith('__session=')));
  // What the core said: signed in, with a Location.
  const state = await root.authenticateRequest({ method: 'GET', url: `http://dev.example.com/cb/me?a=1&__clerk_handshake=${hs}`, headers: { 'sec-fetch-dest': 'document', accept: 'text/html' } }, { publishableKey: dev.publishableKey, secretKey: dev.secretKey, jwtKey: keys.publicPem });
  assert.equal(state.status, 'signed-in');
  assert.ok(state.headers.get('location'));
});
