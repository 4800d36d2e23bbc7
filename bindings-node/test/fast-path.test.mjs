// Where authenticateRequest runs: a call that needs no Backend API is decided on the calling
// thread (its Promise is settled when returned), a call that needs one goes to a worker, a burst
// shares the work with the workers, and every path gives the same state. Headers cross to the
// native layer NUL-joined; a header holding a NUL is sent as a list, never split into headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { DevInstance } = require('clerkauth/testing');
const { authenticateRequest, createClerkClient } = require('clerkauth');

const ORIGIN = 'https://app.example.com';
const dev = new DevInstance({ frontendApi: 'fast-path-3.clerk.accounts.dev' });
let bapi;
before(async () => {
  bapi = await dev.startBackendApi();
});
after(() => bapi.close());

const PENDING = Symbol('pending');
/** Whether a Promise is already settled (what a call decided on the calling thread returns). */
const settled = async (p) => (await Promise.race([p, Promise.resolve(PENDING)])) !== PENDING;
const bearer = (token, path = '/api') => new Request(`${ORIGIN}${path}`, { headers: { authorization: `Bearer ${token}` } });
const keys = { publishableKey: dev.publishableKey, secretKey: dev.secretKey };

/** What a host reads of a state, for comparing two paths. */
function view(s) {
  const auth = s.toAuth();
  return { status: s.status, reason: s.reason, message: s.message, tokenType: s.tokenType, headers: [...s.headers], token: s.token, auth: auth && { userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId } };
}

test('jwtKey: decided on the calling thread, the same state as the blocking path', async () => {
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const token = dev.sessionToken({ userId: 'user_fast', sessionId: 'sess_fast', azp: ORIGIN });
  for (const req of [bearer(token), bearer('garbage'), new Request(`${ORIGIN}/`)]) {
    const p = client.authenticateRequest(req);
    assert.ok(await settled(p), 'no hop to a worker');
    assert.deepEqual(view(await p), view(client.authenticateRequestSync(req)));
  }
  assert.equal((await client.authenticateRequest(bearer(token))).toAuth().userId, 'user_fast');
});

test('awaiting call after call decided on the calling thread still lets the event loop turn (states are freed)', async () => {
  // A state's native memory is freed by a finalizer Node runs from the event loop; a loop of
  // awaits on Promises settled at once would never reach it (microtasks only): 2 GB in seconds.
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const req = bearer(dev.sessionToken({ userId: 'user_loop', sessionId: 'sess_loop', azp: ORIGIN }));
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const calls = 20000;
  for (let i = 0; i < calls; i++) assert.equal((await client.authenticateRequest(req)).status, 'signed-in');
  counting = false;
  assert.ok(turns >= 3, `the event loop turned ${turns} times during ${calls} awaited calls`);
  // A loop that yields itself resets the count: its calls are settled at once again.
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 100; i++) assert.ok(await settled(client.authenticateRequest(req)));
});

test('JWKS: the first call goes to a worker (fetch), later ones are decided on the calling thread', async () => {
  const client = createClerkClient({ ...keys, apiUrl: bapi.url });
  const token = dev.sessionToken({ userId: 'user_jwks', sessionId: 'sess_jwks', azp: ORIGIN });
  const first = client.authenticateRequest(bearer(token));
  assert.equal(await settled(first), false, 'needs the JWKS');
  const a = await first;
  assert.equal(a.status, 'signed-in');
  const second = client.authenticateRequest(bearer(token));
  assert.ok(await settled(second), 'warm JWKS');
  assert.deepEqual(view(await second), view(a));
  // Standalone authenticateRequest with the same instance options: one cached authenticator.
  const standalone = { ...keys, apiUrl: bapi.url };
  await authenticateRequest(bearer(token), standalone);
  assert.ok(await settled(authenticateRequest(bearer(token), { ...standalone })), 'the same cached authenticator, found by its values');
});

test('a burst of calls in one turn is shared with the workers, with the same answers', async () => {
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const tokens = Array.from({ length: 64 }, (_, i) => dev.sessionToken({ userId: `user_${i}`, sessionId: `sess_${i}`, azp: ORIGIN }));
  // Where each call ran depends on thread timing (a test process shares the machine with
  // others), so the split is looked for over a few bursts; every burst's answers are checked.
  const seen = { queued: false, here: false };
  for (let round = 0; round < 5 && !(seen.queued && seen.here); round++) {
    const promises = tokens.map((t) => client.authenticateRequest(bearer(t)));
    const inline = await Promise.all(promises.map(settled));
    seen.queued ||= inline.includes(false);
    // Calls made while the workers had a backlog (a call is queued in a few microseconds, a
    // worker verifies one in tens): decided on this thread, settled when returned.
    seen.here ||= inline.slice(1).includes(true);
    const states = await Promise.all(promises);
    states.forEach((s, i) => assert.deepEqual(view(s), view(client.authenticateRequestSync(bearer(tokens[i])))));
    assert.deepEqual(states.map((s) => s.toAuth().userId), tokens.map((_, i) => `user_${i}`));
  }
  assert.ok(seen.queued, 'some calls were queued for the workers');
  assert.ok(seen.here, 'some calls of a burst were decided on this thread');
});

test('a burst mixing calls that need the Backend API with calls that do not: each gets its own answer', async () => {
  const local = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const cold = createClerkClient({ ...keys, apiUrl: bapi.url });
  const token = (i) => dev.sessionToken({ userId: `user_mix_${i}`, sessionId: `sess_mix_${i}`, azp: ORIGIN });
  // The first call is decided here; the others are queued. This thread takes queued calls at the
  // end of the turn and gives the cold-JWKS ones (they need the network) back to the workers.
  const promises = Array.from({ length: 24 }, (_, i) => (i % 3 === 1 ? cold : local).authenticateRequest(bearer(token(i))));
  promises.push(local.authenticateRequest(bearer('garbage')));
  const states = await Promise.all(promises);
  states.slice(0, 24).forEach((s, i) => {
    assert.equal(s.status, 'signed-in', `${i}: ${s.reason} ${s.message}`);
    assert.equal(s.toAuth().userId, `user_mix_${i}`);
  });
  assert.equal(states[24].status, 'signed-out');
  assert.deepEqual(view(states[24]), view(local.authenticateRequestSync(bearer('garbage'))));
});

test('a header holding a NUL is one header, never split into others', async () => {
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const token = dev.sessionToken({ userId: 'user_nul', sessionId: 'sess_nul', azp: ORIGIN });
  const smuggled = { method: 'GET', url: `${ORIGIN}/api`, headers: { 'x-note': `a\0authorization\0Bearer ${token}` } };
  const s = await client.authenticateRequest(smuggled);
  assert.notEqual(s.status, 'signed-in');
  assert.equal(client.authenticateRequestSync(smuggled).status, s.status);
  const plain = { method: 'GET', url: `${ORIGIN}/api`, headers: { 'x-note': 'a\0b', authorization: `Bearer ${token}` } };
  assert.equal((await client.authenticateRequest(plain)).toAuth().userId, 'user_nul');
});

test('state: fields read lazily are the full state; JSON.stringify lists them all', async () => {
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const token = dev.sessionToken({ userId: 'user_json', sessionId: 'sess_json', azp: ORIGIN });
  const s = await client.authenticateRequest(bearer(token));
  const j = JSON.parse(JSON.stringify(s));
  assert.equal(j.status, 'signed-in');
  assert.equal(j.token, token);
  assert.equal(j.publishableKey, dev.publishableKey);
  assert.deepEqual(j.headers, [...s.headers]);
  assert.equal(s.headers, s.headers, 'built once');
  assert.equal(s.toAuth(), s.toAuth(), 'the default auth object is built once');
  const out = await client.authenticateRequest(new Request(`${ORIGIN}/api`));
  assert.equal(out.status, 'signed-out');
  assert.equal(typeof out.reason, 'string');
  assert.equal(out.tokenType, 'session_token');
});

test('a request state lives natively until its object is collected; a value that is not a live state is an error', async () => {
  const native = require('../lib/native.js');
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const req = bearer(dev.sessionToken({ userId: 'user_gc', sessionId: 'sess_gc', azp: ORIGIN }));
  const collect = async () => {
    for (let i = 0; i < 4; i++) {
      if (globalThis.Bun) globalThis.Bun.gc(true);
      else {
        require('node:v8').setFlagsFromString('--expose-gc');
        require('node:vm').runInNewContext('gc')();
      }
      // Finalizers run from the event loop.
      await new Promise((r) => setImmediate(r));
    }
  };
  await collect();
  const before = native.liveStates();
  let states = Array.from({ length: 2000 }, () => client.authenticateRequestSync(req));
  assert.ok(native.liveStates() >= before + 2000, `${native.liveStates()} live, ${before} before`);
  assert.equal(states[1999].toAuth().userId, 'user_gc', 'a state is read from its own slot');
  states = null;
  await collect();
  assert.ok(native.liveStates() < before + 100, `${native.liveStates()} live after collection, ${before} before`);
  for (const notAState of [{}, 1, 'sess', null, undefined, [], () => {}]) {
    assert.throws(() => native.stateSummary(notAState), /request state|External|expected/i, String(notAState));
  }
  // A state still read after many others were freed is its own (slots are reused, never shared).
  const kept = await client.authenticateRequest(req);
  for (let round = 0; round < 3; round++) {
    Array.from({ length: 500 }, () => client.authenticateRequestSync(bearer('garbage')));
    await collect();
  }
  assert.equal(kept.toAuth().sessionId, 'sess_gc');
});

test('headers are read whole whatever their length and characters (the native side reads strings in one pass)', async () => {
  const client = createClerkClient({ ...keys, jwtKey: dev.jwtKey });
  const token = dev.sessionToken({ userId: 'user_long', sessionId: 'sess_long', azp: ORIGIN });
  // A first header whose UTF-8 length puts the end of the NUL-joined headers at and around the
  // native scratch buffer's size (16 kB), ending in 2-, 3- and 4-byte characters, then the
  // Authorization header: cut short anywhere, the request would lose its token.
  const sizes = [];
  for (let n = 16300; n <= 16400; n++) sizes.push(n);
  sizes.push(40000, 300000);
  for (const tail of ['é', '€', '😀']) {
    for (const n of sizes) {
      const pad = 'a'.repeat(n - Buffer.byteLength(tail)) + tail;
      const req = { method: 'GET', url: `${ORIGIN}/api`, headers: [['x-pad', pad], ['authorization', `Bearer ${token}`]] };
      const s = client.authenticateRequestSync(req);
      assert.equal(s.status, 'signed-in', `pad ${n} bytes ending in ${tail}: ${s.reason}`);
    }
  }
  const s = await client.authenticateRequest({ method: 'GET', url: `${ORIGIN}/api`, headers: [['x-pad', '😀'.repeat(50000)], ['authorization', `Bearer ${token}`]] });
  assert.equal(s.toAuth().userId, 'user_long');
  // A lone surrogate is read as U+FFFD, as before; the request still authenticates.
  assert.equal(client.authenticateRequestSync({ method: 'GET', url: `${ORIGIN}/api`, headers: [['x-odd', 'a\ud800b'], ['authorization', `Bearer ${token}`]] }).status, 'signed-in');
});
