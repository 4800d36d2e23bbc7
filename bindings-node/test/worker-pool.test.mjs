// Backend API calls never occupy libuv's thread pool: the 4 threads that fs, dns and crypto
// share stay free while authenticateRequest calls wait on a Backend API that never answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';
import { startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { createClerkClient } = require('../index.js');

const BURST = 64;

// The safety-net timeout only stops a broken build from hanging CI: with the calls on libuv's
// pool, only 4 requests ever reach the server, so the wait below would never end.
test('64 calls waiting on a hanging Backend API do not delay fs.readFile', { timeout: 60_000 }, async (t) => {
  // Accepts every request and never answers (its own event loop stays free: node:http).
  let allReceived;
  const everyone = new Promise((resolve) => (allReceived = resolve));
  const api = await startBackendApi((call) => {
    if (api.calls.length === BURST) allReceived();
    return new Promise(() => {});
  });
  const apiUrl = api.url;

  const keys = makeKeys();
  const inst = INSTANCES.prod;
  const nowS = Math.floor(Date.now() / 1000);
  const jwt = signJwt(keys.privateKey, { exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5, sid: 'sess_pool', sub: 'user_pool', iss: `https://${inst.fapi}` });
  // One instance per call (its own secret key, its own cold JWKS cache, no jwtKey): each call
  // makes its own JWKS request, so 64 calls block in the network at once.
  let settled = 0;
  const burst = Array.from({ length: BURST }, (_, i) =>
    createClerkClient({ secretKey: `sk_live_hanging_${i}`, publishableKey: inst.publishableKey, apiUrl, jwksRetryBaseDelayMs: 1 })
      .authenticateRequest({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${jwt}` } })
      .finally(() => settled++),
  );
  await everyone;

  // The bound is the issue's: a readFile (open, fstat, read, close on the libuv pool) is not
  // delayed by more than 50 ms while the burst is pending; it takes well under 1 ms when free.
  const t0 = performance.now();
  await readFile(new URL(import.meta.url));
  const readFileMs = performance.now() - t0;
  assert.equal(settled, 0, 'the burst was still pending while readFile ran');

  // Release the calls: the listener closes first, so the JWKS retries are refused at once
  // instead of waiting for the transport's timeouts.
  const closed = api.close();
  const states = await Promise.all(burst);
  await closed;
  for (const s of states) {
    assert.equal(s.status, 'signed-out');
    assert.equal(s.reason, 'backend-api-unreachable', s.message);
  }
  assert.ok(readFileMs < 50, `fs.readFile took ${readFileMs.toFixed(1)} ms while ${BURST} calls waited on the Backend API`);
  t.diagnostic(`fs.readFile under the burst: ${readFileMs.toFixed(2)} ms`);
});

// The same hang reached through a burst's shared queue: the first call of the turn is decided
// on this thread (jwtKey), so the others are queued; the event-loop thread and the worker tasks
// that drain the queue never wait on the network themselves (those calls go to their own pool
// jobs), so a later burst of networkless calls is still decided while the hanging ones wait.
test('a burst whose queued calls hang on the Backend API does not hold up later bursts', { timeout: 60_000 }, async () => {
  let allReceived;
  const everyone = new Promise((resolve) => (allReceived = resolve));
  const HANGING = 16;
  const api = await startBackendApi(() => {
    if (api.calls.length === HANGING) allReceived();
    return new Promise(() => {});
  });
  const keys = makeKeys();
  const inst = INSTANCES.prod;
  const nowS = Math.floor(Date.now() / 1000);
  const jwt = (i) => signJwt(keys.privateKey, { exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5, sid: `sess_${i}`, sub: `user_${i}`, iss: `https://${inst.fapi}` });
  const local = createClerkClient({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem });
  const request = (i) => ({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${jwt(i)}` } });

  let settled = 0;
  const first = local.authenticateRequest(request(0));
  const hanging = Array.from({ length: HANGING }, (_, i) =>
    createClerkClient({ secretKey: `sk_live_hanging_burst_${i}`, publishableKey: inst.publishableKey, apiUrl: api.url, jwksRetryBaseDelayMs: 1 })
      .authenticateRequest(request(100 + i))
      .finally(() => settled++),
  );
  await everyone;
  assert.equal((await first).toAuth().userId, 'user_0');

  // While every hanging call waits on the network, a new burst of networkless calls (one
  // decided here, the others through the shared queue) is decided.
  const later = await Promise.all(Array.from({ length: 8 }, (_, i) => local.authenticateRequest(request(200 + i))));
  assert.deepEqual(later.map((s) => s.toAuth().userId), Array.from({ length: 8 }, (_, i) => `user_${200 + i}`));
  assert.equal(settled, 0, 'the hanging calls were still pending');

  const closed = api.close();
  const states = await Promise.all(hanging);
  await closed;
  for (const s of states) assert.equal(s.reason, 'backend-api-unreachable', s.message);
});
