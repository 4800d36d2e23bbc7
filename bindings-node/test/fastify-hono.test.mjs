// clerkauth/fastify and clerkauth/hono beyond the shared app cases: Fastify's hookName and
// encapsulation, Hono's Set-Cookie on a redirect, and getAuth without the middleware.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const Fastify = require('fastify');
const { Hono } = require('hono');
const fastifyAdapter = require('../fastify.js');
const honoAdapter = require('../hono.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const options = { secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem };

function session(ageS = 0) {
  const now = Math.floor(Date.now() / 1000) - ageS;
  return signJwt(keys.privateKey, { exp: now + 60, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: 'sess_fh', sub: 'user_fh' });
}

test('fastify: hookName onRequest authenticates before the route; an unknown hookName fails registration', async () => {
  const app = Fastify();
  await app.register(fastifyAdapter.clerkPlugin, { ...options, hookName: 'onRequest' });
  app.get('/', async (request) => ({ userId: fastifyAdapter.getAuth(request).userId }));
  const r = await app.inject({ url: '/', headers: { host: 'app.example.com', authorization: `Bearer ${session()}` } });
  assert.deepEqual(r.json(), { userId: 'user_fh' });
  await app.close();

  const bad = Fastify();
  bad.register(fastifyAdapter.clerkPlugin, { ...options, hookName: 'onSend' });
  await assert.rejects(bad.ready(), (e) => e.code === 'invalid-option');
});

test('fastify: the plugin covers the registering scope; getAuth outside it throws', async () => {
  const app = Fastify();
  await app.register(async (scope) => {
    await scope.register(fastifyAdapter.clerkPlugin, options);
    scope.get('/in', async (request) => ({ userId: fastifyAdapter.getAuth(request).userId }));
  });
  app.get('/out', async (request) => {
    try {
      fastifyAdapter.getAuth(request);
      return { error: 'no error' };
    } catch (e) {
      return { code: e.code };
    }
  });
  const headers = { host: 'app.example.com', authorization: `Bearer ${session()}` };
  assert.deepEqual((await app.inject({ url: '/in', headers })).json(), { userId: 'user_fh' });
  assert.deepEqual((await app.inject({ url: '/out', headers })).json(), { code: 'invalid-request' });
  await app.close();
});

test('hono: the handshake redirect keeps every header of the state; getAuth without the middleware throws', async () => {
  const app = new Hono();
  app.use('/p/*', honoAdapter.clerkMiddleware(options));
  app.get('/p/me', (c) => c.json({ userId: honoAdapter.getAuth(c).userId }));
  app.get('/bare', (c) => {
    try {
      honoAdapter.getAuth(c);
      return c.json({ error: 'no error' });
    } catch (e) {
      return c.json({ code: e.code });
    }
  });
  const now = Math.floor(Date.now() / 1000);
  const r = await app.request('http://app.example.com/p/me', { headers: { cookie: `__session=${session(3600)}; __client_uat=${now - 4000}`, 'sec-fetch-dest': 'document', accept: 'text/html' } });
  assert.equal(r.status, 307);
  const state = await require('../index.js').authenticateRequest(new Request('http://app.example.com/p/me', { headers: { cookie: `__session=${session(3600)}; __client_uat=${now - 4000}`, 'sec-fetch-dest': 'document', accept: 'text/html' } }), options);
  assert.equal(state.status, 'handshake');
  for (const [k] of state.headers) assert.ok(r.headers.get(k), `header ${k} on the redirect`);
  assert.equal(r.headers.getSetCookie().length, state.headers.getSetCookie().length);
  assert.deepEqual(await (await app.request('http://app.example.com/bare')).json(), { code: 'invalid-request' });
});
