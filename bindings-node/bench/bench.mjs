// clerkauth vs @clerk/backend on the same requests, in one run.
// Scenarios: Bearer (jwtKey), cookie signed-in (jwtKey), JWKS warm (loopback JWKS server).
// Usage: node bench/bench.mjs [seconds-per-measurement, default 2] [--json]
// --json prints one JSON object (the same measurements, machine-readable) instead of the table.
import http from 'node:http';
import os from 'node:os';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from '../test/gen.mjs';

const require = createRequire(import.meta.url);
const clerkauth = require('../index.js');
const reference = require('@clerk/backend');
const refVersion = require('@clerk/backend/package.json').version;

const JSON_OUT = process.argv.includes('--json');
const SECONDS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) || 2);
const results = [];
const log = (line) => {
  if (!JSON_OUT) console.log(line);
};
const keys = makeKeys();
const inst = INSTANCES.prod;
const HOST = 'https://app.example.com';
const N = 64;

function tokens() {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: N }, (_, i) =>
    signJwt(keys.privateKey, { azp: HOST, exp: now + 3600, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid: `sess_${i}`, sub: `user_${i}`, org_id: 'org_1', org_slug: 'one', org_role: 'org:admin', org_permissions: ['org:posts:edit'] }),
  );
}

function bearerRequests() {
  return tokens().map((t) => new Request(`${HOST}/api/data`, { headers: { authorization: `Bearer ${t}`, 'user-agent': 'bench' } }));
}

function cookieRequests() {
  const now = Math.floor(Date.now() / 1000);
  return tokens().map(
    (t) => new Request(`${HOST}/dashboard`, { headers: { cookie: `__session=${t}; __client_uat=${now - 60}; other=1`, 'sec-fetch-dest': 'document', accept: 'text/html', 'user-agent': 'bench' } }),
  );
}

async function measureSeq(fn, reqs) {
  for (let i = 0; i < 200; i++) await fn(reqs[i % reqs.length]); // warm up
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) {
      const s = await fn(reqs[(ops + i) % reqs.length]);
      if (s.status !== 'signed-in') throw new Error(`not signed in: ${s.reason}`);
    }
    ops += 50;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function measureConcurrent(fn, reqs, inflight = 64) {
  await Promise.all(reqs.map(fn));
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < end) {
    const batch = await Promise.all(Array.from({ length: inflight }, (_, i) => fn(reqs[i % reqs.length])));
    for (const s of batch) if (s.status !== 'signed-in') throw new Error(`not signed in: ${s.reason}`);
    ops += inflight;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

function measureSync(fn, reqs) {
  for (let i = 0; i < 200; i++) fn(reqs[i % reqs.length]);
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 100; i++) {
      const s = fn(reqs[(ops + i) % reqs.length]);
      if (s.status !== 'signed-in') throw new Error(`not signed in: ${s.reason}`);
    }
    ops += 100;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function startJwks() {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, hits: () => hits, close: () => server.close() };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

async function scenario(name, reqs, options) {
  const ref = reference.createClerkClient({ ...options, telemetry: { disabled: true } });
  // The verified-token cache (on by default) off: every request pays for its RSA check, as the
  // reference's do.
  const ours = clerkauth.createClerkClient({ ...options, verifiedTokenCacheSize: 0 });
  const refOps = await measureSeq((r) => ref.authenticateRequest(r, { authorizedParties: [HOST] }), reqs);
  const seqOps = await measureSeq((r) => ours.authenticateRequest(r, { authorizedParties: [HOST] }), reqs);
  const conOps = await measureConcurrent((r) => ours.authenticateRequest(r, { authorizedParties: [HOST] }), reqs);
  const refConOps = await measureConcurrent((r) => ref.authenticateRequest(r, { authorizedParties: [HOST] }), reqs);
  const syncOps = measureSync((r) => ours.authenticateRequestSync(r, { authorizedParties: [HOST] }), reqs);
  results.push(
    { scenario: name, mode: 'await each', impl: 'reference', variant: 'await authenticateRequest(req)', ops_per_s: refOps },
    { scenario: name, mode: 'await each', impl: 'clerkauth', variant: 'await authenticateRequest(req)', ops_per_s: seqOps },
    { scenario: name, mode: '64 in flight', impl: 'reference', variant: 'Promise.all of 64', ops_per_s: refConOps },
    { scenario: name, mode: '64 in flight', impl: 'clerkauth', variant: 'Promise.all of 64', ops_per_s: conOps },
    { scenario: name, mode: 'sync', impl: 'clerkauth', variant: 'authenticateRequestSync(req)', ops_per_s: syncOps, baseline_mode: 'await each' },
  );
  log(`| ${name} | ${fmt(refOps)} | ${fmt(refConOps)} | ${fmt(seqOps)} (${(seqOps / refOps).toFixed(1)}x) | ${fmt(conOps)} (${(conOps / refConOps).toFixed(1)}x) | ${fmt(syncOps)} (${(syncOps / refOps).toFixed(1)}x) |`);
}

log(`clerkauth ${clerkauth.version} vs @clerk/backend ${refVersion} — Node ${process.version}, ${os.cpus().length} cpus, ${SECONDS}s per measurement, ops/s (ratio vs reference)`);
log('| scenario | @clerk/backend await-each | @clerk/backend 64 in flight | clerkauth await-each | clerkauth 64 in flight | clerkauth sync |');
log('|---|---|---|---|---|---|');
const base = { secretKey: inst.secretKey, publishableKey: inst.publishableKey };
await scenario('Bearer (jwtKey)', bearerRequests(), { ...base, jwtKey: keys.publicPem });
await scenario('cookie signed-in (jwtKey)', cookieRequests(), { ...base, jwtKey: keys.publicPem });
const jwks = await startJwks();
await scenario('Bearer, JWKS warm (loopback)', bearerRequests(), { ...base, apiUrl: jwks.url });
const jwksHits = jwks.hits();
log(`(JWKS server hits during the JWKS scenario, both libraries together: ${jwks.hits()})`);
jwks.close();
if (JSON_OUT) {
  console.log(
    JSON.stringify({
      language: 'node',
      runtime: `Node ${process.version}`,
      clerkauth: clerkauth.version,
      reference: `@clerk/backend ${refVersion}`,
      cpus: os.cpus().length,
      seconds: SECONDS,
      jwks_hits: jwksHits,
      results,
    }),
  );
}
