// y[m, col0 + r] = x[m, :] · w[r, :] in float32: one warp per weight row, each lane decoding chunks of
// 8 weights. Block row y takes activation rows 8y .. 8y+7, so decode (m <= 8) reads the weights once and
// exact-mode prefill (any m) re-reads them per 8 rows, mostly from L2.
#pragma once
#include "common.cuh"

namespace ix {

constexpr int kMatvecRows = 8;

// p: x, w (first row of the chunk), y.  u: k, rows, m, ldy, col0, rowBytes
template <int T>
__device__ void matvec(const Args& a) {
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const uint32_t k = a.u[0], rows = a.u[1], ldy = a.u[3], col0 = a.u[4], rowBytes = a.u[5];
  const uint32_t m = min((uint32_t)kMatvecRows, a.u[2] - blockIdx.y * kMatvecRows);
  x += (uint64_t)blockIdx.y * kMatvecRows * k;
  y += (uint64_t)blockIdx.y * kMatvecRows * ldy;
  const uint32_t lane = threadIdx.x & 31;
  const uint32_t r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (r >= rows) return;
  const uint8_t* row = w + (uint64_t)r * rowBytes;
  float acc[kMatvecRows];
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) acc[i] = 0.f;
  const uint32_t chunks = k >> 3;
  for (uint32_t c = lane; c < chunks; c += 32) {
    float wv[8];
    dequant8<T>(row, c, wv);
#pragma unroll
    for (int i = 0; i < kMatvecRows; ++i) {
      if (i < (int)m) {
        const float* xi = x + (uint64_t)i * k + c * 8;
        float s = 0.f;
#pragma unroll
        for (int j = 0; j < 8; ++j) s = fmaf(wv[j], xi[j], s);
        acc[i] += s;
      }
    }
  }
  if (!is_quant(T)) {
    for (uint32_t e = chunks * 8 + lane; e < k; e += 32) {
      const float wv = plain_at<T>(row, e);
#pragma unroll
      for (int i = 0; i < kMatvecRows; ++i)
        if (i < (int)m) acc[i] = fmaf(wv, x[(uint64_t)i * k + e], acc[i]);
    }
  }
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) {
    if (i < (int)m) {
      const float s = warp_sum(acc[i]);
      if (lane == 0) y[(uint64_t)i * ldy + col0 + r] = s;
    }
  }
}

}  // namespace ix
