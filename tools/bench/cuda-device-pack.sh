#!/usr/bin/env bash
# Packs into .device/ (git-ignored) what tools/bench/cuda-check.sh needs on a lent GPU machine that has
# no network and no Node: the node binary, the built workspace's node_modules and dist folders with the
# CUDA addon, llama.cpp's source (from node-llama-cpp's bundle, as tools/bench builds it) and
# stories260K. Pass `.device` in the device tool's `carry` (64 MiB in all), then on the machine:
#   xz -dc .device/node.xz >/tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
#   tar xJf .device/nm.tar.xz && mkdir -p ../shared/models/stories260K && cp .device/stories260K.gguf ../shared/models/stories260K/
#   bash tools/bench/cuda-check.sh .device/llama-src.tar.xz "$OUT/check" F16 Q8_0 Q4_0 Q4_K_M
# Run after `npm run build`; node.xz and llama-src.tar.xz are kept when present, the rest is redone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D="$ROOT/.device"
mkdir -p "$D"
cd "$ROOT"
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >>.git/info/exclude

[ -f packages/backend-cuda/build/Release/ix_cuda.node ] || { echo "build the CUDA addon first (npm run build)" >&2; exit 1; }
[ -f "$D/node.xz" ] || xz -T2 -6 -c "$(command -v node)" >"$D/node.xz"

if [ ! -f "$D/llama-src.tar.xz" ]; then
  bundle="$ROOT/node_modules/node-llama-cpp/llama/gitRelease.bundle"
  tmp=$(mktemp -d)
  git clone -q "$bundle" "$tmp/llama.cpp"
  git -C "$tmp/llama.cpp" archive --format=tar HEAD CMakeLists.txt LICENSE app cmake common ggml include licenses src tools vendor | xz -T2 -6 >"$D/llama-src.tar.xz"
  rm -rf "$tmp"
fi

cp ../shared/models/stories260K/stories260K.gguf "$D/stories260K.gguf"

# the workspace as built, less what the check never loads (node-llama-cpp's binaries, big tokenizers
# the npu/webgpu/wasm peers and browser tooling, build tools; 64 MiB travel in all)
tar -c --exclude='node_modules/@node-llama-cpp' --exclude='node_modules/node-llama-cpp/llama' \
  --exclude='node_modules/@lenml/tokenizer-*' --exclude='node_modules/nx' --exclude='node_modules/@nx' \
  --exclude='node_modules/onnxruntime-node' --exclude='node_modules/webgpu' --exclude='node_modules/@wllama' \
  --exclude='node_modules/wllama2' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/typescript' --exclude='node_modules/openai' --exclude='node_modules/.cache' \
  --exclude='*.map' \
  node_modules packages/*/node_modules packages/*/dist tools/*/node_modules tools/*/dist \
  packages/*/build/Release/*.node | xz -T2 -6 >"$D/nm.tar.xz"
du -ch "$D"/* | tail -1
