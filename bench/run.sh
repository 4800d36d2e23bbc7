#!/usr/bin/env bash
# Builds what the benchmarks need, runs them one after another, and prints one report:
#   1. Rust: `cargo bench -p clerkauth --bench authenticate` (criterion; skip with --no-rust)
#   2. Python: the clerkauth wheel (maturin, release) in a venv under the target directory,
#      with clerk-backend-api 7.0.0 beside it; bindings-python/bench/bench.py --json, then
#      bindings-python/bench/asgi_bench.py --json (Starlette in-process and under uvicorn,
#      without and with ClerkAuthMiddleware)
#   3. Node: the napi addon (release) and @clerk/backend (bindings-node/package-lock.json);
#      bindings-node/bench/bench.mjs --json
# then bench/report.py merges the results into one markdown table (written to
# <target>/bench-run/report.md too). All builds happen before the first measurement.
#
# Usage: bench/run.sh [--no-rust] [--no-python] [--no-node] [--seconds N] [--wait-idle [LOAD]]
#   --seconds N        seconds per measurement in the Python and Node benches (default 2)
#   --wait-idle [LOAD] after the builds, wait (at most $BENCH_MAX_WAIT seconds, default 900)
#                      until the 1-minute load average is below LOAD (default 0.5) before
#                      measuring: the machine is shared with other builds. The load average
#                      is reported either way.
# <target> is $CARGO_TARGET_DIR or <repo>/target. Needs Rust, python3 (venv + pip), Node 20 +
# npm, and the PyPI and npm registries for the first run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    TARGET="$(mkdir -p "$CARGO_TARGET_DIR" && cd "$CARGO_TARGET_DIR" && pwd)"
else
    TARGET="$ROOT/target"
fi
OUT="$TARGET/bench-run"
RUST=1 PYTHON=1 NODE=1 SECS=2 IDLE=
while [ $# -gt 0 ]; do
    case "$1" in
        --no-rust) RUST=0 ;;
        --no-python) PYTHON=0 ;;
        --no-node) NODE=0 ;;
        --seconds) SECS="$2"; shift ;;
        --wait-idle)
            IDLE=0.5
            if [[ "${2:-}" =~ ^[0-9.]+$ ]]; then IDLE="$2"; shift; fi ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
rm -f "$OUT"/python.json "$OUT"/asgi.json "$OUT"/node.json "$OUT"/rust.log
START=$(date +%s)
load() { cut -d' ' -f1-3 /proc/loadavg; }
NOTES=()
note() { NOTES+=(--note "$1"); }
DIRTY=""
[ -z "$(git -C "$ROOT" status --porcelain -- core/src bindings-python/src bindings-node/src 2>/dev/null)" ] || DIRTY=" + uncommitted changes in core/src or the bindings' src"
note "started $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)$DIRTY; $(nproc) cores; load average at start: $(load)"

# ---------------------------------------------------------------- builds
if [ "$RUST" = 1 ]; then
    echo "== build: criterion bench (release, LTO)"
    (cd "$ROOT" && cargo bench -p clerkauth --bench authenticate --no-run)
fi
if [ "$PYTHON" = 1 ]; then
    echo "== build: Python venv + clerkauth wheel"
    VENV="$TARGET/bench-venv"
    PY="$VENV/bin/python"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" httpx "clerk-backend-api==7.0.0" starlette uvicorn
    rm -rf "$OUT/wheels"
    (cd "$ROOT/bindings-python" && PYO3_PYTHON="$PY" "$VENV/bin/maturin" build --release --quiet -o "$OUT/wheels" -i "$PY")
    "$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$OUT"/wheels/clerkauth-*.whl
fi
if [ "$NODE" = 1 ]; then
    echo "== build: Node addon + @clerk/backend"
    (cd "$ROOT/bindings-node" && npm ci --no-audit --no-fund --loglevel=error \
        && npx napi build --platform --release --output-dir native --js native.js --dts native.d.ts)
fi
BUILT=$(date +%s)
if [ -n "$IDLE" ]; then
    echo "== waiting for the 1-minute load average to drop below $IDLE (now $(load))"
    WAITED=0
    while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$IDLE" 'BEGIN { exit !(l >= m) }' && [ "$WAITED" -lt "${BENCH_MAX_WAIT:-900}" ]; do
        sleep 10; WAITED=$((WAITED + 10))
    done
    note "waited ${WAITED} s for load average < $IDLE before measuring (then: $(load))"
fi

# ---------------------------------------------------------------- measurements, one at a time
if [ "$RUST" = 1 ]; then
    echo "== measure: Rust (criterion), load average $(load)"
    note "Rust criterion run started at load average $(load)"
    (cd "$ROOT" && cargo bench -p clerkauth --bench authenticate) >"$OUT/rust.log" 2>&1 || { tail -40 "$OUT/rust.log"; exit 1; }
    grep -E '^(scaling|paired):' "$OUT/rust.log" | sed 's/^/    /' || true
    while IFS= read -r l; do note "Rust $l"; done < <(grep -E '^(scaling|paired):' "$OUT/rust.log" || true)
fi
if [ "$PYTHON" = 1 ]; then
    echo "== measure: Python, load average $(load)"
    note "Python bench started at load average $(load)"
    # Run outside the source tree so `import clerkauth` finds the installed wheel.
    (cd "$OUT" && "$PY" "$ROOT/bindings-python/bench/bench.py" --seconds "$SECS" --json) >"$OUT/python.json"
    echo "== measure: Python ASGI (Starlette in-process, uvicorn), load average $(load)"
    note "Python ASGI bench started at load average $(load)"
    (cd "$OUT" && "$PY" "$ROOT/bindings-python/bench/asgi_bench.py" --seconds "$SECS" --json) >"$OUT/asgi.json"
fi
if [ "$NODE" = 1 ]; then
    echo "== measure: Node, load average $(load)"
    note "Node bench started at load average $(load)"
    (cd "$ROOT/bindings-node" && node bench/bench.mjs "$SECS" --json) >"$OUT/node.json"
fi
END=$(date +%s)
note "finished at load average $(load); wall time $((END - START)) s (builds $((BUILT - START)) s, then measurements$( [ -n "$IDLE" ] && echo ' incl. the idle wait') $((END - BUILT)) s)"

# ---------------------------------------------------------------- report
ARGS=("${NOTES[@]}")
[ "$RUST" = 1 ] && ARGS+=(--rust --target-dir "$TARGET")
[ "$PYTHON" = 1 ] && ARGS+=(--python "$OUT/python.json" --asgi "$OUT/asgi.json")
[ "$NODE" = 1 ] && ARGS+=(--node "$OUT/node.json")
echo
python3 "$ROOT/bench/report.py" "${ARGS[@]}" | tee "$OUT/report.md"
echo
echo "(report: $OUT/report.md; Rust log: $OUT/rust.log)"
