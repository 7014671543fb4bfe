#!/usr/bin/env bash
# Run a package's vitest files on linux-arm64 under qemu-user (correctness only: qemu timings mean
# nothing), from the package folder:   bash ../../tools/arm64/test.sh test/a.test.ts test/b.test.ts
# Skips with a note where tools/arm64/sysroot.sh has not prepared the arm64 Node.js, unless
# IX_ARM64_REQUIRED=1 (CI), where that is an error.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT="${IX_CACHE_DIR:-$HOME/.cache/ix}/arm64-sysroot"
if [ ! -f "$ROOT/.ix-sysroot-ok" ]; then
  if [ "${IX_ARM64_REQUIRED:-}" = 1 ]; then
    echo "arm64 tests: no sysroot at $ROOT (run tools/arm64/sysroot.sh)" >&2
    exit 1
  fi
  echo "arm64 tests skipped: run tools/arm64/sysroot.sh to prepare Node.js for linux-arm64 under qemu"
  exit 0
fi
# `npm install` prunes the arm64 binding sysroot.sh put into node_modules: put it back (seconds)
[ -f "$HERE/../../node_modules/@rolldown/binding-linux-arm64-gnu/package.json" ] || bash "$HERE/sysroot.sh" >/dev/null
echo "arm64 tests under qemu-user (QEMU_CPU=${QEMU_CPU:-max}): $*"
exec "$HERE/node" "$HERE/../../node_modules/vitest/vitest.mjs" run "$@"
