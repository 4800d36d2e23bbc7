// README.md's examples run as written: each test extracts the ```js block under a named heading,
// writes it to a file inside the package (target/readme-test-*/, so `clerkauth` and
// `clerkauth/…` resolve by self-reference, and express/fastify/hono/ws from node_modules), runs
// it in a child process of this runtime (node, or bun under `bun test`) and checks what it
// printed. The framework examples take their keys from the environment: the test gives them a
// DevInstance's keys and PORT=0, and appends a few lines (in their own scope) that send the
// running app real requests and report the answers as one JSON line. Offline; no CLERK_*
// variable of this process reaches a child.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { DevInstance } = require('clerkauth/testing');

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = fs.readFileSync(path.join(PKG, 'README.md'), 'utf8');
const IS_BUN = typeof process.versions.bun === 'string';

/** Every ```js block of `text` with the nearest heading above it, in file order. */
export function jsBlocks(text) {
  const blocks = [];
  let heading = '';
  let code = null;
  for (const line of text.split('\n')) {
    if (code !== null) {
      if (line.trim() === '```') {
        blocks.push({ heading, code: code.join('\n') + '\n' });
        code = null;
      } else code.push(line);
    } else if (/^```js\s*$/.test(line)) code = [];
    else if (/^#{1,6} /.test(line)) heading = line.replace(/^#+/, '').trim();
  }
  return blocks;
}

const HEADINGS = {
  quickStart: 'Quick start',
  express: 'Express',
  fastify: 'Fastify',
  hono: 'Hono (Node and Bun)',
  websockets: 'WebSockets (`ws` on Node, Bun.serve)',
  verifyToken: 'verifyToken',
  testing: 'Testing your app',
};

/** The one ```js block under `heading`; fails when there is none (a renamed section). */
function blockUnder(heading) {
  const found = jsBlocks(README).filter((b) => b.heading === heading);
  assert.equal(found.length, 1, `README.md: expected one js block under "## ${heading}", found ${found.length}`);
  return found[0].code;
}

const WORK = path.join(PKG, 'target');
fs.mkdirSync(WORK, { recursive: true });
const DIR = fs.mkdtempSync(path.join(WORK, 'readme-test-'));
after(() => fs.rmSync(DIR, { recursive: true, force: true }));

const MARK = 'README_TEST_RESULT ';

/**
 * Runs `code` (plus `epilogue`, in its own scope, which may `report(value)`) as a module: ESM
 * when it imports or exports, CommonJS otherwise. Resolves to { lines, result }: the lines the
 * example printed and the reported value.
 */
function runExample(name, code, { epilogue = 'report(null);', env = {} } = {}) {
  const esm = /^(import|export) /m.test(code);
  const body = esm
    ? `${code}\n{\n${epilogue}\n}\n`
    : `${code}\n(async () => {\n${epilogue}\n})().catch((e) => { console.error(e); process.exit(1); });\n`;
  const preamble = `const report = (v) => { console.log(${JSON.stringify(MARK)} + JSON.stringify(v)); process.exit(0); };\n`;
  // The preamble stays on the first line so the example keeps its README line numbers + 1.
  const file = path.join(DIR, `${name}.${esm ? 'mjs' : 'cjs'}`);
  fs.writeFileSync(file, preamble.trimEnd() + ' ' + body);
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLERK_') && k !== 'PORT'));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: PKG, env: { ...childEnv, ...env }, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${name}: ${err.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      const lines = stdout.split('\n').filter((l) => l !== '');
      const last = lines.pop();
      if (!last || !last.startsWith(MARK)) return reject(new Error(`${name}: no result line\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      resolve({ lines, result: JSON.parse(last.slice(MARK.length)), stderr });
    });
  });
}

/** The environment a deployed app has: a development instance's keys, plus a token for it. */
function appEnv() {
  const dev = new DevInstance();
  const token = dev.sessionToken({ userId: 'user_readme', sessionId: 'sess_readme' });
  return {
    env: {
      CLERK_SECRET_KEY: dev.secretKey,
      CLERK_PUBLISHABLE_KEY: dev.publishableKey,
      CLERK_JWT_KEY: dev.jwtKey,
      CLERK_SIGN_IN_URL: 'https://app.example.com/sign-in',
      PORT: '0',
      README_TOKEN: token,
    },
  };
}

// The requests the framework epilogues send: a Bearer session and no credentials.
const FETCH_HELPERS = `
const bearer = { authorization: 'Bearer ' + process.env.README_TOKEN };
const answer = async (res) => [res.status, res.headers.get('content-type')?.includes('json') ? await res.json() : null];
`;

test('every js block of README.md is under a heading this file runs', () => {
  const headings = new Set(Object.values(HEADINGS));
  for (const { heading, code } of jsBlocks(README)) {
    assert.ok(headings.has(heading), `a js block under "${heading}" is not run by test/readme.test.mjs:\n${code}`);
  }
});

test('README Quick start: signed in as the dev token user, admin of org_1', async () => {
  const { lines, result } = await runExample('quick-start', blockUnder(HEADINGS.quickStart), {
    epilogue: 'report({ userId: auth.userId, sessionId: auth.sessionId, member: auth.has({ role: "org:member" }), ownToken: (await auth.getToken()) === token });',
  });
  assert.deepEqual(lines, ['signed-in null', 'user_123 org_1 org:admin']);
  assert.deepEqual(result, { userId: 'user_123', sessionId: 'sess_123', member: false, ownToken: true });
});

test('README Express: a real server answers a Bearer session, refuses none, redirects /dashboard', async () => {
  const { env } = appEnv();
  const { lines, result } = await runExample('express', blockUnder(HEADINGS.express), {
    env,
    epilogue: `${FETCH_HELPERS}
if (!server.listening) await new Promise((r) => server.once('listening', r));
const base = 'http://127.0.0.1:' + server.address().port;
report({
  me: await answer(await fetch(base + '/api/me', { headers: bearer })),
  anonymous: await answer(await fetch(base + '/api/me')),
  machine: await answer(await fetch(base + '/api/machine', { headers: bearer })),
  dashboard: await fetch(base + '/dashboard', { redirect: 'manual' }).then((r) => [r.status, r.headers.get('location')]),
});`,
  });
  assert.deepEqual(lines, []);
  assert.deepEqual(result.me, [200, { userId: 'user_readme' }]);
  assert.deepEqual(result.anonymous, [401, { error: 'Unauthorized' }]);
  assert.equal(result.machine[0], 401, 'a session token is not an API key');
  assert.equal(result.dashboard[0], 302, 'requireAuth redirects as res.redirect does');
  assert.ok(result.dashboard[1].startsWith('https://app.example.com/sign-in'), result.dashboard[1]);
});

test('README Fastify: a real server answers a Bearer session and refuses none', async () => {
  const { env } = appEnv();
  const { result } = await runExample('fastify', blockUnder(HEADINGS.fastify), {
    env,
    epilogue: `${FETCH_HELPERS}
const base = fastify.listeningOrigin;
report({
  me: await answer(await fetch(base + '/api/me', { headers: bearer })),
  anonymous: (await fetch(base + '/api/me')).status,
});
await fastify.close();`,
  });
  assert.deepEqual(result, { me: [200, { userId: 'user_readme' }], anonymous: 401 });
});

test('README Hono: the exported app answers a Bearer session and refuses none', async () => {
  const { env } = appEnv();
  const { result } = await runExample('hono', blockUnder(HEADINGS.hono), {
    env,
    epilogue: `${FETCH_HELPERS}
report({
  me: await answer(await app.request('https://app.example.com/api/me', { headers: bearer })),
  anonymous: await answer(await app.request('https://app.example.com/api/me')),
});`,
  });
  assert.deepEqual(result, { me: [200, { userId: 'user_readme' }], anonymous: [401, { error: 'Unauthorized' }] });
});

test('README WebSockets: a real ws client with the token protocol is accepted with chat.v1; without, refused', async () => {
  const { env } = appEnv();
  const { result } = await runExample('websockets', blockUnder(HEADINGS.websockets), {
    env,
    epilogue: `
const WebSocket = require('ws');
if (!server.listening) await new Promise((r) => server.once('listening', r));
const url = 'ws://127.0.0.1:' + server.address().port + '/ws';
const open = (protocols) => new Promise((resolve) => {
  const ws = new WebSocket(url, protocols);
  ws.on('open', () => { resolve({ open: true, protocol: ws.protocol }); ws.close(); });
  ws.on('unexpected-response', (req, res) => resolve({ open: false, status: res.statusCode }));
  ws.on('error', (e) => resolve({ open: false, error: e.message }));
});
report({
  withToken: await open(['chat.v1', 'clerk.session.' + process.env.README_TOKEN]),
  // Bun's node:http does not send raw writes on upgrade sockets (rejectUpgrade): Node only.
  without: ${IS_BUN ? 'null' : "await open(['chat.v1'])"},
});`,
  });
  assert.deepEqual(result.withToken, { open: true, protocol: 'chat.v1' });
  if (!IS_BUN) assert.deepEqual(result.without, { open: false, status: 401 });
});

test('README verifyToken: the fresh token verifies, the hour-old one is token-expired', async () => {
  const { lines } = await runExample('verify-token', blockUnder(HEADINGS.verifyToken));
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.equal(lines[0], 'verified user_1');
  assert.match(lines[1], /^token-expired JWT is expired\./);
});

test('README Testing your app: signed in with the PEM key and through the loopback JWKS', async () => {
  const { lines, result } = await runExample('testing', blockUnder(HEADINGS.testing), {
    epilogue: 'report({ status: state.status, viaApi: viaApi.status, userId: viaApi.toAuth().userId, requests: api.requests });',
  });
  assert.equal(lines[0], 'signed-in user_1');
  assert.match(lines[1], /^signed-in \[/);
  assert.deepEqual(result, {
    status: 'signed-in',
    viaApi: 'signed-in',
    userId: 'user_1',
    requests: [{ method: 'GET', path: '/v1/jwks', authorized: true }],
  });
});
