// y[m, col0 + r] = x[m, :] · w[r, :] in float32: one warp per weight row, each lane decoding chunks of
// 8 weights, four chunks per step so their loads are in flight together (a lane's chunks would
// otherwise cost one memory latency each). Block row y takes activation rows 8y .. 8y+7: the planner
// sends at most 8 rows here (decode), so the weights are read once; prefill goes to matmul.cuh.
// Fused epilogues: `+ residual` (x + W·h of a residual stream) and GLU (silu(x·w) * (x·w_up), the
// gate and up projections and swiglu in one pass).
#pragma once
#include "common.cuh"

namespace ix {

constexpr int kMatvecRows = 8, kMatvecUnroll = 4;

/** 8 consecutive floats; `vec` when p is 16-byte aligned. */
__device__ __forceinline__ void load8(const float* p, float* v, bool vec) {
  if (vec) {
    const float4 a = __ldg((const float4*)p), b = __ldg((const float4*)p + 1);
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
  } else {
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = __ldg(p + j);
  }
}

/** Activation row i at x + i·k (a matmul's rows). */
struct StridedRows {
  const float* x;
  uint32_t k;
  __device__ __forceinline__ const float* operator[](int i) const { return x + (uint64_t)i * k; }
};

/** Activation rows anywhere (the slots routed to one expert, experts.cuh). */
struct GatheredRows {
  const float* r[kMatvecRows];
  __device__ __forceinline__ const float* operator[](int i) const { return r[i]; }
};

template <int T, class Rows>
__device__ __forceinline__ void matvec_chunk(const uint8_t* row, const Rows& x, uint32_t m, uint32_t c, bool vec,
                                             float* acc) {
  float wv[8];
  dequant8<T>(row, c, wv);
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) {
    if (i < (int)m) {
      float xv[8];
      load8(x[i] + c * 8, xv, vec);
      float s = 0.f;
#pragma unroll
      for (int j = 0; j < 8; ++j) s = fmaf(wv[j], xv[j], s);
      acc[i] += s;
    }
  }
}

/** acc[i] += x[i] · row over this lane's chunks (and tail elements of plain types). */
template <int T, class Rows>
__device__ __forceinline__ void matvec_row(const uint8_t* row, const Rows& x, uint32_t k, uint32_t m, uint32_t lane,
                                           bool vec, float* acc) {
  const uint32_t chunks = k >> 3;
  uint32_t c = lane;
  for (; c + 32 * (kMatvecUnroll - 1) < chunks; c += 32 * kMatvecUnroll) {
    float wv[kMatvecUnroll][8];
#pragma unroll
    for (int u = 0; u < kMatvecUnroll; ++u) dequant8<T>(row, c + 32 * u, wv[u]);
#pragma unroll
    for (int u = 0; u < kMatvecUnroll; ++u) {
#pragma unroll
      for (int i = 0; i < kMatvecRows; ++i) {
        if (i < (int)m) {
          float xv[8];
          load8(x[i] + (c + 32 * u) * 8, xv, vec);
          float s = 0.f;
#pragma unroll
          for (int j = 0; j < 8; ++j) s = fmaf(wv[u][j], xv[j], s);
          acc[i] += s;
        }
      }
    }
  }
  for (; c < chunks; c += 32) matvec_chunk<T>(row, x, m, c, vec, acc);
  if (!is_quant(T)) {
    for (uint32_t e = chunks * 8 + lane; e < k; e += 32) {
      const float wv = plain_at<T>(row, e);
#pragma unroll
      for (int i = 0; i < kMatvecRows; ++i)
        if (i < (int)m) acc[i] = fmaf(wv, x[i][e], acc[i]);
    }
  }
}

// p: x, w (first row of the chunk), y, residual (or null), w_up (GLU only).
// u: k, rows, m, ldy, col0, rowBytes
template <int T, bool GLU>
__device__ void matvec(const Args& a) {
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const float* res = (const float*)a.p[3];
  const uint32_t k = a.u[0], rows = a.u[1], ldy = a.u[3], col0 = a.u[4], rowBytes = a.u[5];
  const uint32_t m = min((uint32_t)kMatvecRows, a.u[2] - blockIdx.y * kMatvecRows);
  x += (uint64_t)blockIdx.y * kMatvecRows * k;
  y += (uint64_t)blockIdx.y * kMatvecRows * ldy;
  if (res) res += (uint64_t)blockIdx.y * kMatvecRows * ldy;
  const uint32_t lane = threadIdx.x & 31;
  const uint32_t r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (r >= rows) return;
  const bool vec = ((uintptr_t)x & 15) == 0 && (k & 3) == 0;
  float acc[kMatvecRows];
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) acc[i] = 0.f;
  const StridedRows rows_x{x, k};
  matvec_row<T>(w + (uint64_t)r * rowBytes, rows_x, k, m, lane, vec, acc);
  float up[GLU ? kMatvecRows : 1];
  if constexpr (GLU) {
#pragma unroll
    for (int i = 0; i < kMatvecRows; ++i) up[i] = 0.f;
    matvec_row<T>((const uint8_t*)a.p[4] + (uint64_t)r * rowBytes, rows_x, k, m, lane, vec, up);
  }
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) {
    if (i < (int)m) {
      float s = warp_sum(acc[i]);
      if constexpr (GLU) s = silu(s) * warp_sum(up[i]);
      if (lane == 0) {
        const uint64_t at = (uint64_t)i * ldy + col0 + r;
        y[at] = res ? s + res[at] : s;
      }
    }
  }
}

}  // namespace ix
