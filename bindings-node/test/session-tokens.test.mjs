// getToken({ template, expiresInSeconds }): a new token from the Backend API
// (POST /v1/sessions/{sid}/tokens[/{template}] with the secret key), against a real loopback
// Node http server on the same event loop (so a blocking call could never be answered).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';
import { holdReplies, startBackendApi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { createClerkClient, authenticateRequest, clerkMiddleware, getAuth, ClerkAuthError } = require('../index.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const GOOD_KEY = 'sk_live_' + 'g'.repeat(40);
const NOW = 1767225600000;

function token(extra = {}) {
  const nowS = NOW / 1000;
  return signJwt(keys.privateKey, { exp: nowS + 60, iat: nowS - 1, nbf: nowS - 5, sid: 'sess_tok', sub: 'user_tok', iss: `https://${inst.fapi}`, ...extra });
}

// The Backend API: 401 unless the good key, 404 for the template `missing`, the answer for
// `slow` held by the gate `slow`, else {"object":"token","jwt":"jwt:<target>[|<body>]"}.
let api;
let slow;
let apiUrl;
let seen;
before(async () => {
  api = await startBackendApi((call) => {
    if (call.authorization !== `Bearer ${GOOD_KEY}`) return { status: 401, body: { errors: [{ code: 'authentication_invalid', message: 'Invalid secret key' }] } };
    if (call.method !== 'POST' || !call.target.startsWith('/v1/sessions/')) return { status: 405, body: { errors: [{ code: 'unexpected', message: 'unexpected route' }] } };
    if (call.target.endsWith('/tokens/missing')) return { status: 404, body: { errors: [{ code: 'resource_not_found', message: 'JWT template not found' }] } };
    const answer = { body: { object: 'token', jwt: `jwt:${call.target}${call.body ? '|' + call.body : ''}` } };
    if (call.target.endsWith('/tokens/slow')) return new Promise((resolve) => slow.hold(() => resolve(answer)));
    return answer;
  });
  apiUrl = api.url;
  seen = api.calls;
});
after(() => api.close());

const options = () => ({ secretKey: GOOD_KEY, publishableKey: inst.publishableKey, jwtKey: keys.publicPem, apiUrl });
const request = (t) => new Request('https://app.example.com/api', { headers: { authorization: `Bearer ${t}` } });

async function signedIn(t = token(), runtime = {}) {
  const s = await createClerkClient(options()).authenticateRequest(request(t), { nowMs: NOW, ...runtime });
  assert.equal(s.status, 'signed-in', s.reason);
  seen.length = 0;
  return s;
}

async function rejectsWithCode(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ClerkAuthError, `not a ClerkAuthError: ${e && e.stack}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /sk_live_/, 'the secret key never appears in errors');
    return true;
  });
}

test('getToken({ template }) resolves to the jwt of the Backend API answer', async () => {
  const auth = (await signedIn()).toAuth();
  assert.equal(await auth.getToken({ template: 'supabase' }), 'jwt:/v1/sessions/sess_tok/tokens/supabase');
  assert.equal(seen.length, 1);
  const [r] = seen;
  assert.equal(r.method, 'POST');
  assert.equal(r.target, '/v1/sessions/sess_tok/tokens/supabase');
  assert.equal(r.headers.authorization, `Bearer ${GOOD_KEY}`);
  assert.ok(r.headers['clerk-api-version'], 'Clerk-API-Version sent');
  assert.equal(r.body, '', 'no body without expiresInSeconds');
});

test('getToken() without a template is the session token, with no request', async () => {
  const t = token();
  const auth = (await signedIn(t)).toAuth();
  assert.equal(await auth.getToken(), t);
  assert.equal(await auth.getToken({}), t);
  assert.equal(await auth.getToken({ template: '' }), t, 'an empty template is none (as @clerk/backend)');
  assert.equal(await auth.getToken(null), t);
  assert.equal(seen.length, 0);
});

test('expiresInSeconds is sent as the body, with or without a template', async () => {
  const auth = (await signedIn()).toAuth();
  assert.equal(await auth.getToken({ template: 'tpl', expiresInSeconds: 3600 }), 'jwt:/v1/sessions/sess_tok/tokens/tpl|{"expires_in_seconds":3600}');
  assert.equal(await auth.getToken({ expiresInSeconds: 0 }), 'jwt:/v1/sessions/sess_tok/tokens|{"expires_in_seconds":0}');
  assert.deepEqual(seen.map((r) => JSON.parse(r.body)), [{ expires_in_seconds: 3600 }, { expires_in_seconds: 0 }]);
});

test('hostile template names stay one escaped path segment', async () => {
  const auth = (await signedIn()).toAuth();
  assert.equal(await auth.getToken({ template: '../x' }), 'jwt:/v1/sessions/sess_tok/tokens/..%2Fx');
  assert.equal(await auth.getToken({ template: 'my template' }), 'jwt:/v1/sessions/sess_tok/tokens/my%20template');
  assert.equal(await auth.getToken({ template: '../../users?limit=1#x' }), 'jwt:/v1/sessions/sess_tok/tokens/..%2F..%2Fusers%3Flimit%3D1%23x');
  const hostileSid = (await signedIn(token({ sid: '../users/user_1' }))).toAuth();
  assert.equal(await hostileSid.getToken({ template: 't' }), 'jwt:/v1/sessions/..%2Fusers%2Fuser_1/tokens/t');
  seen.length = 0;
  await rejectsWithCode(auth.getToken({ template: '..' }), 'invalid-request');
  assert.equal(seen.length, 0, 'a dot-segment template is refused without a request');
});

test('an unknown template rejects with the status and the Backend API error', async () => {
  const auth = (await signedIn()).toAuth();
  await rejectsWithCode(auth.getToken({ template: 'missing' }), 'unexpected-error', /404.*JWT template not found/);
});

test('a bad secret key (per-call override, as authenticated) rejects with 401', async () => {
  const auth = (await signedIn(token(), { secretKey: 'sk_live_wrong' })).toAuth();
  await rejectsWithCode(auth.getToken({ template: 'supabase' }), 'unexpected-error', /401.*authentication_invalid/);
  assert.equal(seen[0].headers.authorization, 'Bearer sk_live_wrong', 'the per-call secret key is the one used');
});

test('an unreachable Backend API rejects with unexpected-error', async () => {
  const closed = net.createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address();
  await new Promise((resolve) => closed.close(resolve));
  // The client's Backend API (a per-call apiUrl is ignored, as by @clerk/backend's factory).
  const state = await createClerkClient({ ...options(), apiUrl: `http://127.0.0.1:${port}` }).authenticateRequest(request(token()), { nowMs: NOW });
  const auth = state.toAuth();
  await rejectsWithCode(auth.getToken({ template: 'supabase' }), 'unexpected-error', /unreachable/);
});

test('bad options reject with invalid-option before any request', async () => {
  const auth = (await signedIn()).toAuth();
  await rejectsWithCode(auth.getToken({ template: 5 }), 'invalid-option');
  for (const expiresInSeconds of [-1, 1.5, Number.NaN, Infinity, '60', null]) {
    await rejectsWithCode(auth.getToken({ template: 't', expiresInSeconds }), 'invalid-option');
  }
  assert.equal(seen.length, 0);
});

test('the request runs off the event loop', async () => {
  // The server runs on this event loop and holds the `slow` reply until the test, also on this
  // loop, has seen the request arrive: getToken completes only if the loop kept running.
  const auth = (await signedIn()).toAuth();
  slow = holdReplies();
  const call = auth.getToken({ template: 'slow' });
  await slow.arrived;
  slow.release();
  assert.equal(await call, 'jwt:/v1/sessions/sess_tok/tokens/slow');
});

test('pending sessions: null by default, a token with treatPendingAsSignedOut: false', async () => {
  const s = await signedIn(token({ sts: 'pending' }));
  assert.equal(await s.toAuth().getToken({ template: 'supabase' }), null);
  assert.equal(seen.length, 0);
  assert.equal(await s.toAuth({ treatPendingAsSignedOut: false }).getToken({ template: 'supabase' }), 'jwt:/v1/sessions/sess_tok/tokens/supabase');
});

test('standalone authenticateRequest and the middleware auth object get template tokens too', async () => {
  const s = await authenticateRequest(request(token()), { ...options(), nowMs: NOW });
  assert.equal(await s.toAuth().getToken({ template: 'a' }), 'jwt:/v1/sessions/sess_tok/tokens/a');
  const mw = clerkMiddleware({ ...options(), nowMs: NOW });
  const req = { method: 'GET', url: '/api', headers: { host: 'app.example.com', authorization: `Bearer ${token()}` }, rawHeaders: ['Host', 'app.example.com', 'Authorization', `Bearer ${token()}`], socket: {} };
  const res = { setHeader() {}, getHeader() {}, appendHeader() {}, end() {} };
  await new Promise((resolve, reject) => mw(req, res, (err) => (err ? reject(err) : resolve())));
  assert.equal(await getAuth(req).getToken({ template: 'b' }), 'jwt:/v1/sessions/sess_tok/tokens/b');
  assert.equal(await req.auth.getToken({ template: 'c' }), 'jwt:/v1/sessions/sess_tok/tokens/c');
});
