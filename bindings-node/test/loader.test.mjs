// The native-addon loader: platform ids as napi-rs names its packages, the local development
// build found first, an explicit CLERKAUTH_NATIVE_PATH, and an error that names the platform
// when no binary fits. (The published layout, main + platform package, is checked by
// scripts/release-check.sh on the packed tarballs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadNative, platformId, SUPPORTED } = require('../loader.js');
const PKG_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

test('platform ids follow napi-rs', () => {
  assert.equal(platformId('linux', 'x64', 'glibc'), 'linux-x64-gnu');
  assert.equal(platformId('linux', 'arm64', 'musl'), 'linux-arm64-musl');
  assert.equal(platformId('darwin', 'arm64'), 'darwin-arm64');
  assert.equal(platformId('win32', 'x64'), 'win32-x64-msvc');
  assert.ok(SUPPORTED.includes(platformId()), `this machine (${platformId()}) is a supported platform`);
});

test('the package.json napi targets and npm/ platform packages match the loader', () => {
  const ids = fs.readdirSync(path.join(PKG_DIR, 'npm')).sort();
  assert.deepEqual(ids, [...SUPPORTED].sort());
  const { version } = require('../package.json');
  for (const id of ids) {
    const p = require(`../npm/${id}/package.json`);
    assert.equal(p.name, `clerkauth-${id}`);
    assert.equal(p.version, version);
    assert.equal(p.main, `clerkauth.${id}.node`);
    assert.deepEqual(p.files, [p.main]);
  }
});

test('a local development build is loaded, and it is the addon index.js uses', () => {
  const local = path.join(PKG_DIR, 'native', `clerkauth.${platformId()}.node`);
  assert.ok(fs.existsSync(local), `built by napi build --platform: ${local}`);
  const native = loadNative({ env: {} });
  assert.equal(native, require(local));
  assert.equal(typeof native.createAuthenticator, 'function');
  assert.equal(native.version(), require('../package.json').version);
});

test('CLERKAUTH_NATIVE_PATH names the addon explicitly (and a wrong path fails loudly)', () => {
  const local = path.join(PKG_DIR, 'native', `clerkauth.${platformId()}.node`);
  assert.equal(loadNative({ env: { CLERKAUTH_NATIVE_PATH: local }, dir: os.tmpdir() }), require(local));
  assert.throws(() => loadNative({ env: { CLERKAUTH_NATIVE_PATH: path.join(os.tmpdir(), 'missing.node') } }), /Cannot find module/);
});

test('no binary for a supported platform: the error names the platform and its package', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerkauth-loader-'));
  try {
    assert.throws(() => loadNative({ id: 'linux-arm64-musl', dir, env: {} }), (e) => {
      assert.equal(e.code, 'ERR_CLERKAUTH_NATIVE');
      assert.equal(e.platform, 'linux-arm64-musl');
      assert.match(e.message, /\(linux-arm64-musl, Node v\d+/);
      assert.match(e.message, /clerkauth-linux-arm64-musl is not installed/);
      assert.match(e.message, /--omit=optional/);
      return true;
    });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('an unsupported platform: the error says no prebuilt binary exists and lists the ones that do', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerkauth-loader-'));
  try {
    assert.throws(() => loadNative({ id: 'freebsd-x64', dir, env: {} }), (e) => {
      assert.equal(e.code, 'ERR_CLERKAUTH_NATIVE');
      assert.match(e.message, /no prebuilt binary exists for freebsd-x64/);
      for (const id of SUPPORTED) assert.ok(e.message.includes(id), id);
      return true;
    });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a platform package that exists but fails to load keeps the real cause', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerkauth-loader-'));
  const pkg = path.join(dir, 'node_modules', 'clerkauth-linux-x64-gnu');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'clerkauth-linux-x64-gnu', main: 'clerkauth.linux-x64-gnu.node' }));
  fs.writeFileSync(path.join(pkg, 'clerkauth.linux-x64-gnu.node'), 'not an ELF file');
  try {
    const requireFn = createRequire(path.join(dir, 'index.js'));
    assert.throws(() => loadNative({ id: 'linux-x64-gnu', dir, env: {}, requireFn }), (e) => {
      assert.equal(e.code, 'ERR_CLERKAUTH_NATIVE');
      assert.match(e.message, /clerkauth-linux-x64-gnu failed to load: .*(invalid ELF|too short|file)/i);
      assert.ok(e.cause);
      return true;
    });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
