#!/usr/bin/env bash
# CI for libclerkauth (the C ABI): release build, header drift check with the pinned cbindgen,
# install into a staging prefix, then the C tests (tests/c/) compiled with
# `gcc -std=c11 -Wall -Wextra -Werror` against both the shared and the static library through
# pkg-config, the header compiled as C++, runs under valgrind, and ffi/README.md's C code
# compiled and run as written (tests/c/run_readme.py).
# Prints each suite's `N passed, M failed` and a final total line; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VECTORS="${CLERKAUTH_VECTORS:-$ROOT/tests/conformance/vectors}"
CBINDGEN_VERSION=0.29.4
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$TARGET_DIR/ctest"
PREFIX="$WORK/prefix"
CBINDGEN_ROOT="$TARGET_DIR/tools/cbindgen-$CBINDGEN_VERSION"
CBINDGEN="$CBINDGEN_ROOT/bin/cbindgen"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -O1 -g)
VALGRIND=(valgrind --quiet --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite,indirect --error-exitcode=3)
start=$SECONDS

# --- tools -----------------------------------------------------------------------------------
need_apt=()
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if ! "$CBINDGEN" --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  echo "=== installing cbindgen $CBINDGEN_VERSION into $CBINDGEN_ROOT"
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --root "$CBINDGEN_ROOT" --quiet
fi

# --- build, header drift, install ------------------------------------------------------------
echo "=== build (release) and install into $PREFIX"
rm -rf "$PREFIX"
make -s -C ffi install PREFIX="$PREFIX" CARGO_TARGET_DIR="$TARGET_DIR"

echo "=== header drift check (cbindgen $CBINDGEN_VERSION)"
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$CBINDGEN" --quiet --config ffi/cbindgen.toml --crate clerkauth-ffi --output "$fresh" ffi
if ! diff -u include/clerkauth.h "$fresh"; then
  echo "FAIL include/clerkauth.h is stale: run 'make -C ffi header' (cbindgen $CBINDGEN_VERSION) and commit it"
  exit 1
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
IFS=. read -r vmaj vmin vpat <<<"$version"
for macro in "CLERKAUTH_VERSION \"$version\"" "CLERKAUTH_VERSION_MAJOR $vmaj" "CLERKAUTH_VERSION_MINOR $vmin" "CLERKAUTH_VERSION_PATCH $vpat"; do
  grep -qx "#define $macro" include/clerkauth.h || { echo "FAIL header lacks '#define $macro' (Cargo.toml says $version): update ffi/cbindgen.toml"; exit 1; }
done
echo "header up to date (version $version)"

# --- compile ---------------------------------------------------------------------------------
echo "=== compile C tests (shared + static) and the header as C++"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
read -r -a PC_CFLAGS <<<"$(pkg-config --cflags clerkauth)"
read -r -a PC_LIBS <<<"$(pkg-config --libs clerkauth)"
read -r -a PC_STATIC <<<"$(pkg-config --static --libs-only-l clerkauth | sed 's/-lclerkauth//')"
LIBDIR=$(pkg-config --variable=libdir clerkauth)
BIN="$WORK/bin"
mkdir -p "$BIN"
build() { # name source [extra flags...]
  local name=$1 src=$2; shift 2
  gcc "${CFLAGS[@]}" "$@" "${PC_CFLAGS[@]}" "$src" "${PC_LIBS[@]}" -Wl,-rpath,"$LIBDIR" -o "$BIN/${name}_shared"
  gcc "${CFLAGS[@]}" "$@" "${PC_CFLAGS[@]}" "$src" "$LIBDIR/libclerkauth.a" "${PC_STATIC[@]}" -o "$BIN/${name}_static"
}
build vector_runner tests/c/vector_runner.c
build test_bad_input tests/c/test_bad_input.c
build test_threads tests/c/test_threads.c -pthread
build test_session tests/c/test_session.c -pthread
build test_realtime tests/c/test_realtime.c -pthread
g++ -x c++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only "${PC_CFLAGS[@]}" include/clerkauth.h
printf '#include <clerkauth.h>\nint main() { clerkauth_status s = clerkauth_authenticator_new(nullptr, nullptr); return s == CLERKAUTH_STATUS_NULL_PARAMETER ? 0 : 1; }\n' > "$WORK/cxx_smoke.cpp"
g++ -std=c++11 -Wall -Wextra -Werror "${PC_CFLAGS[@]}" "$WORK/cxx_smoke.cpp" "${PC_LIBS[@]}" -Wl,-rpath,"$LIBDIR" -o "$BIN/cxx_smoke"
gcc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c "${PC_CFLAGS[@]}" include/clerkauth.h
echo "compiled: $(ls "$BIN" | tr '\n' ' ')"

# --- run -------------------------------------------------------------------------------------
python3 tests/c/thread_fixture.py "$VECTORS" "$WORK/threads.fixture"
total_p=0; total_f=0; suites_failed=0
run() { # label command...
  local label=$1; shift
  echo "=== $label"
  local out rc=0 t=$SECONDS
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "$out" | head -n 80
  local line p f
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
  else
    p=0; f=1; echo "FAIL no summary line"
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL exit status $rc"; fi
  total_p=$((total_p + p)); total_f=$((total_f + f))
  [ "$f" -eq 0 ] || suites_failed=$((suites_failed + 1))
  echo "--- $label: $p passed, $f failed ($((SECONDS - t)) s)"
}
# The results are compared with the vectors by `clerkauth vectors check` (FORMAT.md's rules).
echo "=== build the clerkauth command (vectors check)"
cargo build --release --locked -q -p clerkauth-cli --target-dir "$TARGET_DIR"
CLI="$TARGET_DIR/release/clerkauth"
run "vectors via C API, shared lib (typed + JSON entry)" python3 tests/c/run_vectors.py --cli "$CLI" "$BIN/vector_runner_shared" "$VECTORS"
run "vectors via C API, static lib (typed + JSON entry)" python3 tests/c/run_vectors.py --cli "$CLI" "$BIN/vector_runner_static" "$VECTORS"
run "vectors via C API under valgrind (all, typed + JSON entry)" python3 tests/c/run_vectors.py --cli "$CLI" --valgrind "$BIN/vector_runner_shared" "$VECTORS"
run "bad input, shared lib" "$BIN/test_bad_input_shared"
run "bad input, static lib" "$BIN/test_bad_input_static"
run "bad input under valgrind" "${VALGRIND[@]}" "$BIN/test_bad_input_shared"
run "threads 8 x 500, shared lib" "$BIN/test_threads_shared" "$WORK/threads.fixture" 8 500
run "threads 8 x 500, static lib" "$BIN/test_threads_static" "$WORK/threads.fixture" 8 500
run "threads 4 x 100 under valgrind" "${VALGRIND[@]}" "$BIN/test_threads_shared" "$WORK/threads.fixture" 4 100
run "pending toAuth + session tokens (loopback Backend API), shared lib" python3 tests/c/session_bapi.py "$BIN/test_session_shared"
run "pending toAuth + session tokens (loopback Backend API), static lib" python3 tests/c/session_bapi.py "$BIN/test_session_static"
run "pending toAuth + session tokens under valgrind" python3 tests/c/session_bapi.py "${VALGRIND[@]}" "$BIN/test_session_shared"
run "verifyToken, WebSocket tokens, validUntil, continues (8 x 200), shared lib" "$BIN/test_realtime_shared" 8 200
run "verifyToken, WebSocket tokens, validUntil, continues (8 x 200), static lib" "$BIN/test_realtime_static" 8 200
run "verifyToken, WebSocket tokens, validUntil, continues (4 x 20) under valgrind" "${VALGRIND[@]}" "$BIN/test_realtime_shared" 4 20
# ffi/README.md's c blocks, extracted by heading, compiled as the tests are (shared library) and
# run: the Example offline with a key and tokens made by the script, the fragments compiled.
run "ffi/README.md examples (compiled and run as written)" python3 tests/c/run_readme.py ffi/README.md "$WORK/readme" \
  gcc "${CFLAGS[@]}" "${PC_CFLAGS[@]}" '{src}' "${PC_LIBS[@]}" -Wl,-rpath,"$LIBDIR" -o '{out}'
echo "=== C++ smoke"
for b in cxx_smoke; do
  if "$BIN/$b" >/dev/null; then total_p=$((total_p + 1)); echo "ok $b"; else total_f=$((total_f + 1)); suites_failed=$((suites_failed + 1)); echo "FAIL $b"; fi
done
echo "=== ffi/ci.sh done in $((SECONDS - start)) s ($suites_failed failing suites)"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
