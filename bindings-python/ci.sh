#!/usr/bin/env bash
# Builds the clerkauth Python package (abi3 wheel via maturin), installs it into a fresh venv,
# checks the type stubs with mypy.stubtest and runs the pytest suite against the INSTALLED
# package (from a directory outside the source tree). Run from anywhere; needs python3 + pip,
# Rust, and PyPI for the Python packages.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${CLERKAUTH_PY_VENV:-$HERE/.venv-ci}"
PY="$VENV/bin/python"

echo "== bindings-python: venv + tools"
if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install -q --disable-pip-version-check \
    "maturin>=1.16,<2" mypy -r "$HERE/tests/requirements.txt"

echo "== bindings-python: build wheel (release, abi3)"
WHEELS="$HERE/dist-ci"
rm -rf "$WHEELS"
# With the test hooks (`_native._panic_for_tests`); release wheels are built without them.
(cd "$HERE" && PYO3_PYTHON="$PY" "$VENV/bin/maturin" build --release --quiet --features pyo3/extension-module,test-hooks -o "$WHEELS" -i "$PY")
export CLERKAUTH_TEST_HOOKS=1
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/clerkauth-*.whl

# Run outside the source tree so `import clerkauth` can only find the installed wheel.
RUNDIR="$(mktemp -d)"
trap 'rm -rf "$RUNDIR"' EXIT
cd "$RUNDIR"

echo "== bindings-python: mypy.stubtest"
"$PY" -m mypy.stubtest --mypy-config-file "$HERE/pyproject.toml" --allowlist "$HERE/stubtest-allowlist.txt" clerkauth

echo "== bindings-python: mypy --strict (typed usage of the installed package)"
"$PY" -m mypy --strict --no-incremental --config-file "$HERE/pyproject.toml" "$HERE/typecheck/usage.py"

# The vector results are compared by `clerkauth vectors check` (FORMAT.md's rules, one implementation).
echo "== build the clerkauth command (vectors check)"
(cd "$HERE/.." && cargo build --release --locked -q -p clerkauth-cli)
CLERKAUTH_CLI="$(cd "$HERE/.." && pwd)/${CARGO_TARGET_DIR:-target}/release/clerkauth"
case "${CARGO_TARGET_DIR:-}" in /*) CLERKAUTH_CLI="$CARGO_TARGET_DIR/release/clerkauth" ;; esac
export CLERKAUTH_CLI

echo "== bindings-python: pytest"
"$PY" -m pytest -q -p no:cacheprovider "$HERE/tests"
