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
(cd "$HERE" && PYO3_PYTHON="$PY" "$VENV/bin/maturin" build --release --quiet -o "$WHEELS" -i "$PY")
"$PY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/clerkauth-*.whl

# Run outside the source tree so `import clerkauth` can only find the installed wheel.
RUNDIR="$(mktemp -d)"
trap 'rm -rf "$RUNDIR"' EXIT
cd "$RUNDIR"

echo "== bindings-python: mypy.stubtest"
"$PY" -m mypy.stubtest --mypy-config-file "$HERE/pyproject.toml" --allowlist "$HERE/stubtest-allowlist.txt" clerkauth

echo "== bindings-python: mypy --strict (typed usage of the installed package)"
"$PY" -m mypy --strict --no-incremental --config-file "$HERE/pyproject.toml" "$HERE/typecheck/usage.py"

echo "== bindings-python: pytest"
"$PY" -m pytest -q -p no:cacheprovider "$HERE/tests"
