// Hostile Host headers never change the path the core sees. An IncomingMessage's URL is its
// request target parsed against the Host (as the reference's `new URL(path, base)`); a Host that
// is not host[:port] is an invalid-request error (clerkMiddleware: status 400), never a URL
// whose path organization patterns would miss or match for another organization.
// Raw requests over TCP, so the bytes of the Host header are exactly the test's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const { clerkMiddleware, authenticateRequest, toPlainRequest, ClerkAuthError } = require('../index.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const base = { secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem };
const orgSync = { organizationPatterns: ['/orgs/:slug'], onMismatch: 'signed-out' };
const now = Math.floor(Date.now() / 1000);
const acmeToken = signJwt(keys.privateKey, { exp: now + 60, iat: now - 1, nbf: now - 5, sid: 'sess_h', sub: 'user_h', iss: `https://${inst.fapi}`, org_id: 'org_acme', org_slug: 'acme', org_role: 'org:admin', org_permissions: [] });

// Each is a Host that, glued to "/orgs/acme", would give another path, a query, a fragment or
// credentials, or is no authority at all.
const HOSTILE_HOSTS = [
  'app.example.com#',
  'app.example.com#/orgs/other',
  'app.example.com?',
  'app.example.com/orgs/other?',
  'app.example.com\\',
  'app.example.com\\orgs\\other?',
  'app.example.com/',
  'user@app.example.com',
  'app.example.com@evil.example',
  'app example.com',
  'app.example.com:65536',
  'app.example.com:99999',
  'app.example.com:-1',
  'app.example.com:',
  '[::1',
  'bücher.example',
  'app.example.com,evil.example',
];
// With a valid Host, an X-Forwarded-Host never changes the path: the core takes the origin
// from it only when it is an origin, as the reference does, and keeps the target's path.
const HOSTILE_FORWARDED = ['evil.example#', 'evil.example#/orgs/other', 'evil.example?', 'evil.example/orgs/other', 'evil.example\\orgs\\other', 'u@evil.example', 'evil example', '', 'evil.example:99999', 'bücher.example', 'app.example.com/orgs/other, evil.example'];

let server;
let port;

before(async () => {
  const mw = clerkMiddleware({ ...base, organizationSyncOptions: orgSync });
  server = http.createServer((req, res) =>
    mw(req, res, (err) => {
      res.setHeader('content-type', 'application/json');
      if (err) {
        res.statusCode = err.status || 500;
        res.end(JSON.stringify({ code: err.code }));
        return;
      }
      const s = req.clerkRequestState;
      res.end(JSON.stringify({ status: s.status, reason: s.reason, orgSync: s.organizationSync, url: toPlainRequest(req).url }));
    }),
  );
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => server.close(r)));

/** One raw HTTP/1.1 request; `head` holds the header lines (UTF-8 on the wire). */
function send(target, head) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    // Complete once Content-Length bytes of body arrived (or at the end of the connection):
    // Bun's node:http keeps a Connection: close connection open after the response.
    const finish = (atEnd) => {
      const buf = Buffer.concat(chunks);
      const sep = buf.indexOf('\r\n\r\n');
      if (done || sep < 0) return;
      const headPart = buf.subarray(0, sep).toString();
      const length = /\r\ncontent-length: *(\d+)/i.exec(headPart);
      const body = buf.subarray(sep + 4);
      if (!atEnd && (!length || body.length < Number(length[1]))) return;
      done = true;
      sock.destroy();
      const text = body.toString();
      resolve({ status: Number(headPart.split(' ')[1]), body: text ? JSON.parse(text) : null });
    };
    sock.on('data', (d) => {
      chunks.push(d);
      finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('error', reject);
    // A session cookie on a non-document request: signed in, no handshake.
    const cookie = `Cookie: __session=${acmeToken}; __client_uat=${now - 10}\r\nSec-Fetch-Dest: empty`;
    // write, not end: the server drops a half-closed connection's pending response.
    sock.write(Buffer.from(`GET ${target} HTTP/1.1\r\n${head.join('\r\n')}\r\n${cookie}\r\nConnection: close\r\n\r\n`));
  });
}

test('a valid Host: the target is the path organization patterns match', async () => {
  for (const host of ['app.example.com', 'APP.example.com:8443', '127.0.0.1:3000', '[::1]:3000']) {
    const r = await send('/orgs/acme?tab=1', [`Host: ${host}`]);
    assert.equal(r.status, 200, host);
    assert.equal(r.body.status, 'signed-in', host);
    assert.deepEqual(r.body.orgSync.target, { type: 'organization', organizationSlug: 'acme' }, host);
    assert.equal(new URL(r.body.url).pathname, '/orgs/acme', host);
  }
  // Targets stay paths: no scheme-relative host, dot segments resolved as new URL does.
  const r = await send('//evil.example/orgs/acme', ['Host: app.example.com']);
  assert.equal(r.body.url, 'http://app.example.com//evil.example/orgs/acme');
  const dots = await send('/orgs/other/../acme', ['Host: app.example.com']);
  assert.equal(dots.body.url, 'http://app.example.com/orgs/acme');
  assert.equal(dots.body.orgSync.outcome, 'active');
});

test('a Host that is not host[:port] is a 400 from clerkMiddleware, never another path', async () => {
  for (const host of HOSTILE_HOSTS) {
    const r = await send('/orgs/acme', [`Host: ${host}`]);
    assert.equal(r.status, 400, `Host: ${host} -> ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, { code: 'invalid-request' }, host);
  }
});

test('an empty Host falls back to localhost with the path intact', async () => {
  const r = await send('/orgs/acme', ['Host: ']);
  assert.equal(r.body.url, 'http://localhost/orgs/acme');
  assert.equal(r.body.status, 'signed-in');
  assert.equal(r.body.orgSync.outcome, 'active');
});

test('hostile X-Forwarded-Host values never move the path', async () => {
  for (const fwd of HOSTILE_FORWARDED) {
    const r = await send('/orgs/acme', ['Host: app.example.com', `X-Forwarded-Host: ${fwd}`]);
    assert.equal(r.status, 200, fwd);
    assert.equal(r.body.status, 'signed-in', `${fwd}: ${r.body.reason}`);
    assert.deepEqual(r.body.orgSync, { target: { type: 'organization', organizationSlug: 'acme' }, outcome: 'active', activeOrgId: 'org_acme' }, fwd);
  }
});

test('plain objects and toPlainRequest apply the same rule', async () => {
  for (const host of HOSTILE_HOSTS) {
    await assert.rejects(authenticateRequest({ url: '/orgs/acme', headers: { host } }, base), (e) => e instanceof ClerkAuthError && e.code === 'invalid-request', host);
  }
  const headers = { host: 'app.example.com', cookie: `__session=${acmeToken}; __client_uat=${now - 10}`, 'sec-fetch-dest': 'empty' };
  const s = await authenticateRequest({ url: 'orgs/acme', headers }, { ...base, organizationSyncOptions: orgSync });
  assert.equal(s.organizationSync.outcome, 'active');
  const fake = { method: 'GET', url: '/orgs/acme', rawHeaders: ['Host', 'app.example.com#'], headers: { host: 'app.example.com#' }, socket: {} };
  assert.throws(() => toPlainRequest(fake), (e) => e instanceof ClerkAuthError && e.code === 'invalid-request' && /Host header/.test(e.message));
});
