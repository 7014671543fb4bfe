#!/usr/bin/env bash
# Prepare Node.js 20 for linux-arm64 under qemu-user on an x86-64 Debian 12 host,
# so the vitest suites can run on arm64 (correctness only) via tools/arm64/node.
# Downloads only from deb.debian.org and the npm registry. Idempotent.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# Machine-local cache, never inside the repo (same formula as tools/arm64/node).
ROOT="${IX_CACHE_DIR:-$HOME/.cache/ix}/arm64-sysroot"
MARK="$ROOT/.ix-sysroot-ok" # written last: its presence means the sysroot is complete
# Debian 12's arm64 nodejs is v18; trixie (Debian 13) ships 20.x.
SUITE=trixie
# Native bindings that vitest 4 / vite 8 load under arm64 (found by trying: only rolldown's,
# which bundles vitest.config.ts and transforms TS; rollup/esbuild/lightningcss are not loaded).
BINDINGS=(@rolldown/binding-linux-arm64-gnu)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Host tools: qemu-user to run arm64 binaries, the cross g++ to build arm64 addons.
missing=()
for p in qemu-user-static g++-aarch64-linux-gnu; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. Sysroot: trixie's nodejs and its runtime dependencies, unpacked with dpkg -x.
# `node --version` loads every shared library but skips V8 start-up (3 s under qemu).
if [ -f "$MARK" ] && info=$("$HERE/node" --version 2>/dev/null); then
  echo "arm64 sysroot already present: $ROOT"
else
  echo "building arm64 sysroot from Debian $SUITE: $ROOT"
  # A private apt state so the host's sources, lists and dpkg status stay untouched.
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
  touch "$tmp/status"
  echo "deb [arch=arm64] http://deb.debian.org/debian $SUITE main" >"$tmp/sources.list"
  apt=(-o Dir::Etc::sourcelist="$tmp/sources.list" -o Dir::Etc::sourceparts=-
    -o Dir::State::Lists="$tmp/lists" -o Dir::State::status="$tmp/status"
    -o Dir::Cache="$tmp/cache" -o APT::Architecture=arm64 -o APT::Architectures=arm64
    -o APT::Sandbox::User=root) # _apt cannot write into our 0700 temp dir
  apt-get "${apt[@]}" -qq update
  # Resolve the dependency closure now rather than hard-coding it, so point releases still work.
  mapfile -t pkgs < <(apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances nodejs | grep -v '^[ <]' | sort -u)
  (cd "$tmp/debs" && apt-get "${apt[@]}" -qq download "${pkgs[@]}")
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  for deb in "$tmp"/debs/*.deb; do dpkg -x "$deb" "$ROOT"; done
  # trixie is merged-/usr; qemu -L looks for the loader at /lib/ld-linux-aarch64.so.1.
  [ -e "$ROOT/lib" ] || ln -s usr/lib "$ROOT/lib"
  info=$("$HERE/node" -p 'process.version + " " + process.arch')
  [[ $info == "v2"[0-9].*" arm64" ]] || { echo "expected node >= 20, got $info" >&2; exit 1; }
  touch "$MARK"
fi

# 3. arm64 native bindings at the versions pinned in package-lock.json (node_modules is git-ignored).
for name in "${BINDINGS[@]}"; do
  dest="$REPO/node_modules/$name"
  [ -f "$dest/package.json" ] && continue
  ver=$(node -e 'const p = require(process.argv[1]).packages["node_modules/" + process.argv[2]];
    if (!p) { console.error(process.argv[2] + " is not in package-lock.json"); process.exit(1); }
    console.log(p.version)' "$REPO/package-lock.json" "$name")
  tgz=$(cd "$tmp" && npm pack --silent "$name@$ver")
  # Extract to a staging dir and move, so an interrupted run never looks complete.
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$tgz" -C "$tmp/x"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp/x/package" "$dest"
  echo "fetched $name@$ver"
done

echo "arm64 node: $info (QEMU_CPU=${QEMU_CPU:-max})"
cat <<EOF
Run a command under linux-arm64:
  tools/arm64/node <script> [args]    # e.g. tools/arm64/node node_modules/vitest/vitest.mjs run
  (= QEMU_CPU=\${QEMU_CPU:-max} qemu-aarch64-static -L $ROOT $ROOT/usr/bin/node ...,
   plus a NODE_OPTIONS hook so child_process.fork() children also run under qemu)
Set QEMU_CPU=cortex-a53 to test without dotprod/i8mm.
EOF
