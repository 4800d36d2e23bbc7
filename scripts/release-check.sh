#!/usr/bin/env bash
# CI check of the release artifacts, x86_64 glibc only (scripts/release.sh builds and checks the
# arm64 and musl ones): builds them with `scripts/release.sh --targets x86_64-unknown-linux-gnu`,
# then, as a user would get them:
#   - no x86_64 binary (wheel .so, .node, C .so) needs a glibc symbol newer than 2.17;
#   - the manylinux2014 wheel installs in a fresh venv and passes the pytest suite;
#   - the packed main + platform npm packages install into a fresh folder and require/import
#     load the addon through the platform package; without it the error names the platform;
#   - the C tarball has its soname and symlinks, and a CMake project (find_package(clerkauth))
#     and a pkg-config build link the shared and static library and run.
# Usage: scripts/release-check.sh [--no-build]   (--no-build: re-check the previous build)
# Prints `N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CLERKAUTH_VECTORS=${CLERKAUTH_VECTORS:-$ROOT/tests/conformance/vectors}
T=x86_64-unknown-linux-gnu
ID=linux-x64-gnu
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
WORK=$CARGO_TARGET_DIR/release-check
DIST=$WORK/dist
start=$SECONDS

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v objdump >/dev/null || need_apt+=(binutils)
command -v unzip >/dev/null || need_apt+=(unzip)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [ "${1:-}" = --no-build ]; then # re-check the artifacts of the previous run
  rm -rf "$WORK/x" "$WORK/venv" "$WORK"/npm-* "$WORK"/cmake-* "$WORK/pc-build"
else
  rm -rf "$WORK"
  mkdir -p "$WORK"
  bash scripts/release.sh --targets "$T" --out "$DIST" --no-smoke
fi

passed=0; failed=0
check() { # label command...
  local label=$1; shift
  echo "=== $label"
  if "$@"; then passed=$((passed + 1)); echo "--- ok: $label"
  else failed=$((failed + 1)); echo "--- FAIL: $label"; fi
}

WHEEL=$(ls "$DIST"/clerkauth-"$VERSION"-cp39-abi3-manylinux*_x86_64.whl)
CTAR=$DIST/clerkauth-$VERSION-$T.tar.gz
NPM_MAIN=$DIST/clerkauth-$VERSION.tgz
NPM_PLAT=$DIST/clerkauth-$ID-$VERSION.tgz
ls -l "$WHEEL" "$CTAR" "$NPM_MAIN" "$NPM_PLAT" "$DIST/clerkauth-$VERSION.tar.gz"
mkdir -p "$WORK/x/wheel" "$WORK/x/npm" "$WORK/x/c"
unzip -q "$WHEEL" -d "$WORK/x/wheel"
tar -xzf "$NPM_PLAT" -C "$WORK/x/npm"
tar -xzf "$CTAR" -C "$WORK/x/c"
CDIR=$WORK/x/c/clerkauth-$VERSION-$T

# --- glibc ceiling ---------------------------------------------------------------------------
glibc_max() { # the newest GLIBC_x.y symbol version a binary needs
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1
}
glibc_ok() {
  local f max
  for f in "$@"; do
    max=$(glibc_max "$f")
    echo "$(basename "$f"): needs GLIBC_$max"
    [ -n "$max" ] && [ "$(printf '%s\n2.17\n' "$max" | sort -V | tail -n 1)" = 2.17 ] || return 1
  done
}
check "glibc <= 2.17 (wheel .so, .node, C .so)" glibc_ok \
  "$WORK/x/wheel/clerkauth/_native.abi3.so" "$WORK/x/npm/package/clerkauth.$ID.node" "$CDIR/lib/libclerkauth.so.$VERSION"
auditwheel_ok() {
  local out
  out=$("$CARGO_TARGET_DIR/release-tools/venv/bin/auditwheel" show "$WHEEL") && echo "$out" \
    && tr -s ' \n' ' ' <<<"$out" | grep -q '"manylinux_2_17_x86_64"'
}
check "auditwheel show: manylinux_2_17_x86_64" auditwheel_ok

# --- Python: the wheel in a fresh venv, the pytest suite ---------------------------------------
python_suite() {
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --disable-pip-version-check "$WHEEL" \
    -r "$ROOT/bindings-python/tests/requirements.txt"
  # From outside the source tree: `import clerkauth` can only find the installed wheel.
  (cd "$WORK" && "$WORK/venv/bin/python" -c 'import clerkauth, sys; print("installed:", clerkauth.__file__); sys.exit("site-packages" not in clerkauth.__file__)' \
    && "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/bindings-python/tests")
}
check "manylinux2014 wheel in a fresh venv: pytest" python_suite

# --- npm: packed main + platform package in a fresh folder -----------------------------------
npm_suite() ( # a subshell: it changes directory
  local app=$WORK/npm-app
  mkdir -p "$app" && cd "$app"
  npm init -y >/dev/null
  npm install --no-audit --no-fund "$NPM_MAIN" "$NPM_PLAT"
  [ ! -e node_modules/clerkauth/native ] || { echo "main package carries native/"; return 1; }
  node -e '
const c = require("clerkauth");
const plat = require.resolve("clerkauth-'"$ID"'");
const loaded = Object.keys(require.cache).filter((f) => f.endsWith(".node"));
if (loaded.length !== 1 || loaded[0] !== plat) throw new Error("addon not loaded from the platform package: " + loaded);
c.authenticateRequest(new Request("https://app.example.com/"), { publishableKey: "pk_live_" + Buffer.from("clerk.example.com$").toString("base64url"), secretKey: "sk_live_x" })
  .then((s) => {
    if (s.status !== "signed-out" || s.reason !== "session-token-and-uat-missing") throw new Error("unexpected " + s.status + "/" + s.reason);
    console.log("require(clerkauth): " + s.status + "/" + s.reason + " via " + plat);
  }).catch((e) => { console.error(e); process.exit(1); });
' && node --input-type=module -e '
import { createClerkClient, ClerkAuthError } from "clerkauth";
try { await createClerkClient({}).authenticateRequest(new Request("https://a.example/")); throw new Error("no error"); }
catch (e) { if (!(e instanceof ClerkAuthError) || typeof e.code !== "string" || !e.code) throw e; console.log("import(clerkauth): error code " + e.code); }
'
)
check "npm: main + $ID packages in a fresh folder" npm_suite
npm_missing_platform() (
  local app=$WORK/npm-noplat
  mkdir -p "$app" && cd "$app"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --omit=optional "$NPM_MAIN"
  node -e '
try { require("clerkauth"); } catch (e) {
  console.log(e.message);
  if (e.code === "ERR_CLERKAUTH_NATIVE" && e.message.includes("'"$ID"'") && e.message.includes("clerkauth-'"$ID"'")) process.exit(0);
  throw e;
}
throw new Error("loaded without a platform package");
'
)
check "npm: without the platform package the error names $ID" npm_missing_platform

# --- C: tarball layout, CMake consumer, pkg-config -------------------------------------------
c_layout() {
  local soname
  soname=$(objdump -p "$CDIR/lib/libclerkauth.so.$VERSION" | awk '$1 == "SONAME" { print $2 }')
  echo "SONAME $soname"
  [ -n "$soname" ] && [ -L "$CDIR/lib/$soname" ] && [ "$(readlink -f "$CDIR/lib/libclerkauth.so")" = "$CDIR/lib/libclerkauth.so.$VERSION" ] \
    && [ -f "$CDIR/lib/libclerkauth.a" ] && [ -f "$CDIR/include/clerkauth.h" ] \
    && cmp -s "$CDIR/include/clerkauth.h" include/clerkauth.h \
    && [ -f "$CDIR/lib/pkgconfig/clerkauth.pc" ] && [ -f "$CDIR/lib/cmake/clerkauth/clerkauthConfig.cmake" ]
}
check "C tarball: soname, symlinks, header, .a, .pc, CMake config" c_layout
cmake_consumer() {
  local b=$WORK/cmake-build
  cmake -S tests/release/cmake-consumer -B "$b" -DCMAKE_PREFIX_PATH="$CDIR" -DCMAKE_BUILD_TYPE=Release >/dev/null \
    && cmake --build "$b" \
    && "$b/consumer_shared" && "$b/consumer_static" \
    && ldd "$b/consumer_shared" | grep "libclerkauth.so" \
    && ! ldd "$b/consumer_static" | grep -q libclerkauth
}
check "CMake: find_package(clerkauth 0.1) builds and runs (shared + static)" cmake_consumer
cmake_version_refused() { # a 0.x release does not satisfy a request for the next minor version
  local next
  next=$(echo "$VERSION" | awk -F. '{ print ($1 == "0") ? "0." $2 + 1 : $1 + 1 }')
  ! cmake -S tests/release/cmake-consumer -B "$WORK/cmake-next" -DCMAKE_PREFIX_PATH="$CDIR" -DCLERKAUTH_WANT="$next" >"$WORK/cmake-next.log" 2>&1 \
    && grep -q "clerkauthConfig.cmake, version: $VERSION" "$WORK/cmake-next.log" && echo "find_package(clerkauth $next) refused $VERSION"
}
check "CMake: find_package(clerkauth <next minor>) refuses $VERSION" cmake_version_refused
pkgconfig_consumer() {
  local b=$WORK/pc-build
  mkdir -p "$b"
  export PKG_CONFIG_PATH=$CDIR/lib/pkgconfig
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror tests/release/cmake-consumer/consumer.c $(pkg-config --cflags --libs clerkauth) \
      -Wl,-rpath,"$(pkg-config --variable=libdir clerkauth)" -o "$b/consumer_pc" && "$b/consumer_pc"
}
check "pkg-config (relocated .pc): build and run" pkgconfig_consumer

echo "=== release-check done in $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
