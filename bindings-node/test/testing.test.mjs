// clerkauth/testing end to end: a DevInstance's keys and tokens authenticate through
// authenticateRequest (networkless with jwtKey, and through its loopback Backend API's JWKS) and
// through the Express adapter; foreign, expired and malformed input stays signed out or throws.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The package's own name: resolves through package.json's `exports` (the subpath users import).
const { DevInstance } = require('clerkauth/testing');
const { authenticateRequest, createClerkClient } = require('clerkauth');
const express = require('express');
const { clerkMiddleware, getAuth } = require('clerkauth/express');

const ORIGIN = 'https://app.example.com';
const dev = new DevInstance({ frontendApi: 'testing-helper-7.clerk.accounts.dev' });
let bapi;

before(async () => {
  bapi = await dev.startBackendApi();
});
after(() => bapi.close());

const bearer = (token) => new Request(`${ORIGIN}/api/me`, { headers: { authorization: `Bearer ${token}` } });
const now = () => Math.floor(Date.now() / 1000);

test('keys: pk_test_ for frontendApi, sk_test_, a PEM jwtKey that is the JWKS key', () => {
  assert.equal(dev.frontendApi, 'testing-helper-7.clerk.accounts.dev');
  assert.match(dev.publishableKey, /^pk_test_/);
  assert.equal(Buffer.from(dev.publishableKey.slice('pk_test_'.length), 'base64').toString(), 'testing-helper-7.clerk.accounts.dev$');
  assert.match(dev.secretKey, /^sk_test_[A-Za-z0-9]{40}$/);
  assert.match(dev.kid, /^ins_/);
  const { keys } = dev.jwks();
  assert.equal(keys.length, 1);
  const pem = crypto.createPublicKey(dev.jwtKey).export({ format: 'jwk' });
  assert.deepEqual({ kid: keys[0].kid, alg: keys[0].alg, use: keys[0].use, kty: keys[0].kty, n: keys[0].n, e: keys[0].e }, { kid: dev.kid, alg: 'RS256', use: 'sig', kty: 'RSA', n: pem.n, e: pem.e });
  assert.ok(Object.isFrozen(dev));
  const other = new DevInstance();
  assert.equal(other.frontendApi, 'demo-app.clerk.accounts.dev');
  assert.notEqual(other.secretKey, dev.secretKey);
  assert.notEqual(other.jwtKey, dev.jwtKey);
});

test('sessionToken: RS256 v2 claims with the given ids, iat, azp and extra claims, verifiable with jwtKey', () => {
  const iat = now();
  const token = dev.sessionToken({ userId: 'user_a', sessionId: 'sess_a', iat, azp: ORIGIN, extra: { plan: 'pro' } });
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  assert.deepEqual(header, { alg: 'RS256', kid: dev.kid, typ: 'JWT' });
  assert.equal(claims.sub, 'user_a');
  assert.equal(claims.sid, 'sess_a');
  assert.equal(claims.iat, iat);
  assert.equal(claims.exp, iat + 60);
  assert.equal(claims.azp, ORIGIN);
  assert.equal(claims.iss, `https://${dev.frontendApi}`);
  assert.equal(claims.v, 2);
  assert.equal(claims.plan, 'pro');
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey(dev.jwtKey), Buffer.from(s, 'base64url')));
});

test('authenticateRequest with jwtKey: signed-in with the token\'s user, session and organization', async () => {
  const token = dev.sessionToken({ userId: 'user_jwt', sessionId: 'sess_jwt', azp: ORIGIN, extra: { o: { id: 'org_acme', slg: 'acme', rol: 'admin' } } });
  const state = await authenticateRequest(bearer(token), { publishableKey: dev.publishableKey, secretKey: dev.secretKey, jwtKey: dev.jwtKey, authorizedParties: [ORIGIN] });
  assert.equal(state.status, 'signed-in');
  const auth = state.toAuth();
  assert.equal(auth.userId, 'user_jwt');
  assert.equal(auth.sessionId, 'sess_jwt');
  assert.equal(auth.orgId, 'org_acme');
  assert.equal(auth.orgRole, 'org:admin');
  assert.equal(auth.tokenType, 'session_token');
});

test('authenticateRequest through the loopback Backend API: the JWKS is fetched with the secret key', async () => {
  const before = bapi.requests.length;
  const clerk = createClerkClient({ publishableKey: dev.publishableKey, secretKey: dev.secretKey, apiUrl: bapi.url });
  const state = await clerk.authenticateRequest(bearer(dev.sessionToken({ userId: 'user_jwks', sessionId: 'sess_jwks' })));
  assert.equal(state.status, 'signed-in', state.message);
  assert.equal(state.toAuth().userId, 'user_jwks');
  assert.deepEqual(bapi.requests.slice(before), [{ method: 'GET', path: '/v1/jwks', authorized: true }]);
});

test('loopback Backend API: 401 clerk_key_invalid without the secret key, 404 elsewhere', async () => {
  const anonymous = await fetch(`${bapi.url}/v1/jwks`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).errors[0].code, 'clerk_key_invalid');
  const other = await fetch(`${bapi.url}/v1/sessions/sess_1/refresh`, { method: 'POST', headers: { authorization: `Bearer ${dev.secretKey}` }, body: '{}' });
  assert.equal(other.status, 404);
  assert.equal((await other.json()).errors[0].code, 'resource_not_found');
  const clerk = createClerkClient({ publishableKey: dev.publishableKey, secretKey: 'sk_test_wrong', apiUrl: bapi.url, jwksRetryBaseDelayMs: 1 });
  const state = await clerk.authenticateRequest(bearer(dev.sessionToken({ userId: 'user_x', sessionId: 'sess_x' })));
  assert.equal(state.status, 'signed-out');
  assert.equal(state.reason, 'secret-key-invalid');
});

test('fail closed: another instance\'s token, an expired token, an unknown kid stay signed out', async () => {
  const opts = { publishableKey: dev.publishableKey, secretKey: dev.secretKey, jwtKey: dev.jwtKey };
  const foreign = new DevInstance({ frontendApi: dev.frontendApi }).sessionToken({ userId: 'user_f', sessionId: 'sess_f' });
  const expired = dev.sessionToken({ userId: 'user_e', sessionId: 'sess_e', iat: now() - 3600 });
  for (const token of [foreign, expired]) {
    const state = await authenticateRequest(bearer(token), opts);
    assert.equal(state.status, 'signed-out');
    assert.equal(state.toAuth().userId, null);
  }
  assert.match((await authenticateRequest(bearer(expired), opts)).reason, /^session-token-expired/);
  const t = now();
  const unknownKid = dev.sign({ sub: 'user_k', sid: 'sess_k', iat: t, nbf: t - 5, exp: t + 60, iss: `https://${dev.frontendApi}`, v: 2 }, { kid: 'ins_unknown' });
  assert.equal(JSON.parse(Buffer.from(unknownKid.split('.')[0], 'base64url').toString()).kid, 'ins_unknown');
  const state = await createClerkClient({ publishableKey: dev.publishableKey, secretKey: dev.secretKey, apiUrl: bapi.url }).authenticateRequest(bearer(unknownKid));
  assert.equal(state.status, 'signed-out');
  assert.equal(state.reason, 'jwk-kid-mismatch');
});

test('sign(): an OAuth access token JWT (typ at+jwt) authenticates as oauth_token', async () => {
  const t = now();
  const token = dev.sign({ sub: 'user_o', client_id: 'client_o', jti: 'oat_o', scp: ['profile'], iat: t, nbf: t - 5, exp: t + 60 }, { typ: 'at+jwt' });
  const state = await authenticateRequest(bearer(token), { publishableKey: dev.publishableKey, secretKey: dev.secretKey, jwtKey: dev.jwtKey, acceptsToken: 'oauth_token' });
  assert.equal(state.status, 'signed-in', state.message);
  assert.equal(state.tokenType, 'oauth_token');
  assert.equal(state.toAuth().userId, 'user_o');
});

test('bad input throws a TypeError', () => {
  assert.throws(() => dev.sessionToken({ sessionId: 'sess_1' }), TypeError);
  assert.throws(() => dev.sessionToken({ userId: 'user_1', sessionId: 'sess_1', iat: 1.5 }), TypeError);
  assert.throws(() => dev.sessionToken({ userId: 'user_1', sessionId: 'sess_1', extra: [1] }), TypeError);
  assert.throws(() => dev.sign('claims'), TypeError);
  assert.throws(() => dev.sign({ sub: 'x' }, null), TypeError);
  assert.throws(() => new DevInstance({ frontendApi: '' }), TypeError);
});

test('the Express adapter with a DevInstance and its loopback Backend API', async () => {
  const app = express();
  app.get('/me', clerkMiddleware({ publishableKey: dev.publishableKey, secretKey: dev.secretKey, apiUrl: bapi.url }), (req, res) => res.json({ userId: getAuth(req).userId }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const get = (headers) =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.address().port, path: '/me', headers: { host: 'app.example.com', ...headers } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      }).on('error', reject);
    });
  try {
    const signedIn = await get({ authorization: `Bearer ${dev.sessionToken({ userId: 'user_express', sessionId: 'sess_express' })}` });
    assert.deepEqual(signedIn, { status: 200, body: { userId: 'user_express' } });
    const anonymous = await get({});
    assert.deepEqual(anonymous, { status: 200, body: { userId: null } });
  } finally {
    await new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    });
  }
});

test('close() stops the loopback Backend API', async () => {
  const api = await dev.startBackendApi();
  assert.equal((await fetch(`${api.url}/v1/jwks`, { headers: { authorization: `Bearer ${dev.secretKey}` } })).status, 200);
  await api.close();
  await assert.rejects(fetch(`${api.url}/v1/jwks`));
});
