// Ops over rows of the last dimension: one block per row.
#pragma once
#include "common.cuh"

namespace ix {

// p: x, y, weight (op 3).  u: cols, op (0 rms_norm, 1 layer_norm, 2 softmax, 3 rms_norm times a
// weight row: the norm and the mul that follows it in one pass, 4 sum_rows (one output per row),
// 5 gaussian_top_k: max(0, x - (mean + k·std)), std the sample deviation), eps, scale or k bits
__device__ void rowwise(const Args& a) {
  __shared__ float scratch[32];
  const uint32_t c = a.u[0], op = a.u[1];
  const float param = f32_of(a.u[2]);
  const float* x = (const float*)a.p[0] + (uint64_t)blockIdx.x * c;
  float* y = (float*)a.p[1] + (uint64_t)blockIdx.x * c;
  if (op == 0 || op == 3) {
    float s = 0.f;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) s += x[i] * x[i];
    const float inv = 1.f / sqrtf(block_sum(s, scratch) / c + param);
    const float* wt = (const float*)a.p[2];
    if (op == 3) {
      for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) y[i] = x[i] * inv * wt[i];
    } else {
      for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) y[i] = x[i] * inv;
    }
  } else if (op == 4) {
    float s = 0.f;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) s += x[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) ((float*)a.p[1])[blockIdx.x] = s;
  } else if (op == 1 || op == 5) {
    float s = 0.f;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) s += x[i];
    const float mean = block_sum(s, scratch) / c;
    float v = 0.f;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) v += (x[i] - mean) * (x[i] - mean);
    const float sumSq = block_sum(v, scratch);
    if (op == 5) {
      const float cutoff = mean + param * sqrtf(sumSq / (c - 1));
      for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) y[i] = fmaxf(0.f, x[i] - cutoff);
    } else {
      const float inv = 1.f / sqrtf(sumSq / c + param);
      for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) y[i] = (x[i] - mean) * inv;
    }
  } else {
    float mx = -FLT_MAX;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) mx = fmaxf(mx, x[i] * param);
    mx = block_max(mx, scratch);
    float s = 0.f;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) s += expf(x[i] * param - mx);
    const float inv = 1.f / block_sum(s, scratch);
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) y[i] = expf(x[i] * param - mx) * inv;
  }
}

/** Does (v, i) rank before (w, j)? Larger first, equal values by index; NaN ranks as -infinity. */
__device__ __forceinline__ bool ranks_before(float v, uint32_t i, float w, uint32_t j) {
  if (v != v) v = -INFINITY;
  if (w != w) w = -INFINITY;
  return v > w || (v == w && i < j);
}

// argmax (k = 1) and top_k: k passes, each taking the best element ranked after the previous pick.
// p: x, y (I32).  u: cols, k
__device__ void select_top(const Args& a) {
  __shared__ float sv[32];
  __shared__ uint32_t si[32];
  __shared__ float prevV;
  __shared__ uint32_t prevI;
  const uint32_t c = a.u[0], k = a.u[1];
  const float* x = (const float*)a.p[0] + (uint64_t)blockIdx.x * c;
  int32_t* y = (int32_t*)a.p[1] + (uint64_t)blockIdx.x * k;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (uint32_t pass = 0; pass < k; ++pass) {
    float bv = -INFINITY;
    uint32_t bi = 0xffffffffu;
    for (uint32_t i = threadIdx.x; i < c; i += blockDim.x) {
      const float v = x[i];
      if (pass > 0 && !ranks_before(prevV, prevI, v, i)) continue;
      if (bi == 0xffffffffu || ranks_before(v, i, bv, bi)) bv = v, bi = i;
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
      const uint32_t oi = __shfl_xor_sync(0xffffffffu, bi, o);
      if (oi != 0xffffffffu && (bi == 0xffffffffu || ranks_before(ov, oi, bv, bi))) bv = ov, bi = oi;
    }
    __syncthreads();
    if (lane == 0) sv[warp] = bv, si[warp] = bi;
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < warps; ++w)
        if (si[w] != 0xffffffffu && (bi == 0xffffffffu || ranks_before(sv[w], si[w], bv, bi))) bv = sv[w], bi = si[w];
      y[pass] = (int32_t)(bi == 0xffffffffu ? 0 : bi);
      prevV = bv;
      prevI = bi;
    }
    __syncthreads();
  }
}

}  // namespace ix
