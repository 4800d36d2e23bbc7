// Every public conformance vector through the BUILT package's JS API (createClerkClient →
// authenticateRequest with a WHATWG Request), against a real loopback Backend API. The results
// are written as a results file (FORMAT.md) and compared by `clerkauth vectors check`, the one
// implementation of FORMAT.md's rules (the last test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { clerkauthCli, loadVectors, startMockBapi, stateResult, vectorsDir } from './helpers.mjs';

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

/** One vector's results-file line (FORMAT.md), after checking no unlisted Backend API call. */
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
  assert.deepEqual(unlisted, [], `${v.id}: requests not listed in backend_api`);
  return { id: v.id, ...got };
}

const results = [];
for (const v of vectors) {
  test(`vector ${v.id}`, async () => {
    results.push(await run(v));
  });
}

// The same vectors again, started all in one turn of the event loop: the first call is decided
// on this thread, the others are queued and shared between the workers and this thread at the
// end of the turn (a call that needs the Backend API goes back to a worker). Every answer must be
// the one the vector gave alone. Vectors that list no Backend API request, so they can share one
// loopback server state.
test('every vector that needs no Backend API, all in one burst: the same answers as one at a time', async () => {
  const alone = new Map(results.map((r) => [r.id, r]));
  const burst = vectors.filter((v) => !v.backend_api || v.backend_api.length === 0);
  assert.ok(burst.length >= 200, `${burst.length} vectors`);
  bapi.reset([]);
  const answers = await Promise.all(
    burst.map(async (v) => {
      const options = JSON.parse(JSON.stringify(v.options).replaceAll('{{BAPI}}', bapi.url));
      try {
        const client = createClerkClient({ ...options, jwksRetryBaseDelayMs: 5 });
        return { id: v.id, ...stateResult(await client.authenticateRequest(toRequest(v.request), { nowMs: v.now_ms }), v.has_checks || []) };
      } catch (e) {
        return { id: v.id, error: `${e.code}: ${e.message}` };
      }
    }),
  );
  for (const a of answers) assert.deepEqual(a, alone.get(a.id), a.id);
});

test('clerkauth vectors check: every result by the rules of FORMAT.md', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clerkauth-vectors-')), 'results.jsonl');
  fs.writeFileSync(file, results.map((r) => JSON.stringify(r) + '\n').join(''));
  const run = spawnSync(clerkauthCli(), ['vectors', 'check', vectorsDir(), file], { encoding: 'utf8' });
  assert.equal(run.status, 0, `clerkauth vectors check failed:\n${run.stdout}\n${run.stderr}`);
  assert.equal(results.length, vectors.length);
});
