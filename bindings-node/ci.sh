#!/usr/bin/env bash
# CI for the Node package `clerkauth`: install, build the native addon, run the tests on the
# BUILT package (vectors, live differential vs @clerk/backend, middleware, WebSocket upgrades,
# API), check the hand-written .d.ts, then npm pack + install the tarball elsewhere + smoke test.
# Run from anywhere (the lead's .ci/run calls it from the repo root). Needs Node 20 + npm, Rust.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
HERE="$(pwd)"

echo "== clerkauth (node): npm install (versions pinned by package-lock.json)"
npm install --no-audit --no-fund

echo "== clerkauth (node): napi build --release"
npx napi build --platform --release --output-dir native --js native.js --dts native.d.ts
ls -l native/

echo "== clerkauth (node): node --test (built package)"
export CLERKAUTH_VECTORS="${CLERKAUTH_VECTORS:-$(cd "$HERE/.." && pwd)/tests/conformance/vectors}"
LOG="$(mktemp)"
# RUST_BACKTRACE=0: one test panics on purpose (to prove panics become JS errors).
RUST_BACKTRACE=0 node --test --test-reporter=spec test/*.test.mjs >"$LOG" 2>&1 || true
# Passing tests are summarised by count; failures, notes and the summary (ℹ tests/pass/fail) are printed.
echo "passed: $(grep -cE '^\s*✔ ' "$LOG") test lines"
grep -vE '^\s*(✔|▶) ' "$LOG" || true
grep -qE '^ℹ fail 0$' "$LOG" || { echo "node --test FAILED"; exit 1; }
grep -qE '^ℹ pass [1-9]' "$LOG" || { echo "node --test ran no tests"; exit 1; }

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
echo "== clerkauth (node): all checks passed"
