#!/usr/bin/env bash
# CI for the Node package `clerkauth`: install (npm ci), build the native addon, run the tests on the
# BUILT package (vectors, live differential vs @clerk/backend, middleware, Express/Fastify/Hono
# apps, WebSocket upgrades, API) under node --test and again under bun test (bun from npm, into
# a local directory), check the hand-written .d.ts, then npm pack + install the tarball
# elsewhere + smoke test.
# Run from anywhere (the lead's .ci/run calls it from the repo root). Needs Node >= 20.17 + npm, Rust.
# Writes only ignored paths (node_modules/, native/*, .bun-ci/, *.tgz, target/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
HERE="$(pwd)"

echo "== clerkauth (node): npm ci (exactly package-lock.json; never rewrites it)"
# --engine-strict: fail if the lock holds a package whose `engines` excludes this Node (the lock
# must keep working on Node 20; package.json `overrides` pin Node-20-compatible versions).
npm ci --engine-strict --no-audit --no-fund

echo "== clerkauth (node): napi build --release (with the test hooks; release packages are built without)"
npx napi build --platform --release --features test-hooks --output-dir native --js native.js --dts native.d.ts
export CLERKAUTH_TEST_HOOKS=1
ls -l native/

# The vector results are compared by `clerkauth vectors check` (FORMAT.md's rules, one implementation).
echo "== build the clerkauth command (vectors check)"
(cd "$HERE/.." && cargo build --release --locked -q -p clerkauth-cli)
CLERKAUTH_CLI="$(cd "$HERE/.." && pwd)/${CARGO_TARGET_DIR:-target}/release/clerkauth"
case "${CARGO_TARGET_DIR:-}" in /*) CLERKAUTH_CLI="$CARGO_TARGET_DIR/release/clerkauth" ;; esac
export CLERKAUTH_CLI

echo "== clerkauth (node): node --test (built package)"
export CLERKAUTH_VECTORS="${CLERKAUTH_VECTORS:-$(cd "$HERE/.." && pwd)/tests/conformance/vectors}"
LOG="$(mktemp)"
# RUST_BACKTRACE=0: one test panics on purpose (to prove panics become JS errors).
# A test that never ends fails after --test-timeout (the whole suite takes about a minute); the
# run as a whole is bounded too, and a stuck run prints what it had done.
RUST_BACKTRACE=0 timeout -k 30 1200 node --test --test-timeout=300000 --test-reporter=spec test/*.test.mjs >"$LOG" 2>&1 || {
  rc=$?
  if [ "$rc" -ge 124 ]; then cat "$LOG"; echo "node --test did not finish within 1200 s (exit $rc)"; exit 1; fi
}
# Passing tests are summarised by count; failures, notes and the summary (ℹ tests/pass/fail) are printed.
echo "passed: $(grep -cE '^\s*✔ ' "$LOG") test lines"
grep -vE '^\s*(✔|▶) ' "$LOG" || true
grep -qE '^ℹ fail 0$' "$LOG" || { echo "node --test FAILED"; exit 1; }
# A test or file stopped by --test-timeout is "cancelled", not "failed": that fails too.
if grep -qE '^ℹ cancelled [1-9]' "$LOG"; then echo "node --test FAILED (cancelled: a test or file did not finish in time)"; exit 1; fi
grep -qE '^ℹ pass [1-9]' "$LOG" || { echo "node --test ran no tests"; exit 1; }

echo "== clerkauth (node): bun test (the same suite, plus test/bun/, on Bun)"
BUN_VERSION=1.3.5
BUN_DIR="$HERE/.bun-ci"
if [ ! -x "$BUN_DIR/node_modules/.bin/bun" ] || [ "$("$BUN_DIR/node_modules/.bin/bun" --version)" != "$BUN_VERSION" ]; then
  mkdir -p "$BUN_DIR"
  [ -f "$BUN_DIR/package.json" ] || echo '{"private":true}' >"$BUN_DIR/package.json"
  npm install --prefix "$BUN_DIR" --no-audit --no-fund --no-save "bun@$BUN_VERSION" >/dev/null
fi
BUN="$BUN_DIR/node_modules/.bin/bun"
echo "bun $("$BUN" --version)"
# One bun process per file (Bun's node:test runs one file per process); --timeout: Bun's
# default is 5 s per test. test/upgrade.test.mjs and test/websocket.test.mjs refuse upgrades by
# writing raw HTTP responses on node:http 'upgrade' sockets, which Bun's node:http does not
# send: Bun servers upgrade with Bun.serve, tested in test/bun/.
bun_pass=0
for f in test/*.test.mjs test/bun/*.test.mjs; do
  case "$f" in test/upgrade.test.mjs | test/websocket.test.mjs) continue ;; esac
  BUNLOG="$(mktemp)"
  if RUST_BACKTRACE=0 timeout -k 30 900 "$BUN" test --timeout 300000 "./$f" >"$BUNLOG" 2>&1 && grep -qE '^ *0 fail' "$BUNLOG"; then
    n="$(grep -oE '^ *[0-9]+ pass' "$BUNLOG" | grep -oE '[0-9]+')"
    echo "bun test $f: $n pass"
    bun_pass=$((bun_pass + n))
  else
    cat "$BUNLOG"; echo "bun test $f FAILED"; exit 1
  fi
done
[ "$bun_pass" -gt 0 ] || { echo "bun test ran no tests"; exit 1; }
echo "bun test: $bun_pass passed"

echo "== clerkauth (node): index.d.ts type check"
npx tsc -p test/tsconfig.json
echo "index.d.ts: types-usage.ts type-checks"

echo "== clerkauth (node): npm pack + install the tarballs (main + platform) + smoke test"
rm -f clerkauth-*.tgz
npm pack --silent
TARBALL="$HERE/$(ls clerkauth-*.tgz | head -1)"
# The main package carries no binary: pack this platform's package (npm/<id>/) with the addon.
PLATFORM_ID="$(node -p 'require("./loader.js").platformId()')"
PLATFORM_DIR="$(mktemp -d)"
cp "npm/$PLATFORM_ID/package.json" "npm/$PLATFORM_ID/README.md" "native/clerkauth.$PLATFORM_ID.node" "$PLATFORM_DIR/"
PLATFORM_TARBALL="$HERE/$(cd "$PLATFORM_DIR" && npm pack --silent --pack-destination "$HERE")"
rm -rf "$PLATFORM_DIR"
SMOKE="$(mktemp -d)"
trap 'rm -rf "$SMOKE"' EXIT
cd "$SMOKE"
npm init -y >/dev/null
npm install --no-audit --no-fund "$TARBALL" "$PLATFORM_TARBALL" >/dev/null
node -e '
const c = require("clerkauth");
if (typeof c.createClerkClient !== "function" || typeof c.authenticateRequest !== "function") throw new Error("API missing");
c.authenticateRequest(new Request("https://app.example.com/"), { publishableKey: "pk_live_" + Buffer.from("clerk.example.com$").toString("base64url"), secretKey: "sk_live_x", jwtKey: "x" })
  .then((s) => { if (s.status !== "signed-out") throw new Error("unexpected " + s.status); console.log("require(clerkauth) smoke test: ok (" + c.version + ", " + s.status + "/" + s.reason + ")"); })
  .catch((e) => { console.error(e); process.exit(1); });
'
node --input-type=module -e '
import { createClerkClient, ClerkAuthError } from "clerkauth";
try { await createClerkClient({}).authenticateRequest(new Request("https://a.example/")); throw new Error("no error"); }
catch (e) { if (!(e instanceof ClerkAuthError) || !e.code) throw e; console.log("import(clerkauth) smoke test: ok (error code " + e.code + ")"); }
'
node -e '
for (const [sub, names] of [["express", ["clerkMiddleware", "getAuth", "requireAuth"]], ["fastify", ["clerkPlugin", "getAuth"]], ["hono", ["clerkMiddleware", "getAuth"]], ["websocket", ["createWebSocketAuthenticator", "rejectUpgrade"]], ["testing", ["DevInstance"]]]) {
  const m = require("clerkauth/" + sub);
  for (const n of names) if (typeof m[n] !== "function") throw new Error("clerkauth/" + sub + " lacks " + n);
}
console.log("require(clerkauth/express|fastify|hono|websocket|testing) smoke test: ok");
'
node --input-type=module -e '
import { clerkMiddleware, getAuth } from "clerkauth/express";
import { clerkPlugin } from "clerkauth/fastify";
import { clerkMiddleware as hono } from "clerkauth/hono";
import { createWebSocketAuthenticator } from "clerkauth/websocket";
if (![clerkMiddleware, getAuth, clerkPlugin, hono, createWebSocketAuthenticator].every((f) => typeof f === "function")) throw new Error("named ESM exports missing");
console.log("import(clerkauth/express|fastify|hono|websocket) smoke test: ok");
'
node --input-type=module -e '
import { DevInstance } from "clerkauth/testing";
import { authenticateRequest } from "clerkauth";
const dev = new DevInstance();
const api = await dev.startBackendApi();
try {
  const token = dev.sessionToken({ userId: "user_smoke", sessionId: "sess_smoke" });
  const req = new Request("https://app.example.com/", { headers: { authorization: "Bearer " + token } });
  for (const opts of [{ jwtKey: dev.jwtKey }, { apiUrl: api.url }]) {
    const s = await authenticateRequest(req, { publishableKey: dev.publishableKey, secretKey: dev.secretKey, ...opts });
    if (s.toAuth().userId !== "user_smoke") throw new Error("unexpected " + s.status + "/" + s.reason);
  }
} finally { await api.close(); }
console.log("import(clerkauth/testing) smoke test: ok (signed-in with jwtKey and with the loopback JWKS)");
'
echo "== clerkauth (node): all checks passed"
