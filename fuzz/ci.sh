#!/usr/bin/env bash
# Bounded fuzzing for CI: builds every cargo-fuzz target once, then runs each for a fixed time
# on a scratch copy of its committed seed corpus (fuzz/corpus/<target>/ is never written), two
# targets at a time on a 2-core machine. Fails on any crash, timeout or out-of-memory.
#
#   bash fuzz/ci.sh                     # FUZZ_SECONDS (default 20) per target
#   FUZZ_SECONDS=300 bash fuzz/ci.sh    # a long local run
#   FUZZ_TARGETS="cookies jwt_decode" bash fuzz/ci.sh
#   FUZZ_SANITIZER=address FUZZ_TOOLCHAIN=nightly bash fuzz/ci.sh   # AddressSanitizer (local)
#
# Stable Rust only: `-s none` builds without a sanitizer, and what cargo-fuzz then passes to
# rustc (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*, --cfg fuzzing,
# -Cdebug-assertions) is all stable, so neither nightly nor RUSTC_BOOTSTRAP is needed.
# (AddressSanitizer needs nightly's -Zsanitizer, so CI runs without it: the crate has no unsafe
# code of its own and coverage-guided panics/hangs/OOMs are what that run looks for. With a
# nightly toolchain installed, FUZZ_SANITIZER=address FUZZ_TOOLCHAIN=nightly also checks the
# unsafe code of the dependencies on the hot path: aws-lc, base64-simd, memchr.)
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$PWD

SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -gt 2 ] && JOBS=2
read -r -a TARGETS <<<"${FUZZ_TARGETS:-cookies authorization url_headers jwt_decode claims_json org_patterns json_entry signed_claims}"
CARGO_FUZZ_VERSION=0.13.2
SANITIZER=${FUZZ_SANITIZER:-none}
TOOLCHAIN=${FUZZ_TOOLCHAIN:+"+$FUZZ_TOOLCHAIN"}

# Longest input per target: large enough for the seeds, small enough to keep execs fast
# (org_patterns: short patterns keep every regex compilation small).
max_len() {
  case $1 in
    org_patterns) echo 512 ;;
    url_headers | json_entry) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# cargo-fuzz is installed under the repository's target/ (never into ~/.cargo/bin) and put first
# on PATH for this script, so `cargo fuzz` runs this pinned copy.
TOOLS_ROOT=${CARGO_TARGET_DIR:-$FUZZ_DIR/../target}/tools/cargo-fuzz-$CARGO_FUZZ_VERSION
if ! "$TOOLS_ROOT/bin/cargo-fuzz" --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS_ROOT"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --root "$TOOLS_ROOT" --quiet
fi
export PATH="$TOOLS_ROOT/bin:$PATH"

TARGET_DIR=${CARGO_TARGET_DIR:-$FUZZ_DIR/target}
[ "$SANITIZER" = none ] || TARGET_DIR=$TARGET_DIR/sanitizer-$SANITIZER
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
echo "fuzz: building the fuzz targets ($(rustc $TOOLCHAIN --version), sanitizer: $SANITIZER); running: ${TARGETS[*]}"
build_start=$SECONDS
cargo $TOOLCHAIN fuzz build -s "$SANITIZER" --target-dir "$TARGET_DIR" --target "$TRIPLE"
echo "fuzz: built in $((SECONDS - build_start)) s"
BIN=$TARGET_DIR/$TRIPLE/release

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clerkauth-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

run_one() {
  local t=$1
  mkdir -p "$WORK/corpus/$t" "$FUZZ_DIR/artifacts/$t"
  cp -r "$FUZZ_DIR/corpus/$t/." "$WORK/corpus/$t/"
  "$BIN/$t" "$WORK/corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -max_len="$(max_len "$t")" -print_final_stats=1 \
    -artifact_prefix="$FUZZ_DIR/artifacts/$t/" >"$WORK/$t.log" 2>&1
  echo $? >"$WORK/$t.rc"
}

echo "fuzz: running each target for ${SECONDS_PER_TARGET} s, $JOBS at a time"
for t in "${TARGETS[@]}"; do
  [ -x "$BIN/$t" ] || { echo "fuzz: no binary for $t"; exit 1; }
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  (set +e; run_one "$t") &
done
wait

# Summaries below must not stop the script early (a crash while loading the seeds leaves
# no stats lines to grep).
set +e
total=0
crashes=0
for t in "${TARGETS[@]}"; do
  log=$WORK/$t.log
  runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*/[0-9A-Za-z]*' "$log" | tail -1 | cut -d' ' -f2)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec:[[:space:]]*//p' "$log" | tail -1)
  rc=$(cat "$WORK/$t.rc" 2>/dev/null || echo 1)
  if [ "$rc" -ne 0 ]; then
    crashes=$((crashes + 1))
    echo "fuzz: $t FAILED (exit $rc):"
    grep -E -A1 "panicked at|==ERROR|^SUMMARY|Test unit written" "$log" | head -20
    echo "--- log tail:"
    tail -40 "$log"
    ls -1 "$FUZZ_DIR/artifacts/$t/" 2>/dev/null | sed 's/^/  artifact: fuzz\/artifacts\/'"$t"'\//'
    runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  fi
  runs=${runs:-0}
  total=$((total + runs))
  printf 'fuzz: %-14s %10s execs  cov %-5s corpus %-12s slowest input %s s\n' "$t" "$runs" "${cov:-?}" "${corp:-?}" "${slowest:-?}"
done
echo "fuzz: ${#TARGETS[@]} targets, $total execs, $crashes crashes"
[ "$crashes" -eq 0 ]
