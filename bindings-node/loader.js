'use strict';
/**
 * Finds and loads clerkauth's native addon (a napi-rs `.node` file).
 *
 * Published installs: the main `clerkauth` package carries no binary; npm installs the one
 * platform package that fits (`clerkauth-linux-x64-gnu`, …, chosen by the `os`/`cpu`/`libc`
 * fields of the optionalDependencies). Development: a `.node` built in this folder by
 * `napi build --platform --output-dir native` is used first. `CLERKAUTH_NATIVE_PATH` names a
 * `.node` file explicitly. When nothing fits, the error names the platform and what to do.
 */

const fs = require('node:fs');
const path = require('node:path');

/** The platform packages published with each release (napi-rs names). */
const SUPPORTED = Object.freeze([
  'linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl',
  'darwin-x64', 'darwin-arm64', 'win32-x64-msvc',
]);

/** "glibc" or "musl" on Linux (undefined elsewhere), as npm's `libc` field names them. */
function detectLibc() {
  if (process.platform !== 'linux') return undefined;
  try {
    if (fs.readFileSync('/usr/bin/ldd', 'latin1').includes('musl')) return 'musl';
  } catch { /* no ldd: ask Node's own report */ }
  const header = process.report && typeof process.report.getReport === 'function' ? process.report.getReport().header : {};
  return header && header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** napi-rs's platform id: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`, … */
function platformId(platform = process.platform, arch = process.arch, libc = detectLibc()) {
  if (platform === 'linux') return `linux-${arch}-${libc === 'musl' ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/**
 * Loads the addon for `id`. Order: `env.CLERKAUTH_NATIVE_PATH`, a local build
 * `<dir>/native/clerkauth.<id>.node`, then the platform package `clerkauth-<id>`.
 * Returns the addon's exports; throws an Error with code `ERR_CLERKAUTH_NATIVE` otherwise.
 */
function loadNative({ id = platformId(), dir = __dirname, env = process.env, requireFn = require } = {}) {
  if (env.CLERKAUTH_NATIVE_PATH) return requireFn(path.resolve(env.CLERKAUTH_NATIVE_PATH));
  const local = path.join(dir, 'native', `clerkauth.${id}.node`);
  if (fs.existsSync(local)) return requireFn(local);
  const pkg = `clerkauth-${id}`;
  try {
    return requireFn(pkg);
  } catch (e) {
    // A missing package means "not installed"; anything else (e.g. a glibc too old for the
    // binary) is the real cause and is kept.
    const missing = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`);
    const why = missing
      ? SUPPORTED.includes(id)
        ? `the package ${pkg} is not installed (npm skips it when optional dependencies are omitted, ` +
          'e.g. --omit=optional, or when node_modules was installed on another platform): reinstall clerkauth on this machine'
        : `no prebuilt binary exists for ${id} (prebuilt: ${SUPPORTED.join(', ')}): build from source, see the README`
      : `${pkg} failed to load: ${e && e.message}`;
    const err = new Error(`clerkauth: no native addon for this platform (${id}, Node ${process.version}): ${why}`, { cause: e });
    err.code = 'ERR_CLERKAUTH_NATIVE';
    err.platform = id;
    throw err;
  }
}

module.exports = { loadNative, platformId, detectLibc, SUPPORTED };
