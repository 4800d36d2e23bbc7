// WebSocket upgrades: a real http server's 'upgrade' event, raw upgrade requests over TCP,
// organization-from-URL rules applied by createUpgradeAuthenticator / authenticateUpgrade.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const { createUpgradeAuthenticator, authenticateUpgrade, rejectUpgrade } = require('../index.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const base = { secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem };
const orgSync = { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'], personalAccountPatterns: ['/me', '/me/(.*)'] };
let server;
let port;

function token(org) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { exp: now + 60, iat: now - 1, nbf: now - 5, sid: 'sess_ws1', sub: 'user_ws1', iss: `https://${inst.fapi}` };
  if (org) Object.assign(claims, { org_id: org.id, org_slug: org.slug, org_role: 'org:member', org_permissions: [] });
  return signJwt(keys.privateKey, claims);
}

before(async () => {
  const strict = createUpgradeAuthenticator({ ...base, organizationSyncOptions: orgSync });
  const lenient = createUpgradeAuthenticator({ ...base, organizationSyncOptions: { ...orgSync, onMismatch: 'keep-active' } });
  server = http.createServer((req, res) => res.end('no'));
  server.on('upgrade', async (req, socket) => {
    socket.on('error', () => {});
    let state;
    try {
      const mode = new URL(req.url, 'http://x').searchParams.get('mode');
      state = mode === 'lenient'
        ? await lenient(req)
        : mode === 'oneshot'
          ? await authenticateUpgrade(req, { ...base, organizationSyncOptions: orgSync })
          : await strict(req);
    } catch (e) {
      socket.end(`HTTP/1.1 500 Error\r\nx-error: ${e.code}\r\n\r\n`);
      return;
    }
    if (!state.isAuthenticated) {
      rejectUpgrade(socket, state, 401);
      return;
    }
    const auth = state.toAuth();
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n' +
        `x-user: ${auth.userId}\r\nx-org: ${auth.orgId ?? '-'}\r\nx-sync: ${state.organizationSync ? state.organizationSync.outcome : '-'}\r\n\r\n`,
    );
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => server.close(r)));

function upgrade(path, cookie) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => {
      const [head] = data.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers });
    });
    sock.on('error', reject);
    const now = Math.floor(Date.now() / 1000);
    sock.write(
      `GET ${path} HTTP/1.1\r\nHost: app.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-Fetch-Dest: websocket\r\nOrigin: https://app.example.com\r\n' +
        (cookie ? `Cookie: __session=${cookie}; __client_uat=${now - 30}\r\n` : '') +
        '\r\n',
    );
  });
}

const ALPHA = { id: 'org_alpha', slug: 'alpha' };

test('socket for the active organization is accepted', async () => {
  const r = await upgrade('/orgs/alpha/ws', token(ALPHA));
  assert.equal(r.status, 101);
  assert.equal(r.headers['x-user'], 'user_ws1');
  assert.equal(r.headers['x-org'], 'org_alpha');
  assert.equal(r.headers['x-sync'], 'active');
});

test('socket for another organization is refused (onMismatch defaults to signed-out)', async () => {
  const r = await upgrade('/orgs/beta/ws', token(ALPHA));
  assert.equal(r.status, 401);
  assert.equal(r.headers['x-clerk-auth-status'], 'signed-out');
  assert.ok(r.headers['x-clerk-auth-reason'], 'a reason header');
});

test('one-shot authenticateUpgrade applies the same rules', async () => {
  assert.equal((await upgrade('/orgs/beta/ws?mode=oneshot', token(ALPHA))).status, 401);
  const r = await upgrade('/orgs/alpha/ws?mode=oneshot', token(ALPHA));
  assert.equal(r.status, 101);
  assert.equal(r.headers['x-org'], 'org_alpha');
});

test('explicit onMismatch keep-active keeps the session\'s organization', async () => {
  const r = await upgrade('/orgs/beta?mode=lenient', token(ALPHA));
  assert.equal(r.status, 101);
  assert.equal(r.headers['x-org'], 'org_alpha');
});

test('no credentials: refused', async () => {
  const r = await upgrade('/orgs/alpha/ws', null);
  assert.equal(r.status, 401);
  assert.equal(r.headers['x-clerk-auth-status'], 'signed-out');
});

test('paths outside the patterns: plain session rules', async () => {
  const r = await upgrade('/chat', token(null));
  assert.equal(r.status, 101);
  assert.equal(r.headers['x-org'], '-');
  assert.equal(r.headers['x-sync'], '-');
});
