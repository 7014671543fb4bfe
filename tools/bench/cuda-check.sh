#!/usr/bin/env bash
# The GPU check of @ix/backend-cuda, for a machine with an NVIDIA GPU (the build machines have none):
#   1. builds llama.cpp with CUDA (llama-bench, llama-quantize) from the source that ships inside the
#      node-llama-cpp package, in the background;
#   2. runs the CUDA backend's tests with IX_CUDA_REQUIRED=1 (a skip is a failure);
#   3. writes a random-weight TinyLlama-1.1B GGUF in F16 (model-gen) and quantizes it with llama.cpp's
#      own llama-quantize to Q8_0, Q4_0 and Q4_K_M;
#   4. benchmarks ix (cuda backend, exact and fast accuracy; Q4_0 also without CUDA graphs) and
#      llama-bench on each file: pp512 and tg128, medians of IX_CHECK_REPEATS runs (default 3) after a
#      warm-up, ratios ix/llama.cpp, and decode's weight bytes per second against peak bandwidth.
# Every step logs into the output folder and a failed step does not stop the next ones.
# usage: tools/bench/cuda-check.sh <llama.cpp source: folder or .tar.xz> <output folder> [quant...]
# Settings (environment):
#   IX_CHECK_PRESET   model-gen preset (default tinyllama-1.1b; mistral-7b for the 7B shape)
#   IX_CHECK_LAYERS   fewer layers than the preset (the layer shapes of a big model in a small file)
#   IX_CHECK_PEER=0   no llama.cpp: the quantized files come from model-gen, and ix runs alone
#   IX_CHECK_LLAMA_BIN  a folder with llama-bench and llama-quantize built by an earlier run (the
#                       <llama.cpp source> argument is then unused): no build, minutes saved
#   IX_CHECK_TESTS=0  skip the tests
#   IX_CHECK_PROFILE=1  also a profiled ix run (IX_CUDA_PROFILE) per quant: GPU time per kernel,
#                       prefill and decode apart (profile-<quant>-pp.txt, -tg.txt)
set -uo pipefail
SRC=$1
OUT=$2
shift 2
QUANTS=("${@:-F16 Q8_0 Q4_0 Q4_K_M}")
read -r -a QUANTS <<<"${QUANTS[*]}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${IX_CHECK_WORK:-/tmp/ix-cuda-check}
REPEATS=${IX_CHECK_REPEATS:-3}
PRESET=${IX_CHECK_PRESET:-tinyllama-1.1b}
LAYERS=${IX_CHECK_LAYERS:-}
PEER=${IX_CHECK_PEER:-1}
NAME=$PRESET${LAYERS:+-${LAYERS}l}
GEN_LAYERS=()
[ -n "$LAYERS" ] && GEN_LAYERS=(--layers "$LAYERS")
mkdir -p "$OUT" "$WORK/models"
export PATH="$PATH:/usr/local/cuda/bin"
log() { echo "[cuda-check $(date +%T)] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.memory --format=csv | tee "$OUT/gpu.txt"
lscpu | grep -m1 'Model name' | tee -a "$OUT/gpu.txt"

# 1. llama.cpp + CUDA, static, for this GPU only. cuBLAS may live outside the toolkit (a pip wheel).
BUILD=
BIN="$WORK/llama-build/bin"
if [ -n "${IX_CHECK_LLAMA_BIN:-}" ]; then
  BIN=$IX_CHECK_LLAMA_BIN
  # a build linked to a cuBLAS outside the toolkit finds it again the same way
  lib=$(find /usr/local /opt /usr/lib -name 'libcublas.so.*' 2>/dev/null | head -1)
  [ -n "$lib" ] && export LD_LIBRARY_PATH="$(dirname "$lib"):${LD_LIBRARY_PATH:-}"
  log "llama.cpp from $BIN"
elif [ "$PEER" = 1 ]; then
log "llama.cpp build started"
(
  set -e
  if [ -f "$SRC" ]; then mkdir -p "$WORK/llama-src" && tar xJf "$SRC" -C "$WORK/llama-src" && S="$WORK/llama-src"; else S="$SRC"; fi
  extra=()
  if ! ls /usr/local/cuda/lib64/libcublas.so* >/dev/null 2>&1; then
    lib=$(find /usr/local /opt /usr/lib -name 'libcublas.so.*' 2>/dev/null | head -1)
    libLt=$(find /usr/local /opt /usr/lib -name 'libcublasLt.so.*' 2>/dev/null | head -1)
    inc=$(find /usr/local /opt /usr/include -name cublas_v2.h 2>/dev/null | head -1)
    echo "cuBLAS outside the toolkit: $lib $libLt $inc"
    extra=(-DCUDA_cublas_LIBRARY="$lib" -DCUDA_cublasLt_LIBRARY="$libLt" -DCMAKE_CUDA_FLAGS="-I$(dirname "$inc")" -DCMAKE_CXX_FLAGS="-I$(dirname "$inc")")
    export LIBRARY_PATH="$(dirname "$lib"):${LIBRARY_PATH:-}"
  fi
  cmake -S "$S" -B "$WORK/llama-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=native \
    -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DGGML_CUDA_NCCL=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF "${extra[@]}"
  cmake --build "$WORK/llama-build" --target llama-bench llama-quantize -j"$(nproc)"
) >"$OUT/llama-build.log" 2>&1 &
BUILD=$!
fi

# 3a. the F16 model, while llama.cpp builds
F16="$WORK/models/$NAME-F16.gguf"
GEN=()
if [ "$PEER" = 1 ] || [[ " ${QUANTS[*]} " == *" F16 "* ]]; then
  (node "$ROOT/tools/model-gen/dist/cli.js" --preset "$PRESET" "${GEN_LAYERS[@]}" --quant F16 --seed 1 --gguf "$F16" >"$OUT/model-gen.log" 2>&1; log "F16 model written") &
  GEN+=($!)
fi
if [ "$PEER" != 1 ]; then
  for q in "${QUANTS[@]}"; do
    [ "$q" = F16 ] && continue
    (node "$ROOT/tools/model-gen/dist/cli.js" --preset "$PRESET" "${GEN_LAYERS[@]}" --quant "$q" --seed 1 --gguf "$WORK/models/$NAME-$q.gguf" >"$OUT/model-gen-$q.log" 2>&1; log "$q model written") &
    GEN+=($!)
  done
fi

# 2. the tests, on the GPU
if [ "${IX_CHECK_TESTS:-1}" = 1 ]; then
  log "tests"
  (cd "$ROOT/packages/backend-cuda" && IX_CUDA_REQUIRED=1 timeout 240 node "$ROOT/node_modules/vitest/vitest.mjs" run --reporter=verbose >"$OUT/tests.log" 2>&1)
  log "tests exit $?: $(grep -E 'Tests +[0-9]' "$OUT/tests.log" | tail -1)"
fi

wait "${GEN[@]}"
if [ -n "$BUILD" ]; then
  wait $BUILD
  log "llama.cpp build exit $?"
  tail -3 "$OUT/llama-build.log"
fi

# 3b. quantized files made by llama.cpp itself
for q in "${QUANTS[@]}"; do
  [ "$q" = F16 ] && continue
  [ -x "$BIN/llama-quantize" ] && "$BIN/llama-quantize" "$F16" "$WORK/models/$NAME-$q.gguf" "$q" "$(nproc)" >"$OUT/quantize-$q.log" 2>&1
done
ls -la "$WORK/models"

# 4. side by side, one model at a time
for q in "${QUANTS[@]}"; do
  m="$WORK/models/$NAME-$q.gguf"
  [ -f "$m" ] || { log "no $m"; continue; }
  for mode in exact fast; do
    log "bench $q: ix ($mode)"
    IX_CUDA_ACCURACY=$mode timeout 150 node "$ROOT/packages/cli/dist/ix.js" bench "$m" --backend cuda -p 512 -n 128 --sampling none -r "$REPEATS" --json >"$OUT/ix-$q-$mode.json" 2>"$OUT/ix-$q-$mode.err"
  done
  if [ "$q" = Q4_0 ]; then
    log "bench $q: ix without CUDA graphs"
    IX_CUDA_GRAPHS=0 timeout 150 node "$ROOT/packages/cli/dist/ix.js" bench "$m" --backend cuda -p 512 -n 128 --sampling none -r "$REPEATS" --json >"$OUT/ix-$q-nographs.json" 2>"$OUT/ix-$q-nographs.err"
  fi
  if [ "${IX_CHECK_PROFILE:-0}" = 1 ]; then
    log "profile $q"
    IX_CUDA_PROFILE=1 timeout 120 node "$ROOT/packages/cli/dist/ix.js" bench "$m" --backend cuda -p 512 -n 0 --sampling none -r 1 >"$OUT/profile-$q-pp.txt" 2>&1
    IX_CUDA_PROFILE=1 timeout 120 node "$ROOT/packages/cli/dist/ix.js" bench "$m" --backend cuda -p 0 -n 128 --sampling none -r 1 >"$OUT/profile-$q-tg.txt" 2>&1
  fi
  log "bench $q: llama-bench"
  [ -x "$BIN/llama-bench" ] && timeout 150 "$BIN/llama-bench" -m "$m" -p 512 -n 128 -r "$REPEATS" -o json >"$OUT/llama-$q.json" 2>"$OUT/llama-$q.err"
done

IX_CHECK_NAME=$NAME IX_CHECK_MODELS="$WORK/models" node "$ROOT/tools/bench/cuda-summary.mjs" "$OUT" "${QUANTS[@]}" | tee "$OUT/summary.md"
