// LIVE differential test: @clerk/backend (pinned devDependency) and clerkauth on the same
// freshly generated cases (gen.mjs: options, token kinds and claims, request shapes), clock
// pinned, both pointed at one loopback Backend API (JWKS, machine-token verification, session
// refresh, handshake nonces) that answers them identically. Asserts identical status, reason,
// isAuthenticated, tokenType, headers (FORMAT.md rules), the echoed fields, toAuth() with
// treatPendingAsSignedOut true and false, has() for several checks on both, and the Backend
// API calls made for the request (machine-token verification, refresh, handshake payload).
//
// DIFF_SEED: the seed (random by default, printed). DIFF_COUNT: cases (default 2000).
// DIFF_ONLY=3,17: run only these case indices of the seed (the others are still generated, so
// the indices name the same cases). Each failure prints the line that reproduces it. The RSA
// keys are new on every run; a case's structure, and so its outcome, comes from the seed alone.
//
// Where clerkauth differs on purpose (README, "Deliberate differences from the reference"), the
// case is checked against clerkauth's documented behaviour instead (DELIBERATE, referenceCall).
//
// The reference never reaches the network: every apiUrl is the loopback server, and fetch is
// wrapped (before @clerk/backend is loaded, since it binds fetch at load time) so that any
// other destination is refused and fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { rng, makeKeys, randomCase, jwksAnswer, BAD_MACHINE_KEY, decodeForReport, nonStringEntries } from './gen.mjs';
import { compareResult, stateResult, authJson, jsonEqual, startDiffBapi } from './helpers.mjs';

const require = createRequire(import.meta.url);
const clerkauth = require('../index.js');

const seed = Number(process.env.DIFF_SEED || Math.floor(Math.random() * 2 ** 31));
const count = Number(process.env.DIFF_COUNT || 2000);
const only = process.env.DIFF_ONLY ? new Set(process.env.DIFF_ONLY.split(',').map(Number)) : null;

const ECHO = ['token', 'isSignedIn', 'publishableKey', 'proxyUrl', 'isSatellite', 'domain', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl'];

let keys;
let bapi;
let reference;
const offNetwork = [];

before(async () => {
  keys = makeKeys();
  bapi = await startDiffBapi({ jwksAnswer: (bearer) => jwksAnswer(keys, bearer), badMachineKey: BAD_MACHINE_KEY });
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.host !== bapi.host) {
      offNetwork.push(url.href);
      return Promise.reject(new TypeError(`differential test: refused a request off the loopback Backend API: ${url.href}`));
    }
    return realFetch(input, init);
  };
  reference = require('@clerk/backend');
});

after(async () => {
  await bapi.close();
});

/** stateResult plus the echoed fields and toAuth({ treatPendingAsSignedOut: false }) with its has(). */
function fullResult(state, hasChecks) {
  const out = stateResult(state, hasChecks);
  out.echo = Object.fromEntries(ECHO.map((k) => [k, state[k]]));
  const keep = state.toAuth({ treatPendingAsSignedOut: false });
  out.authKeepPending = authJson(keep);
  out.hasKeepPending = keep ? hasChecks.map((c) => keep.has(c)) : null;
  return out;
}

function compareFull(got, want) {
  const d = compareResult(got, want);
  if (d || want.error !== undefined) return d;
  for (const k of ECHO) if (!jsonEqual(got.echo[k], want.echo[k])) return `${k}: got ${JSON.stringify(got.echo[k])} expected ${JSON.stringify(want.echo[k])}`;
  if (!jsonEqual(got.authKeepPending, want.authKeepPending)) return `toAuth({treatPendingAsSignedOut:false}): got ${JSON.stringify(got.authKeepPending)} expected ${JSON.stringify(want.authKeepPending)}`;
  if (!jsonEqual(got.hasKeepPending, want.hasKeepPending)) return `has() on toAuth({treatPendingAsSignedOut:false}): got ${JSON.stringify(got.hasKeepPending)} expected ${JSON.stringify(want.hasKeepPending)}`;
  return null;
}

/**
 * Case classes where clerkauth differs on purpose (README, "Deliberate differences from the
 * reference"): each is checked against clerkauth's documented behaviour instead of the
 * reference's. `applies(c, want)` picks the class; `check(got, want)` returns null or what is wrong.
 */
const DELIBERATE = [
  {
    name: 'non-string audience/issuer entries',
    // README: "`audience`/`issuer` entries that are not strings … are an `invalid-option` error"
    // (the reference keeps them as entries that never match).
    applies: (c) => [c.options, c.instance].some((o) => nonStringEntries(o.audience) || nonStringEntries(o.issuer)),
    check: (got) => (got.error && got.error.startsWith('invalid-option:') ? null : 'expected an invalid-option error'),
  },
  {
    name: 'option of another type',
    // README: "Options of another type than the documented one are `invalid-option` errors,
    // where the reference runs with them" (a string authorizedParties, isSatellite: "false", …).
    applies: (c) => c.wrongType !== null,
    check: (got, want) => (got.error && (got.error.startsWith('invalid-option:') || want.error !== undefined) ? null : 'expected an invalid-option error'),
  },
  {
    name: 'non-string machine JWT scopes claim',
    // README: "An M2M JWT whose `scopes` claim, or an OAuth JWT whose `scope` claim (without
    // `scp`), is present but not a string is signed-out `unexpected-error`" (the reference's
    // `scopes?.split(" ")` throws a TypeError out of authenticateRequest).
    applies: (c, want) => want.error !== undefined && /\.split is not a function/.test(want.error),
    check: (got) => (got.status === 'signed-out' && got.reason === 'unexpected-error' && ['m2m_token', 'oauth_token'].includes(got.tokenType) ? null : 'expected signed-out unexpected-error'),
  },
];

const toRequest = (r) => new Request(r.url, { method: r.method, headers: r.headers });

/** The options @clerk/backend's createClerkClient keeps (spec 1.5); it drops any other. */
const FACTORY_KEYS = ['secretKey', 'machineSecretKey', 'jwtKey', 'apiUrl', 'apiVersion', 'proxyUrl', 'publishableKey', 'isSatellite', 'domain', 'audience'];

/**
 * The reference's createClerkClient drops every option but FACTORY_KEYS, while clerkauth's keeps
 * them as defaults for every call (README, deliberate differences: "Node `createClerkClient(options)`:
 * every option given to the client is a default for each call"). So the reference gets those
 * per call, under the call's own options, which is what clerkauth documents them to mean; the
 * ten FACTORY_KEYS go to both clients alike and are merged alike.
 */
function referenceCall(c) {
  const client = Object.fromEntries(Object.entries(c.instance).filter(([k]) => FACTORY_KEYS.includes(k)));
  const defaults = Object.fromEntries(Object.entries(c.instance).filter(([k]) => !FACTORY_KEYS.includes(k)));
  return { client, options: { ...defaults, ...c.options } };
}

async function runReference(c) {
  const realNow = Date.now;
  const quiet = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  Date.now = () => c.nowMs;
  console.log = console.warn = console.error = console.info = () => {};
  try {
    const call = referenceCall(c);
    const client = reference.createClerkClient({ ...call.client, telemetry: { disabled: true } });
    const state = await client.authenticateRequest(toRequest(c.request), call.options);
    return fullResult(state, c.hasChecks);
  } catch (e) {
    return { error: String(e && e.message) };
  } finally {
    Date.now = realNow;
    Object.assign(console, quiet);
  }
}

const clients = new Map();

async function runClerkauth(c, asPlainObject) {
  const key = JSON.stringify(c.instance);
  if (!clients.has(key)) clients.set(key, clerkauth.createClerkClient({ ...c.instance, jwksRetryBaseDelayMs: 5 }));
  try {
    // Alternate between a WHATWG Request and a plain {method, url, headers} object.
    const request = asPlainObject ? c.request : toRequest(c.request);
    const state = await clients.get(key).authenticateRequest(request, { ...c.options, nowMs: c.nowMs });
    return fullResult(state, c.hasChecks);
  } catch (e) {
    if (typeof e.code !== 'string') return { error: `NO CODE: ${e.stack}` };
    return { error: `${e.code}: ${e.message}` };
  }
}

/**
 * The Backend API calls that are made once per request (machine-token verification, refresh,
 * handshake payload; not the cached JWKS), as comparable text: method, path, query pairs,
 * the Bearer key, the API version header and the JSON body.
 */
function perRequestCalls(calls) {
  return calls
    .filter((x) => !x.target.startsWith('/v1/jwks'))
    .map((x) => {
      const u = new URL(x.target, 'http://bapi');
      const query = [...u.searchParams.entries()].sort();
      return JSON.stringify([x.method, u.pathname, query, x.authorization, x.apiVersion, sortKeys(x.body)]);
    })
    .sort();
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

function compareCalls(refCalls, ourCalls) {
  const a = perRequestCalls(refCalls);
  const b = perRequestCalls(ourCalls);
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  return `Backend API calls differ:\n    reference ${a.join('\n              ')}\n    clerkauth ${b.join('\n              ')}`;
}

const brief = (res) => JSON.stringify({ ...res, echo: undefined, auth: undefined, authKeepPending: undefined });

function report(i, c, diff, want, got, refCalls, ourCalls) {
  const decoded = decodeForReport(c.token);
  return [
    `#${i} ${c.about}`,
    `  reproduce: DIFF_SEED=${seed} DIFF_ONLY=${i} node --test test/differential.test.mjs`,
    `  difference: ${diff}`,
    `  request: ${JSON.stringify(c.request)}`,
    `  instance: ${JSON.stringify({ ...c.instance, jwtKey: c.instance.jwtKey ? '<pem>' : undefined })}`,
    `  options: ${JSON.stringify(c.options)}`,
    `  nowMs: ${c.nowMs}`,
    decoded ? `  token: ${JSON.stringify(decoded)}` : `  token: ${JSON.stringify(c.token)}`,
    `  backend api answers: ${JSON.stringify(c.bapi).slice(0, 1500)}`,
    `  backend api calls: reference ${JSON.stringify(refCalls.map((x) => `${x.method} ${x.target.split('?')[0]} ${x.status}`))} clerkauth ${JSON.stringify(ourCalls.map((x) => `${x.method} ${x.target.split('?')[0]} ${x.status}`))}`,
    `  reference: ${brief(want)}`,
    `  clerkauth: ${brief(got)}`,
    `  reference auth: ${JSON.stringify(want.auth)} / keep pending: ${JSON.stringify(want.authKeepPending)}`,
    `  clerkauth auth: ${JSON.stringify(got.auth)} / keep pending: ${JSON.stringify(got.authKeepPending)}`,
  ].join('\n');
}

test(`differential vs @clerk/backend ${require('@clerk/backend/package.json').version} (seed ${seed}, ${count} cases)`, async () => {
  const r = rng(seed);
  const nowMs = 1767225600000 + r.int(0, 86400) * 1000;
  const failures = [];
  const [tally, kinds, calls] = [{}, {}, {}];
  const add = (o, k) => (o[k] = (o[k] || 0) + 1);
  let ran = 0;
  for (let i = 0; i < count; i++) {
    const c = randomCase(r, keys, nowMs + i * 1000, bapi.url);
    if (only && !only.has(i)) continue;
    ran++;
    bapi.answer(c.bapi);
    bapi.takeCalls();
    const want = await runReference(c);
    const refCalls = bapi.takeCalls();
    const got = await runClerkauth(c, i % 2 === 1);
    const ourCalls = bapi.takeCalls();
    add(tally, want.error !== undefined ? 'error' : `${want.status}/${want.reason}`);
    add(kinds, c.about.split(' ')[2]);
    for (const x of refCalls) add(calls, `${x.method} ${x.target.split('?')[0].replace(/sess_[a-z0-9]+/, ':sid')} ${x.status}`);
    const unknown = [...refCalls, ...ourCalls].filter((x) => !x.known);
    const deliberate = DELIBERATE.find((d) => d.applies(c, want));
    if (deliberate) add(tally, `deliberate: ${deliberate.name}`);
    const wrong = deliberate && deliberate.check(got, want);
    const compared = deliberate ? wrong && `${wrong} (README deliberate difference: ${deliberate.name}), got ${brief(got)}` : compareFull(got, want);
    const diff = compared || (deliberate ? null : compareCalls(refCalls, ourCalls)) || (unknown.length ? `unexpected Backend API calls: ${unknown.map((x) => `${x.method} ${x.target}`).join(', ')}` : null);
    if (diff) failures.push({ line: `#${i} ${diff.slice(0, 200)} | ${c.about}`, full: report(i, c, diff, want, got, refCalls, ourCalls) });
  }
  const list = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`# differential seed=${seed} cases=${ran}${only ? ` (DIFF_ONLY of ${count})` : ''}\n# credentials: ${list(kinds)}\n# reference outcomes: ${list(tally)}\n# reference's Backend API calls: ${list(calls)}`);
  assert.deepEqual(offNetwork, [], `@clerk/backend tried to reach the network: ${offNetwork.join(', ')}`);
  const summary = failures.map((f) => f.line).join('\n');
  const details = failures.slice(0, 10).map((f) => f.full).join('\n');
  assert.equal(failures.length, 0, `${failures.length} of ${ran} cases differ (DIFF_SEED=${seed}; rerun one with DIFF_ONLY=<index>):\n${summary}\n\nthe first ${Math.min(10, failures.length)} in full:\n${details}`);
});
