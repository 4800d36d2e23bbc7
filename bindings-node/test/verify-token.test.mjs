// verifyToken(token, options) as @clerk/backend's: claims, or a TokenVerificationError with the
// reference's reason; networkless with jwtKey, JWKS from a loopback Backend API with secretKey.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';
import { startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { verifyToken, TokenVerificationError, TokenVerificationErrorReason, ClerkAuthError } = require('../index.js');
const express = require('../express.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const now = Math.floor(Date.now() / 1000);
let jwks;

function token(extra = {}, privateKey = keys.privateKey, header = {}) {
  return signJwt(privateKey, { exp: now + 60, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: 'sess_v', sub: 'user_v', azp: 'https://app.example.com', ...extra }, header);
}

before(async () => {
  // The JWKS to the instance's secret key; anything else is refused (401).
  jwks = await startBackendApi((call) => {
    const ok = call.target === '/v1/jwks' && call.authorization === `Bearer ${inst.secretKey}`;
    return ok ? { body: { keys: [keys.jwk] } } : { status: 401, body: { errors: [{ code: 'clerk_key_invalid', message: 'bad key', long_message: 'bad key' }] } };
  });
});
after(() => jwks.close());

async function reason(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof TokenVerificationError, `a TokenVerificationError, got ${e && e.name}: ${e && e.message}`);
    assert.equal(typeof e.message, 'string');
    return e.reason;
  }
  assert.fail('verifyToken resolved');
}

test('jwtKey: resolves to the claims', async () => {
  const claims = await verifyToken(token({ org_id: 'org_1' }), { jwtKey: keys.publicPem, authorizedParties: ['https://app.example.com'] });
  assert.equal(claims.sub, 'user_v');
  assert.equal(claims.sid, 'sess_v');
  assert.equal(claims.org_id, 'org_1');
  assert.equal(claims.exp, now + 60);
});

test('refusals carry the reference reason (and an action where it has one)', async () => {
  const opts = { jwtKey: keys.publicPem };
  assert.equal(await reason(verifyToken(token({ exp: now - 3600, iat: now - 3700, nbf: now - 3700 }), opts)), TokenVerificationErrorReason.TokenExpired);
  assert.equal(await reason(verifyToken(token({}, keys.otherPrivateKey), opts)), TokenVerificationErrorReason.TokenInvalidSignature);
  assert.equal(await reason(verifyToken(token(), { ...opts, authorizedParties: ['https://other.example.com'] })), TokenVerificationErrorReason.TokenInvalidAuthorizedParties);
  assert.equal(await reason(verifyToken(token({ nbf: now + 3600 }), opts)), TokenVerificationErrorReason.TokenNotActiveYet);
  assert.equal(await reason(verifyToken('not.a.jwt', opts)), TokenVerificationErrorReason.TokenInvalid);
  assert.equal(await reason(verifyToken(undefined, opts)), TokenVerificationErrorReason.TokenInvalid);
  try {
    await verifyToken(token({ exp: now - 3600, iat: now - 3700, nbf: now - 3700 }), opts);
  } catch (e) {
    assert.match(e.getFullMessage(), /reason=token-expired/);
  }
});

test('nowMs is the clock: a token expired now verifies at a time it was valid', async () => {
  const old = token({ exp: now - 3600, iat: now - 3700, nbf: now - 3700 });
  const claims = await verifyToken(old, { jwtKey: keys.publicPem, nowMs: (now - 3650) * 1000 });
  assert.equal(claims.sub, 'user_v');
});

test('secretKey + apiUrl: the JWKS from the loopback Backend API; a bad secret key is secret-key-invalid', async () => {
  const apiUrl = jwks.url;
  const before = jwks.calls.length;
  const claims = await verifyToken(token(), { secretKey: inst.secretKey, apiUrl, jwksRetryBaseDelayMs: 1 });
  assert.equal(claims.sub, 'user_v');
  assert.ok(jwks.calls.length > before, 'the JWKS was fetched');
  assert.equal(await reason(verifyToken(token({}, keys.privateKey, { kid: 'ins_unknown' }), { secretKey: inst.secretKey, apiUrl, jwksRetryBaseDelayMs: 1 })), TokenVerificationErrorReason.JWKKidMismatch);
  const bad = await reason(verifyToken(token(), { secretKey: 'sk_live_' + 'z'.repeat(40), apiUrl, jwksRetryBaseDelayMs: 1 }));
  assert.equal(bad, TokenVerificationErrorReason.InvalidSecretKey);
});

test('no key at all: jwk-failed-to-resolve, with the reference action', async () => {
  try {
    await verifyToken(token(), {});
    assert.fail('verifyToken resolved');
  } catch (e) {
    assert.ok(e instanceof TokenVerificationError);
    assert.equal(e.reason, TokenVerificationErrorReason.JWKFailedToResolve);
    assert.equal(e.action, 'Set the CLERK_JWT_KEY environment variable.');
  }
});

test('configuration errors are ClerkAuthErrors; the adapters re-export verifyToken', async () => {
  await assert.rejects(verifyToken(token(), { jwtKey: keys.publicPem, authorizedParty: ['x'] }), (e) => e instanceof ClerkAuthError && e.code === 'invalid-option');
  await assert.rejects(verifyToken(token(), null), (e) => e instanceof ClerkAuthError);
  assert.equal(express.verifyToken, verifyToken);
});
