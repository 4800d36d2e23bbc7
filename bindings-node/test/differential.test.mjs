// LIVE differential test: @clerk/backend (pinned devDependency) and clerkauth on the same
// freshly generated requests, clock pinned, networkless (jwtKey). Asserts identical status,
// reason, isAuthenticated, tokenType, headers (FORMAT.md rules), toAuth() JSON and has().
// Seed: DIFF_SEED (random by default, printed); count: DIFF_COUNT (default 400).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { rng, makeKeys, randomCase } from './gen.mjs';
import { compareResult, stateResult, authJson, jsonEqual } from './helpers.mjs';

const ECHO = ['token', 'isSignedIn', 'publishableKey', 'proxyUrl', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl'];

/** stateResult plus the echoed fields and toAuth({ treatPendingAsSignedOut: false }). */
function fullResult(state, hasChecks) {
  const out = stateResult(state, hasChecks);
  out.echo = Object.fromEntries(ECHO.map((k) => [k, state[k]]));
  out.authKeepPending = authJson(state.toAuth({ treatPendingAsSignedOut: false }));
  return out;
}

function compareFull(got, want) {
  const d = compareResult(got, want);
  if (d || want.error !== undefined) return d;
  for (const k of ECHO) if (!jsonEqual(got.echo[k], want.echo[k])) return `${k}: got ${JSON.stringify(got.echo[k])} expected ${JSON.stringify(want.echo[k])}`;
  if (!jsonEqual(got.authKeepPending, want.authKeepPending)) return `toAuth({treatPendingAsSignedOut:false}): got ${JSON.stringify(got.authKeepPending)} expected ${JSON.stringify(want.authKeepPending)}`;
  return null;
}

const require = createRequire(import.meta.url);
const clerkauth = require('../index.js');
const reference = require('@clerk/backend');

const seed = Number(process.env.DIFF_SEED || Math.floor(Math.random() * 2 ** 31));
const count = Number(process.env.DIFF_COUNT || 400);

async function runReference(c) {
  const realNow = Date.now;
  const quiet = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  Date.now = () => c.nowMs;
  console.log = console.warn = console.error = console.info = () => {};
  try {
    const client = reference.createClerkClient({ secretKey: c.options.secretKey, publishableKey: c.options.publishableKey, jwtKey: c.options.jwtKey, telemetry: { disabled: true } });
    const state = await client.authenticateRequest(new Request(c.request.url, { method: c.request.method, headers: c.request.headers }), c.options);
    return fullResult(state, c.hasChecks);
  } catch (e) {
    return { error: String(e && e.message) };
  } finally {
    Date.now = realNow;
    Object.assign(console, quiet);
  }
}

async function runClerkauth(c, client, asPlainObject) {
  try {
    // Alternate between a WHATWG Request and a plain {method, url, headers} object.
    const request = asPlainObject ? c.request : new Request(c.request.url, { method: c.request.method, headers: c.request.headers });
    const state = await client.authenticateRequest(request, { ...c.options, nowMs: c.nowMs });
    return fullResult(state, c.hasChecks);
  } catch (e) {
    if (typeof e.code !== 'string') return { error: `NO CODE: ${e.stack}` };
    return { error: `${e.code}: ${e.message}` };
  }
}

test(`differential vs @clerk/backend ${require('@clerk/backend/package.json').version} (seed ${seed}, ${count} requests)`, async () => {
  const r = rng(seed);
  const keys = makeKeys();
  const nowMs = 1767225600000 + r.int(0, 86400) * 1000;
  const clients = new Map();
  const failures = [];
  const tally = {};
  for (let i = 0; i < count; i++) {
    const c = randomCase(r, keys, nowMs + i * 1000);
    const instKey = c.options.publishableKey;
    if (!clients.has(instKey)) clients.set(instKey, clerkauth.createClerkClient({ secretKey: c.options.secretKey, publishableKey: c.options.publishableKey, jwtKey: c.options.jwtKey }));
    const want = await runReference(c);
    const got = await runClerkauth(c, clients.get(instKey), i % 2 === 1);
    const outcome = want.error !== undefined ? 'error' : `${want.status}/${want.reason}`;
    tally[outcome] = (tally[outcome] || 0) + 1;
    const diff = compareFull(got, want);
    if (diff) {
      failures.push(`#${i} ${c.about}\n  difference: ${diff}\n  request: ${JSON.stringify(c.request)}\n  options: ${JSON.stringify({ ...c.options, jwtKey: '<pem>' })}\n  nowMs: ${c.nowMs}\n  reference: ${JSON.stringify({ ...want, auth: undefined, authKeepPending: undefined })}\n  clerkauth: ${JSON.stringify({ ...got, auth: undefined, authKeepPending: undefined })}`);
    }
  }
  console.log(`# differential seed=${seed} requests=${count} outcomes: ${Object.entries(tally).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  assert.equal(failures.length, 0, `${failures.length} of ${count} requests differ (DIFF_SEED=${seed}):\n${failures.slice(0, 10).join('\n')}`);
});
