// The JS API: errors with stable codes, panics never kill the process, request conversion,
// toAuth()/has()/getToken(), explain traces, JWKS over a loopback server, off-event-loop work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES, rng } from './gen.mjs';
import { holdReplies, startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const clerkauth = require('../index.js');
const { createClerkClient, authenticateRequest, toPlainRequest, ClerkAuthError } = clerkauth;

const keys = makeKeys();
const inst = INSTANCES.prod;
const base = { secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem };
const NOW = 1767225600000;

function token(extra = {}, nowS = NOW / 1000) {
  return signJwt(keys.privateKey, { exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5, sid: 'sess_api', sub: 'user_api', iss: `https://${inst.fapi}`, ...extra });
}

async function rejectsWithCode(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ClerkAuthError, `not a ClerkAuthError: ${e && e.stack}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('configuration errors reject with stable codes', async () => {
  const req = new Request('https://app.example.com/', { headers: { authorization: `Bearer ${token()}` } });
  await rejectsWithCode(authenticateRequest(req, { secretKey: inst.secretKey, jwtKey: keys.publicPem }), 'invalid-publishable-key');
  await rejectsWithCode(authenticateRequest(req, { ...base, publishableKey: 'pk_live_garbage' }), 'invalid-publishable-key');
  await rejectsWithCode(createClerkClient({ ...base, organizationSyncOptions: { organizationPatterns: ['/orgs/:id/***'] } }).authenticateRequest(req), 'invalid-organization-pattern');
  await rejectsWithCode(authenticateRequest(req, { ...base, organizationSyncOptions: { organizationPatterns: ['/o/:id'], onMismatch: 'nope' } }), 'invalid-option');
  await rejectsWithCode(authenticateRequest(req, { ...base, acceptsToken: 'bogus' }), 'invalid-option');
  await rejectsWithCode(authenticateRequest(req, { ...base, nowMs: Number.NaN }), 'invalid-option');
  const circular = { ...base };
  circular.self = circular;
  await rejectsWithCode(authenticateRequest(req, circular), 'invalid-option');
});

async function rejectsNaming(promise, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ClerkAuthError, `not a ClerkAuthError: ${e && e.stack}`);
    assert.equal(e.code, 'invalid-option', e.message);
    assert.equal(e.message, message);
    return true;
  });
}

test('an unknown option name is an invalid-option error naming it, with a suggestion', async () => {
  const req = new Request('https://app.example.com/', { headers: { authorization: `Bearer ${token()}` } });
  const parties = ['https://app.example.com'];
  await rejectsNaming(authenticateRequest(req, { ...base, authorizedParty: parties }), 'Unknown option `authorizedParty` (did you mean `authorizedParties`?)');
  await rejectsNaming(createClerkClient({ ...base, SecretKey: 'sk' }).authenticateRequest(req), 'Unknown option `SecretKey` (did you mean `secretKey`?)');
  await rejectsNaming(authenticateRequest(req, { ...base, frobnicate: true }), 'Unknown option `frobnicate`');
  // An undefined or function value does not hide the name.
  await rejectsNaming(authenticateRequest(req, { ...base, audiance: undefined }), 'Unknown option `audiance` (did you mean `audience`?)');
  await rejectsNaming(authenticateRequest(req, { ...base, onRequest: () => {} }), 'Unknown option `onRequest`');
  await rejectsNaming(
    authenticateRequest(req, { ...base, organizationSyncOptions: { organizationPattern: ['/orgs/:id'] } }),
    'Unknown option `organizationSyncOptions.organizationPattern` (did you mean `organizationSyncOptions.organizationPatterns`?)',
  );
  // Per-call options of a client follow the same rule, sync and async.
  const client = createClerkClient(base);
  await rejectsNaming(client.authenticateRequest(req, { clockSkewInMS: 0 }), 'Unknown option `clockSkewInMS` (did you mean `clockSkewInMs`?)');
  assert.throws(() => client.authenticateRequestSync(req, { issuers: ['x'] }), (e) => e.code === 'invalid-option' && e.message === 'Unknown option `issuers` (did you mean `issuer`?)');
});

test("createClerkClient's options that do not affect authentication are accepted and ignored", async () => {
  const req = new Request('https://app.example.com/', { headers: { authorization: `Bearer ${token()}` } });
  // Values that are not JSON (a client with methods and a cycle) are never serialised.
  const apiClient = { users: { getUser: () => null } };
  apiClient.self = apiClient;
  const client = createClerkClient({
    ...base, telemetry: { disabled: true }, userAgent: 'my-app/1.0', sdkMetadata: { name: 'my-sdk', version: '1.0.0' }, requireSecretKey: false,
  });
  assert.equal((await client.authenticateRequest(req, { nowMs: NOW, apiClient })).status, 'signed-in');
  assert.equal((await authenticateRequest(req, { ...base, nowMs: NOW, telemetry: { disabled: true }, apiClient })).status, 'signed-in');
});

test('unusable requests reject with invalid-request', async () => {
  await rejectsWithCode(authenticateRequest(null, base), 'invalid-request');
  await rejectsWithCode(authenticateRequest('https://x.example/', base), 'invalid-request');
  await rejectsWithCode(authenticateRequest({ url: 42 }, base), 'invalid-request');
  await rejectsWithCode(authenticateRequest({ url: 'https://x.example/', headers: [['a']] }, base), 'invalid-request');
  await rejectsWithCode(authenticateRequest({ url: 'http://[::1', headers: [] }, base), 'invalid-request');
});

test('a panic in native code surfaces as a JS Error and the process lives on', async () => {
  const native = require('../native/native.js');
  // The hook exists only in test builds (bindings-node/ci.sh sets CLERKAUTH_TEST_HOOKS); a
  // release build must not have it.
  if (!process.env.CLERKAUTH_TEST_HOOKS) {
    assert.equal(native.__testPanic, undefined);
    return;
  }
  assert.throws(() => native.__testPanic(), /deliberate test panic/);
  assert.throws(() => native.__testPanic(), /deliberate test panic/);
  const s = await authenticateRequest({ url: 'https://app.example.com/', headers: [['authorization', `Bearer ${token()}`]] }, { ...base, nowMs: NOW });
  assert.equal(s.status, 'signed-in');
});

test('hostile input never crashes and never throws without a code', async () => {
  const r = rng(7);
  const junk = () => Array.from({ length: r.int(0, 60) }, () => String.fromCharCode(r.int(1, 0x2fff))).join('');
  const client = createClerkClient(base);
  for (let i = 0; i < 300; i++) {
    const headers = [
      ['cookie', r.pick([`__session=${junk()}`, `__client_uat=${junk()}; __session=${token()}`, junk()])],
      ['authorization', r.pick([`Bearer ${junk()}`, junk(), `Bearer ${token().slice(0, r.int(0, 400))}`])],
      [r.pick(['sec-fetch-dest', 'x-forwarded-host', 'x-forwarded-proto', 'host', 'referer', 'origin']), junk()],
    ];
    const url = r.pick([`https://app.example.com/${encodeURIComponent(junk())}`, `https://app.example.com/orgs/${encodeURIComponent(junk())}?__clerk_handshake=${encodeURIComponent(junk())}`]);
    try {
      const s = await client.authenticateRequest({ method: r.pick(['GET', 'POST', junk()]), url, headers }, { nowMs: NOW, organizationSyncOptions: { organizationPatterns: ['/orgs/:slug'] } });
      assert.ok(['signed-in', 'signed-out', 'handshake'].includes(s.status));
    } catch (e) {
      assert.ok(e instanceof ClerkAuthError && typeof e.code === 'string', `bad error: ${e && e.stack}`);
    }
  }
});

test('state fields, toAuth(), has(), getToken(), treatPendingAsSignedOut', async () => {
  const t = token({ sts: 'pending', org_id: 'org_1', org_slug: 'one', org_role: 'org:admin', org_permissions: ['org:posts:edit'] });
  const s = await createClerkClient(base).authenticateRequest(new Request('https://app.example.com/api', { headers: { authorization: `Bearer ${t}` } }), { nowMs: NOW });
  for (const k of ['status', 'reason', 'message', 'headers', 'token', 'tokenType', 'isAuthenticated', 'isSignedIn', 'publishableKey', 'proxyUrl', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl', 'toAuth', 'organizationSync']) {
    assert.ok(k in s, `missing ${k}`);
  }
  assert.equal(s.status, 'signed-in');
  assert.equal(s.token, t);
  assert.ok(s.headers instanceof Headers);
  const pending = s.toAuth();
  assert.equal(pending.isAuthenticated, false);
  assert.equal(pending.sessionStatus, 'pending');
  assert.equal(pending.has({ role: 'org:admin' }), false);
  assert.equal(await pending.getToken(), null);
  const full = s.toAuth({ treatPendingAsSignedOut: false });
  assert.equal(full.userId, 'user_api');
  assert.equal(full.has({ role: 'org:admin' }), true);
  assert.equal(full.has({ role: 'admin' }), true);
  assert.equal(full.has({ permission: 'org:posts:edit' }), true);
  assert.equal(full.has({ permission: 'org:posts:delete' }), false);
  assert.equal(full.has({}), false);
  assert.equal(full.has(null), false);
  assert.equal(await full.getToken(), t);
  // getToken({ template }) against a loopback Backend API: session-tokens.test.mjs.
  await assert.rejects(full.getToken({ expiresInSeconds: -1 }), (e) => e.code === 'invalid-option');
  assert.equal(typeof full.debug, 'function');
});

test('explain: true adds a decision trace', async () => {
  const s = await authenticateRequest({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${token()}` } }, { ...base, explain: true, nowMs: NOW });
  assert.ok(Array.isArray(s.trace) && s.trace.length > 0);
  assert.equal(typeof s.trace[0].step, 'string');
  const quiet = await authenticateRequest({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${token()}` } }, { ...base, nowMs: NOW });
  assert.equal(quiet.trace, undefined);
});

test('IncomingMessage conversion: host, socket encryption, raw headers, originalUrl', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    req.originalUrl = req.url.startsWith('/mounted') ? req.url : undefined;
    seen.push(toPlainRequest(req));
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const send = (path, headers) =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path, headers }, (res) => res.resume().on('end', resolve));
      req.end();
    });
  await send('/a?b=1', { host: 'app.example.com:8443', cookie: 'a=1', 'x-forwarded-proto': 'https' });
  await send('/mounted/x', [['Host', 'h.example'], ['Cookie', 'a=1'], ['Cookie', 'b=2']]);
  server.close();
  assert.equal(seen[0].url, 'http://app.example.com:8443/a?b=1');
  assert.equal(seen[0].method, 'GET');
  // The headers sent, in the client's order (Bun's http client adds user-agent/accept and puts host second).
  const sent = seen[0].headers.filter(([k]) => ['host', 'cookie', 'x-forwarded-proto'].includes(k.toLowerCase()));
  assert.deepEqual(sent.sort(([a], [b]) => a.localeCompare(b)), [['cookie', 'a=1'], ['host', 'app.example.com:8443'], ['x-forwarded-proto', 'https']]);
  assert.equal(seen[1].url, 'http://h.example/mounted/x');
  const cookies = seen[1].headers.filter(([k]) => k.toLowerCase() === 'cookie');
  // Node keeps repeated raw headers apart; Bun's http client sends the two Cookie headers as one.
  if (typeof Bun === 'undefined') assert.deepEqual(cookies, [['Cookie', 'a=1'], ['Cookie', 'b=2']]);
  else assert.equal(cookies.map(([, v]) => v).join('; '), 'a=1; b=2');
  // The core applies x-forwarded-* like the reference: the handshake redirect names the public URL.
  const s = await authenticateRequest(
    { method: 'GET', url: 'http://internal:3000/dash', headers: [['host', 'internal:3000'], ['x-forwarded-host', 'app.example.com'], ['x-forwarded-proto', 'https'], ['sec-fetch-dest', 'document'], ['cookie', `__client_uat=${NOW / 1000 - 50}`]] },
    { ...base, nowMs: NOW },
  );
  assert.equal(s.status, 'handshake');
  assert.equal(new URL(s.headers.get('location')).searchParams.get('redirect_url'), 'https://app.example.com/dash');
});

test('ESM entry exposes the same API', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.createClerkClient, clerkauth.createClerkClient);
  assert.equal(esm.default.authenticateRequest, clerkauth.authenticateRequest);
  assert.equal(typeof esm.version, 'string');
});

test('JWKS from a loopback Backend API: fetched once, then warm', async () => {
  const api = await startBackendApi({ 'GET /v1/jwks': { body: { keys: [keys.jwk] } } });
  const client = createClerkClient({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, apiUrl: api.url });
  const nowS = Math.floor(Date.now() / 1000);
  try {
    for (let i = 0; i < 5; i++) {
      const s = await client.authenticateRequest({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${token({}, nowS)}` } });
      assert.equal(s.status, 'signed-in', s.reason);
    }
  } finally {
    await api.close();
  }
  assert.deepEqual(api.calls.map((c) => [c.method, c.target, c.authorization]), [['GET', '/v1/jwks', `Bearer ${inst.secretKey}`]]);
});

test('network work runs off the event loop', async () => {
  // The JWKS server runs on this event loop and holds its reply until the test, also on this
  // loop, has seen the request arrive: the call completes only if the loop kept running.
  const gate = holdReplies();
  const api = await startBackendApi(() => new Promise((resolve) => gate.hold(() => resolve({ body: { keys: [keys.jwk] } }))));
  try {
    const call = authenticateRequest({ url: 'https://app.example.com/', headers: { authorization: `Bearer ${token({}, Math.floor(Date.now() / 1000))}` } }, { secretKey: 'sk_live_slowjwks', publishableKey: inst.publishableKey, apiUrl: api.url });
    await gate.arrived;
    gate.release();
    const s = await call;
    assert.equal(s.status, 'signed-in', s.reason);
  } finally {
    await api.close();
  }
});

// Found by the differential test (DIFF_SEED=2, 95 cases): @clerk/backend's createClerkClient
// binds secretKey, publishableKey, jwtKey, apiUrl, domain … and a per-call value replaces one
// only when truthy; per-call apiUrl/apiVersion are ignored (spec 1.5). clerkauth let `''` wipe
// the client's secret key and followed a per-call apiUrl.
test('createClerkClient: per-call falsy values keep the client options, per-call apiUrl is ignored', async () => {
  const api = await startBackendApi(() => ({ body: { keys: [keys.jwk] } }));
  try {
    const client = createClerkClient({ secretKey: inst.secretKey, publishableKey: inst.publishableKey, apiUrl: api.url, domain: 'sat.example.net' });
    const req = new Request('https://app.example.com/', { headers: { authorization: `Bearer ${token()}` } });
    const s = await client.authenticateRequest(req, { nowMs: NOW, secretKey: '', publishableKey: '', domain: '', jwtKey: undefined, apiUrl: 'http://127.0.0.1:9' });
    assert.equal(s.status, 'signed-in', s.reason);
    assert.equal(s.publishableKey, inst.publishableKey);
    assert.equal(s.domain, 'sat.example.net');
    assert.equal(api.calls.length, 1, "the JWKS came from the client's Backend API");
    // A truthy per-call value still replaces the client's.
    const other = await client.authenticateRequest(req, { nowMs: NOW, domain: 'other.example.net' });
    assert.equal(other.domain, 'other.example.net');
  } finally {
    await api.close();
  }
});
