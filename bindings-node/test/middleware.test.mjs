// clerkMiddleware on a real Node http server, exercised with real HTTP requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const { clerkMiddleware, getAuth, createClerkClient } = require('../index.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const HOST = 'app.example.com';
let server;
let port;

function session(extra = {}, ageS = 0) {
  const now = Math.floor(Date.now() / 1000) - ageS;
  return signJwt(keys.privateKey, { azp: `http://${HOST}`, exp: now + 60, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: 'sess_mw1', sub: 'user_mw1', ...extra });
}

function chain(...mws) {
  return (req, res) => {
    let i = 0;
    const next = (err) => {
      if (err) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: err.code || 'no-code', message: err.message }));
        return;
      }
      const mw = mws[i++];
      mw(req, res, next);
    };
    next();
  };
}

before(async () => {
  const mw = clerkMiddleware({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem });
  const broken = clerkMiddleware({ secretKey: inst.secretKey, jwtKey: keys.publicPem });
  const handler = (req, res) => {
    const a = getAuth(req);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ userId: a.userId, viaProp: req.auth.userId, viaCall: req.auth().userId, status: req.clerkRequestState.status, reason: req.clerkRequestState.reason, has: a.has({ role: 'org:admin' }) }));
  };
  const ok = chain(mw, handler);
  const bad = chain(broken, handler);
  server = http.createServer((req, res) => (req.url.startsWith('/broken') ? bad(req, res) : ok(req, res)));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => server.close(r)));

function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: HOST, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, headers: res.headers, raw: res.rawHeaders, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('Bearer token: req.auth (callable and fields) and getAuth(req)', async () => {
  const r = await get('/api/data', { authorization: `Bearer ${session({ org_id: 'org_1', org_role: 'org:admin', org_slug: 'one' })}` });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { userId: 'user_mw1', viaProp: 'user_mw1', viaCall: 'user_mw1', status: 'signed-in', reason: null, has: true });
});

test('session cookie: signed in', async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await get('/dashboard', { cookie: `__session=${session()}; __client_uat=${now - 10}`, 'sec-fetch-dest': 'document' });
  assert.equal(r.status, 200);
  assert.equal(r.body.userId, 'user_mw1');
});

test('signed out: debug headers appended, handler still runs', async () => {
  const r = await get('/api/data', { authorization: `Bearer ${session({}, 3600)}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'signed-out');
  assert.equal(r.body.userId, null);
  assert.equal(r.headers['x-clerk-auth-status'], 'signed-out');
  assert.equal(r.headers['x-clerk-auth-reason'], r.body.reason);
});

test('expired cookie on a document request: 307 handshake redirect with headers', async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await get('/dashboard?x=1', { cookie: `__session=${session({}, 3600)}; __client_uat=${now - 4000}`, 'sec-fetch-dest': 'document', accept: 'text/html' });
  assert.equal(r.status, 307);
  const loc = new URL(r.headers.location);
  assert.equal(loc.host, inst.fapi);
  assert.equal(loc.pathname, '/v1/client/handshake');
  assert.equal(new URL(loc.searchParams.get('redirect_url')).href, `http://${HOST}/dashboard?x=1`);
  assert.equal(r.headers['x-clerk-auth-status'], 'handshake');
});

test('handshake token: every Set-Cookie is preserved on the response', async () => {
  const now = Math.floor(Date.now() / 1000);
  const fresh = session();
  const hs = signJwt(keys.privateKey, {
    handshake: [`__session=${fresh}; Path=/; SameSite=Lax`, `__client_uat=${now - 1}; Path=/; Max-Age=315360000`, '__clerk_db_jwt=; Path=/; Max-Age=0'],
    iat: now - 1,
    exp: now + 60,
    nbf: now - 5,
  });
  const r = await get(`/dashboard?__clerk_handshake=${hs}`, { 'sec-fetch-dest': 'document', accept: 'text/html' });
  const setCookies = [];
  for (let i = 0; i < r.raw.length; i += 2) if (r.raw[i].toLowerCase() === 'set-cookie') setCookies.push(r.raw[i + 1]);
  assert.ok(setCookies.length >= 3, `set-cookie headers: ${JSON.stringify(setCookies)}`);
  assert.ok(setCookies.some((c) => c.startsWith('__session=')));
  assert.ok(setCookies.some((c) => c.startsWith('__client_uat=')));
  if (r.status === 307) assert.ok(!r.headers.location.includes('__clerk_handshake'));
});

test('configuration error goes to next(err) with a stable code', async () => {
  const r = await get('/broken', { authorization: `Bearer ${session()}` });
  assert.equal(r.status, 500);
  assert.equal(r.body.error, 'invalid-publishable-key');
});

test('middleware accepts an existing clerkClient', async () => {
  const client = createClerkClient({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem });
  const mw = clerkMiddleware({ clerkClient: client, authorizedParties: ['https://other.example.com'] });
  const req = new http.IncomingMessage(null);
  req.method = 'GET';
  req.url = '/x';
  req.headers = { host: HOST, authorization: `Bearer ${session()}` };
  req.rawHeaders = ['Host', HOST, 'Authorization', `Bearer ${session()}`];
  const res = new http.ServerResponse(req);
  await new Promise((resolve, reject) => mw(req, res, (err) => (err ? reject(err) : resolve())));
  assert.equal(req.clerkRequestState.reason, 'token-invalid-authorized-parties');
  assert.equal(req.auth.isAuthenticated, false);
});
