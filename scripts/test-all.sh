#!/usr/bin/env bash
# Runs every test suite: formatting and lints, the Rust workspace (unit, integration,
# conformance per family), the conformance vectors through the `clerkauth` command, then each
# binding's own suite (ffi/ci.sh, bindings-python/ci.sh, bindings-node/ci.sh) when present,
# then bounded fuzzing and the release artifacts (scripts/release-check.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
VECTORS="${CLERKAUTH_VECTORS:-$PWD/tests/conformance/vectors}"
export CLERKAUTH_VECTORS="$VECTORS"
passed=0; failed=0; summary=()
suite() {
  local name=$1; shift
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then passed=$((passed+1)); summary+=("PASS $name ($((SECONDS-start)) s)")
  else failed=$((failed+1)); summary+=("FAIL $name ($((SECONDS-start)) s)"); fi
}
lint() {
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  cargo fmt --all --check && cargo clippy --workspace --locked --all-targets -q -- -D warnings
}
suite "cargo fmt --check, cargo clippy -D warnings (workspace)" lint
suite "cargo test (core, cli, conformance families)" cargo test --release --locked
mkdir -p target
suite "clerkauth vectors run" cargo run --release --locked -q -p clerkauth-cli -- vectors run "$VECTORS" --out target/vector-results.jsonl
for s in ffi/ci.sh bindings-python/ci.sh bindings-node/ci.sh; do
  [ -f "$s" ] && suite "$s" bash "$s"
done
[ -f fuzz/ci.sh ] && suite "fuzz (bounded)" bash fuzz/ci.sh
# x86_64 release artifacts as users install them (scripts/release.sh builds the other targets).
[ -f scripts/release-check.sh ] && suite "scripts/release-check.sh" bash scripts/release-check.sh
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
