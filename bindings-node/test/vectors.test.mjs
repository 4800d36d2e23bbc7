// Every public conformance vector through the BUILT package's JS API (createClerkClient →
// authenticateRequest with a WHATWG Request), against a real loopback Backend API, compared
// by the rules of FORMAT.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadVectors, startMockBapi, compareResult, stateResult } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { createClerkClient } = require('../index.js');

const vectors = loadVectors();
let bapi;

before(async () => {
  bapi = await startMockBapi();
});
after(async () => {
  await bapi.close();
});

test('vectors are present', () => {
  assert.ok(vectors.length >= 200, `found ${vectors.length} vectors`);
});

function toRequest(r) {
  try {
    return new Request(r.url, { method: r.method, headers: r.headers });
  } catch {
    // A request undici refuses to build (e.g. an odd method): pass it as plain data.
    return { method: r.method, url: r.url, headers: r.headers };
  }
}

async function run(v) {
  bapi.reset(v.backend_api);
  const options = JSON.parse(JSON.stringify(v.options).replaceAll('{{BAPI}}', bapi.url));
  let got;
  try {
    const client = createClerkClient({ ...options, jwksRetryBaseDelayMs: 5 });
    const state = await client.authenticateRequest(toRequest(v.request), { nowMs: v.now_ms });
    got = stateResult(state, v.has_checks || []);
  } catch (e) {
    if (typeof e.code !== 'string') throw new Error(`error without a code: ${e.stack}`);
    got = { error: `${e.code}: ${e.message}` };
  }
  const unlisted = bapi.seen().filter((s) => !s.matched);
  if (unlisted.length) return `requests not listed in backend_api: ${unlisted.map((s) => `${s.method} ${s.target}`).join(', ')}`;
  return compareResult(got, v.expected);
}

for (const v of vectors) {
  test(`vector ${v.id}`, async () => {
    const diff = await run(v);
    assert.equal(diff, null, `${v.id}: ${diff}`);
  });
}
