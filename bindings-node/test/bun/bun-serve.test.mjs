// Bun only (bun test): the Bun.serve example (examples/bun-websocket.mjs) with keys from the
// environment, real WebSocket clients on loopback: the session token as a subprotocol, the
// app's protocol answered, in-band re-authentication, and the close when authorization lapses.
import { test, expect, beforeAll, afterAll } from 'bun:test';
import { makeKeys, signJwt, INSTANCES } from '../gen.mjs';
import { startServer } from '../../examples/bun-websocket.mjs';

const keys = makeKeys();
const inst = INSTANCES.prod;
let server;
let url;

function token({ sub = 'user_bun', sid = 'sess_bun', expS = 60 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(keys.privateKey, { exp: now + expS, iat: now - 1, nbf: now - 5, iss: `https://${inst.fapi}`, sid, sub });
}

beforeAll(() => {
  Object.assign(process.env, { CLERK_SECRET_KEY: inst.secretKey, CLERK_PUBLISHABLE_KEY: inst.publishableKey, CLERK_JWT_KEY: keys.publicPem });
  server = startServer({ port: 0 });
  url = `ws://127.0.0.1:${server.port}/ws`;
});
afterAll(() => {
  server.stop(true);
  for (const n of ['CLERK_SECRET_KEY', 'CLERK_PUBLISHABLE_KEY', 'CLERK_JWT_KEY']) delete process.env[n];
});

/** Opens a socket; resolves { ws, protocol, messages, closed } once open, or { refused } on failure. */
function connect(protocols) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    const messages = [];
    let waiting = null;
    const closed = new Promise((r) => ws.addEventListener('close', (e) => r({ code: e.code, reason: e.reason })));
    const next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => (waiting = r)));
    ws.addEventListener('message', (e) => {
      const m = JSON.parse(e.data);
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(m);
      } else messages.push(m);
    });
    ws.addEventListener('open', () => resolve({ ws, protocol: ws.protocol, next, closed }));
    ws.addEventListener('error', () => resolve({ refused: true }));
  });
}

test('a session token offered as a subprotocol opens the socket; the app protocol is answered', async () => {
  const c = await connect(['chat.v1', `clerk.session.${token()}`]);
  expect(c.refused).toBeUndefined();
  expect(c.protocol).toBe('chat.v1');
  expect(await c.next()).toEqual({ hello: 'user_bun' });
  c.ws.send(JSON.stringify({ say: 'hi' }));
  expect(await c.next()).toEqual({ echo: { say: 'hi' }, userId: 'user_bun' });
  c.ws.close();
  await c.closed;
});

test('the token offered before the app protocol is refused (Bun.serve would answer it)', async () => {
  expect((await connect([`clerk.session.${token()}`, 'chat.v1'])).refused).toBe(true);
});

test('no token, an expired token or a forged one: refused', async () => {
  expect((await connect(['chat.v1'])).refused).toBe(true);
  expect((await connect(['chat.v1', `clerk.session.${token({ expS: -3600 })}`])).refused).toBe(true);
  const forged = token().slice(0, -4) + 'AAAA';
  expect((await connect(['chat.v1', `clerk.session.${forged}`])).refused).toBe(true);
});

test('in-band re-authentication: a fresh token of the same session continues, another user closes the socket', async () => {
  const c = await connect(['chat.v1', `clerk.session.${token()}`]);
  await c.next();
  c.ws.send(JSON.stringify({ type: 'token', token: token() }));
  expect(await c.next()).toEqual({ reauthenticated: true });
  c.ws.send(JSON.stringify({ type: 'token', token: token({ sub: 'user_other' }) }));
  const closed = await c.closed;
  expect(closed.code).toBe(1008);
  expect(closed.reason).toContain('user-changed');
});

test('the socket is closed when its token expires (validUntil)', async () => {
  // On a loaded machine the token may be past its exp (within the clock skew) by the time the
  // socket is accepted: then the server closes before its greeting. Either way it closes.
  const c = await connect(['chat.v1', `clerk.session.${token({ expS: 2 })}`]);
  expect(c.refused).toBeUndefined();
  const closed = await c.closed;
  expect(closed.code).toBe(1008);
  expect(closed.reason).toContain('expired');
});
