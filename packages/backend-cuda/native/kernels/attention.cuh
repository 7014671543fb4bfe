// Attention of q[T, Hq, D] over a KV cache [S, Hkv, D] (F32 or F16): one block per (query, head),
// keys in tiles of kKeyTile with an online softmax, so any context length runs in fixed shared memory.
// Positions (pos0, kvLen) are read from device memory: they move every step under a replayed graph.
// Split (decode over long caches): blockIdx.y takes keys [y * chunk, (y + 1) * chunk) and writes its
// partial softmax (max, sum, unnormalised output) to scratch; attention_merge combines the parts.
#pragma once
#include "common.cuh"

namespace ix {

constexpr int kAttnThreads = 128, kKeyTile = 128, kMaxHeadDim = 512;

template <typename KV>
__device__ __forceinline__ float kv_at(const KV* p, uint64_t i) {
  if constexpr (sizeof(KV) == 2) return __half2float(p[i]);
  else return p[i];
}

/** The keys [first, end) query t sees: graph.ts's attentionSpan (causal, and a sliding window or not). */
__device__ __forceinline__ void attention_span(uint32_t pos0, uint32_t kvLen, uint32_t t, uint32_t causal, uint32_t window,
                                               uint32_t& first, uint32_t& end) {
  const uint32_t at = pos0 + t;
  if (causal) {
    first = window && at + 1 > window ? at + 1 - window : 0;
    end = min(kvLen, at + 1);
  } else if (window) {
    const uint32_t half = window / 2;
    first = at > half ? at - half : 0;
    end = min(kvLen, at + half + 1);
  } else {
    first = 0, end = kvLen;
  }
  if (first > end) first = end;
}

// p: q, k, v, y (split: the partials), positions, sinks (F32 [Hq] or null; not split: split adds them
// in attention_merge).  u: T, Hq, Hkv, D, causal, scale bits, positionIndex, chunk (split: keys per
// part), window (0: none), softcap bits (0: none)
template <typename KV, bool SPLIT>
__device__ void attention(const Args& a) {
  __shared__ float qs[kMaxHeadDim];
  __shared__ float sc[kKeyTile];
  __shared__ float scratch[32];
  const uint32_t Hq = a.u[1], Hkv = a.u[2], D = a.u[3], causal = a.u[4], window = a.u[8];
  const float scale = f32_of(a.u[5]), softcap = f32_of(a.u[9]);
  const uint32_t* pos = (const uint32_t*)a.p[4] + a.u[6];
  const uint32_t pos0 = pos[0], kvLen = pos[1];
  const uint32_t t = blockIdx.x / Hq, h = blockIdx.x % Hq, g = (uint32_t)(((uint64_t)h * Hkv) / Hq);
  uint32_t first, seen;
  attention_span(pos0, kvLen, t, causal, window, first, seen);
  const float* q = (const float*)a.p[0] + ((uint64_t)t * Hq + h) * D;
  const KV* K = (const KV*)a.p[1];
  const KV* V = (const KV*)a.p[2];
  float* y = SPLIT ? nullptr : (float*)a.p[3] + ((uint64_t)t * Hq + h) * D;
  for (uint32_t d = threadIdx.x; d < D; d += kAttnThreads) qs[d] = q[d];
  float acc[kMaxHeadDim / kAttnThreads];
#pragma unroll
  for (int i = 0; i < kMaxHeadDim / kAttnThreads; ++i) acc[i] = 0.f;
  float runMax = -INFINITY, runSum = 0.f;
  const uint32_t lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  // values: a small head (D dividing the block) splits the keys over kAttnThreads / D thread groups
  const uint32_t groups = D < kAttnThreads && kAttnThreads % D == 0 ? kAttnThreads / D : 1;
  const uint32_t span = groups > 1 ? D : kAttnThreads;
  const uint32_t group = threadIdx.x / span, d0 = threadIdx.x % span;
  __syncthreads();
  // split: part y takes keys first + [y * chunk, (y + 1) * chunk)
  const uint32_t begin = SPLIT ? min(seen, first + blockIdx.y * a.u[7]) : first;
  const uint32_t end = SPLIT ? min(seen, begin + a.u[7]) : seen;
  for (uint32_t j0 = begin; j0 < end; j0 += kKeyTile) {
    const uint32_t n = min((uint32_t)kKeyTile, end - j0);
    // a warp scores 4 keys at a time, so their loads are in flight together
    for (uint32_t j = warp * 4; j < n; j += kAttnThreads / 32 * 4) {
      float s[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if (j + u < n) {
          const uint64_t row = ((uint64_t)(j0 + j + u) * Hkv + g) * D;
          for (uint32_t d = lane; d < D; d += 32) s[u] = fmaf(qs[d], kv_at(K, row + d), s[u]);
        }
      }
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const float dot = warp_sum(s[u]) * scale;
        if (lane == 0 && j + u < n) sc[j + u] = softcap != 0.f ? softcap * tanhf(dot / softcap) : dot;
      }
    }
    __syncthreads();
    float m = -INFINITY;
    for (uint32_t j = threadIdx.x; j < n; j += kAttnThreads) m = fmaxf(m, sc[j]);
    const float tileMax = block_max(m, scratch);
    const float newMax = fmaxf(runMax, tileMax);
    float s = 0.f;
    for (uint32_t j = threadIdx.x; j < n; j += kAttnThreads) {
      const float p = expf(sc[j] - newMax);
      sc[j] = p;
      s += p;
    }
    const float tileSum = block_sum(s, scratch);  // its barriers also publish sc[]
    const float corr = runMax == -INFINITY ? 0.f : expf(runMax - newMax);
    runSum = runSum * corr + tileSum;
    runMax = newMax;
    // thread (group, d0) sums keys group, group + groups, ... for dims d0, d0 + span, ...
#pragma unroll
    for (int i = 0; i < kMaxHeadDim / kAttnThreads; ++i) {
      const uint32_t d = d0 + i * span;
      if (d < D) {
        float o = acc[i] * corr;
#pragma unroll 4
        for (uint32_t j = group; j < n; j += groups) o = fmaf(sc[j], kv_at(V, ((uint64_t)(j0 + j) * Hkv + g) * D + d), o);
        acc[i] = o;
      }
    }
    __syncthreads();
  }
  // a sink: one more logit in the softmax's denominator, with no value
  if (!SPLIT && a.p[5]) {
    const float sink = ((const float*)a.p[5])[h];
    const float newMax = fmaxf(runMax, sink);
    const float corr = runMax == -INFINITY ? 0.f : expf(runMax - newMax);
    runSum = runSum * corr + expf(sink - newMax);
#pragma unroll
    for (int i = 0; i < kMaxHeadDim / kAttnThreads; ++i) acc[i] *= corr;
  }
  // split: the part's max, sum and unnormalised output; else the normalised output
  const float inv = SPLIT ? 1.f : runSum > 0.f ? 1.f / runSum : 0.f;
  if constexpr (SPLIT) {
    y = (float*)a.p[3] + ((uint64_t)blockIdx.x * gridDim.y + blockIdx.y) * (D + 2) + 2;
    if (threadIdx.x == 0) y[-2] = runMax, y[-1] = runSum;
  }
  if (groups > 1) {
    // the groups' partial sums meet in shared memory (sc is free now: D <= kKeyTile here)
    for (uint32_t gi = 1; gi < groups; ++gi) {
      if (group == gi && d0 < D) sc[d0] = acc[0];
      __syncthreads();
      if (group == 0 && d0 < D) acc[0] += sc[d0];
      __syncthreads();
    }
    if (group == 0 && d0 < D) y[d0] = acc[0] * inv;
    return;
  }
#pragma unroll
  for (int i = 0; i < kMaxHeadDim / kAttnThreads; ++i) {
    const uint32_t d = d0 + i * span;
    if (d < D) y[d] = acc[i] * inv;
  }
}

// The parts of a split attention into its output: each part's sum and output rescaled to the largest
// max (the head's sink logit, where given, joins the sum). p: partials [rows, parts, D + 2], y [rows, D],
// sinks (F32 [Hq] or null).  u: parts, D, Hq
__device__ void attention_merge(const Args& a) {
  const uint32_t parts = a.u[0], D = a.u[1];
  const float* part = (const float*)a.p[0] + (uint64_t)blockIdx.x * parts * (D + 2);
  float* y = (float*)a.p[1] + (uint64_t)blockIdx.x * D;
  const float sink = a.p[2] ? ((const float*)a.p[2])[blockIdx.x % a.u[2]] : -INFINITY;
  float m = sink;
  for (uint32_t s = 0; s < parts; ++s) m = fmaxf(m, part[s * (D + 2)]);
  float total = sink == -INFINITY ? 0.f : expf(sink - m);
  for (uint32_t s = 0; s < parts; ++s) {
    const float ms = part[s * (D + 2)];
    if (ms != -INFINITY) total += part[s * (D + 2) + 1] * expf(ms - m);
  }
  const float inv = total > 0.f ? 1.f / total : 0.f;
  for (uint32_t d = threadIdx.x; d < D; d += blockDim.x) {
    float o = 0.f;
    for (uint32_t s = 0; s < parts; ++s) {
      const float ms = part[s * (D + 2)];
      if (ms != -INFINITY) o += part[s * (D + 2) + 2 + d] * expf(ms - m);
    }
    y[d] = o * inv;
  }
}

}  // namespace ix
