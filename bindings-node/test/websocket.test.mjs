// clerkauth/websocket with a real `ws` server and client on loopback: the session token as a
// Sec-WebSocket-Protocol entry (never echoed), the opt-in query parameter, organization rules,
// in-band re-authentication, and the close when authorization lapses (the state's validUntil).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { makeKeys, signJwt, INSTANCES } from './gen.mjs';

const require = createRequire(import.meta.url);
const { WebSocket, WebSocketServer } = require('ws');
const { createWebSocketAuthenticator, rejectUpgrade, POLICY_VIOLATION } = require('../websocket.js');

const keys = makeKeys();
const inst = INSTANCES.prod;
const base = { secretKey: inst.secretKey, publishableKey: inst.publishableKey, jwtKey: keys.publicPem };
const HOST = 'app.example.com';
let server;
let port;
const seenUrls = [];

function token({ sub = 'user_ws', sid = 'sess_ws', org = null, expS = 60 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { exp: now + expS, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid, sub };
  if (org) Object.assign(claims, { org_id: org.id, org_slug: org.slug, org_role: 'org:member', org_permissions: [] });
  return signJwt(keys.privateKey, claims);
}

before(async () => {
  const orgSync = { organizationPatterns: ['/orgs/:slug/ws'] };
  const byProtocol = createWebSocketAuthenticator({ ...base, organizationSyncOptions: orgSync });
  const byQuery = createWebSocketAuthenticator({ ...base, queryParam: 'token', protocolPrefix: null });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: byProtocol.handleProtocols });
  server = http.createServer((req, res) => res.end('no'));
  server.on('upgrade', async (req, socket, head) => {
    socket.on('error', () => {});
    const sockets = req.url.startsWith('/q') ? byQuery : byProtocol;
    let result;
    try {
      result = await sockets.authenticate(req);
    } catch {
      rejectUpgrade(socket, null, 500);
      return;
    }
    seenUrls.push(result.request.url);
    if (!result.state.isAuthenticated) {
      rejectUpgrade(socket, result.state, 401);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const watch = sockets.watch(ws, result);
      const auth = result.state.toAuth();
      ws.send(JSON.stringify({ hello: auth.userId, org: auth.orgId ?? null, source: result.tokenSource }));
      ws.on('message', async (data) => {
        const msg = JSON.parse(String(data));
        if (msg.type === 'token') {
          const lapsed = await watch.reauthenticate(msg.token);
          if (!lapsed) ws.send(JSON.stringify({ reauthenticated: true, validUntil: watch.state.validUntil }));
        }
      });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }));

/** Opens a client socket: { ws, protocol, next(), closed } once open, or { status } when refused. */
function connect(path, protocols) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers: { host: HOST, origin: `https://${HOST}` } });
    const messages = [];
    let waiting = null;
    let closedAs = null;
    // A socket closed before the awaited message arrives answers `next()` with `{ closed }`
    // rather than leaving the test waiting forever.
    const closed = new Promise((r) =>
      ws.on('close', (code, reason) => {
        closedAs = { code, reason: String(reason) };
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ closed: closedAs });
        }
        r(closedAs);
      }),
    );
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(m);
      } else messages.push(m);
    });
    const next = () => (messages.length ? Promise.resolve(messages.shift()) : closedAs ? Promise.resolve({ closed: closedAs }) : new Promise((r) => (waiting = r)));
    ws.on('open', () => resolve({ ws, protocol: ws.protocol, next, closed }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, headers: res.headers });
      res.resume();
    });
    ws.on('error', (e) => resolve({ error: e.message }));
  });
}

test('token as a subprotocol: accepted, the app protocol answered, the token never echoed', async () => {
  const c = await connect('/chat', ['chat.v1', `clerk.session.${token()}`]);
  assert.equal(c.protocol, 'chat.v1');
  assert.deepEqual(await c.next(), { hello: 'user_ws', org: null, source: 'protocol' });
  c.ws.close();
  await c.closed;
});

test('no token, an expired one, or a token in the query without opting in: 401', async () => {
  const none = await connect('/chat', ['chat.v1']);
  assert.equal(none.status, 401);
  assert.equal(none.headers['x-clerk-auth-status'], 'signed-out');
  assert.equal((await connect('/chat', ['chat.v1', `clerk.session.${token({ expS: -3600 })}`])).status, 401);
  assert.equal((await connect(`/chat?token=${token()}`, ['chat.v1'])).status, 401);
});

test('opt-in query parameter: accepted, and removed from the URL the core authenticates', async () => {
  const t = token();
  const c = await connect(`/q/chat?room=1&token=${t}`);
  assert.deepEqual(await c.next(), { hello: 'user_ws', org: null, source: 'query' });
  const u = new URL(seenUrls.at(-1));
  assert.equal(u.searchParams.get('token'), null);
  assert.equal(u.searchParams.get('room'), '1');
  // With the protocol prefix disabled, a protocol token is not read.
  assert.equal((await connect('/q/chat', ['chat.v1', `clerk.session.${t}`])).status, 401);
  c.ws.close();
  await c.closed;
});

test('organization from the URL: the active one is accepted, another is refused', async () => {
  const alpha = { id: 'org_alpha', slug: 'alpha' };
  const ok = await connect('/orgs/alpha/ws', ['chat.v1', `clerk.session.${token({ org: alpha })}`]);
  assert.deepEqual(await ok.next(), { hello: 'user_ws', org: 'org_alpha', source: 'protocol' });
  ok.ws.close();
  assert.equal((await connect('/orgs/beta/ws', ['chat.v1', `clerk.session.${token({ org: alpha })}`])).status, 401);
});

test('in-band re-authentication: same session continues (validUntil moves); another user, session or organization closes', async () => {
  for (const [fresh, reason] of [
    [{ sub: 'user_other' }, 'user-changed'],
    [{ sid: 'sess_other' }, 'session-changed'],
    [{ org: { id: 'org_x', slug: 'x' } }, 'organization-changed'],
    [{ expS: -3600 }, 'signed-out'],
  ]) {
    const c = await connect('/chat', ['chat.v1', `clerk.session.${token({ expS: 30 })}`]);
    await c.next();
    c.ws.send(JSON.stringify({ type: 'token', token: token({ expS: 120 }) }));
    const ok = await c.next();
    assert.equal(ok.reauthenticated, true);
    assert.ok(ok.validUntil > Date.now() + 60_000, 'the deadline moved to the fresh token');
    c.ws.send(JSON.stringify({ type: 'token', token: token(fresh) }));
    const closed = await c.closed;
    assert.equal(closed.code, POLICY_VIOLATION);
    assert.match(closed.reason, new RegExp(reason));
  }
});

test('the socket is closed when its authorization lapses (token exp)', async () => {
  // The token may already be past its exp (within the clock skew) when the socket is accepted
  // on a loaded machine: then the server closes it before its greeting. Either way it closes.
  const c = await connect('/chat', ['chat.v1', `clerk.session.${token({ expS: 1 })}`]);
  const closed = await c.closed;
  assert.equal(closed.code, POLICY_VIOLATION);
  assert.match(closed.reason, /expired/);
});
