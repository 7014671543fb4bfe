// y[m, col0 + n] = x[m, :] · w[n, :] (+ residual) for many activation rows (prefill), in 64 x 64
// output tiles. Each k-step's weights are decoded once per tile into shared memory; the next step's
// activations and weights are loaded into registers while the current one is multiplied, so global
// latency overlaps the arithmetic.
//   matmul_<type>        (fast): f16 operands on tensor cores (WMMA, sm_80+), float32 accumulation.
//   matmul_exact_<type>  (exact): float32 throughout, 4 x 4 outputs per thread.
#pragma once
#include <mma.h>

#include "common.cuh"

namespace ix {

constexpr int kTileM = 64, kTileN = 64, kTileK = 32, kTilePad = 8, kMatmulThreads = 128;
constexpr int kExactK = 32, kExactThreads = 256;

/** Weights k0 .. k0+7 of row `gr` (zeros past the rows or past k, for plain types' tails). */
template <int T>
__device__ __forceinline__ void weight_chunk(const uint8_t* w, uint32_t rowBytes, uint32_t rows, uint32_t k, uint32_t gr,
                                             uint32_t k0, float* wv) {
  if (gr >= rows) {
#pragma unroll
    for (int i = 0; i < 8; ++i) wv[i] = 0.f;
  } else if (is_quant(T) || k0 + 8 <= k) {
    dequant8<T>(w + (uint64_t)gr * rowBytes, k0 >> 3, wv);
  } else {
#pragma unroll
    for (int i = 0; i < 8; ++i) wv[i] = k0 + i < k ? plain_at<T>(w + (uint64_t)gr * rowBytes, k0 + i) : 0.f;
  }
}

/** Activations x[gr, k0 .. k0+3] (zeros outside m x k); `vec` when rows and x are 16-byte aligned. */
__device__ __forceinline__ float4 act4(const float* x, uint32_t m, uint32_t k, uint32_t gr, uint32_t k0, bool vec) {
  if (gr >= m) return make_float4(0.f, 0.f, 0.f, 0.f);
  const float* p = x + (uint64_t)gr * k + k0;
  if (vec && k0 + 4 <= k) return __ldg((const float4*)p);
  float v[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) v[i] = k0 + i < k ? __ldg(p + i) : 0.f;
  return make_float4(v[0], v[1], v[2], v[3]);
}

// p: x, w (first row of the chunk), y, residual (or null).  u: k, rows, m, ldy, col0, rowBytes
template <int T>
__device__ void matmul(const Args& a) {
  using namespace nvcuda;
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const float* res = (const float*)a.p[3];
  const uint32_t k = a.u[0], rows = a.u[1], m = a.u[2], ldy = a.u[3], col0 = a.u[4], rowBytes = a.u[5];
  __shared__ __align__(32) half As[kTileM][kTileK + kTilePad];
  __shared__ __align__(32) half Bs[kTileN][kTileK + kTilePad];
  __shared__ __align__(32) float Cs[kTileM][kTileN + 4];
  const uint32_t tid = threadIdx.x, warp = tid >> 5;
  const uint32_t m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const uint32_t wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
  const bool vec = ((uintptr_t)x & 15) == 0 && (k & 3) == 0;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  // a thread's share of a k-step: 4 x 4 activations (rows tid/8 + 16i, columns 4 (tid%8)) and
  // 2 chunks of 8 weights (rows (tid + 128j)/4, chunk tid%4)
  constexpr int kActLoads = kTileM * kTileK / 4 / kMatmulThreads, kWeightLoads = kTileN * (kTileK / 8) / kMatmulThreads;
  float4 xa[kActLoads];
  float wv[kWeightLoads][8];
  auto load = [&](uint32_t k0) {
#pragma unroll
    for (int i = 0; i < kActLoads; ++i) xa[i] = act4(x, m, k, m0 + tid / 8 + 16 * i, k0 + 4 * (tid % 8), vec);
#pragma unroll
    for (int j = 0; j < kWeightLoads; ++j) {
      const uint32_t e = tid + kMatmulThreads * j;
      weight_chunk<T>(w, rowBytes, rows, k, n0 + (e >> 2), k0 + (e & 3) * 8, wv[j]);
    }
  };
  auto store = [&]() {
#pragma unroll
    for (int i = 0; i < kActLoads; ++i) {
      half2* d = (half2*)&As[tid / 8 + 16 * i][4 * (tid % 8)];
      d[0] = __floats2half2_rn(xa[i].x, xa[i].y);
      d[1] = __floats2half2_rn(xa[i].z, xa[i].w);
    }
#pragma unroll
    for (int j = 0; j < kWeightLoads; ++j) {
      const uint32_t e = tid + kMatmulThreads * j;
      half2* d = (half2*)&Bs[e >> 2][(e & 3) * 8];
#pragma unroll
      for (int i = 0; i < 4; ++i) d[i] = __floats2half2_rn(wv[j][2 * i], wv[j][2 * i + 1]);
    }
  };

  load(0);
  for (uint32_t k0 = 0; k0 < k; k0 += kTileK) {
    store();
    __syncthreads();
    if (k0 + kTileK < k) load(k0 + kTileK);  // in flight during the multiplications below
#pragma unroll
    for (int kk = 0; kk < kTileK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, half, wmma::row_major> fa[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, half, wmma::col_major> fb[2];
#pragma unroll
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], &As[wm + i * 16][kk], kTileK + kTilePad);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &Bs[wn + j * 16][kk], kTileK + kTilePad);
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::store_matrix_sync(&Cs[wm + i * 16][wn + j * 16], acc[i][j], kTileN + 4, wmma::mem_row_major);
  __syncthreads();
  for (uint32_t e = tid; e < kTileM * kTileN; e += kMatmulThreads) {
    const uint32_t r = e / kTileN, c = e % kTileN;
    if (m0 + r < m && n0 + c < rows) {
      const uint64_t at = (uint64_t)(m0 + r) * ldy + col0 + n0 + c;
      y[at] = res ? Cs[r][c] + res[at] : Cs[r][c];
    }
  }
}

// Same contract as matmul, float32 arithmetic: tiles held k-major in shared memory so a thread's
// 4 rows and 4 columns are two broadcasts per k.
template <int T>
__device__ void matmul_exact(const Args& a) {
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const float* res = (const float*)a.p[3];
  const uint32_t k = a.u[0], rows = a.u[1], m = a.u[2], ldy = a.u[3], col0 = a.u[4], rowBytes = a.u[5];
  __shared__ __align__(16) float As[kExactK][kTileM + 4];
  __shared__ __align__(16) float Bs[kExactK][kTileN + 4];
  const uint32_t tid = threadIdx.x;
  const uint32_t m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const uint32_t ty = tid / 16, tx = tid % 16;
  const bool vec = ((uintptr_t)x & 15) == 0 && (k & 3) == 0;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;

  // a thread's share of a k-step: 2 x 4 activations (rows tid/8 + 32i, columns 4 (tid%8)) and one
  // chunk of 8 weights (row tid/4, chunk tid%4)
  constexpr int kActLoads = kTileM * kExactK / 4 / kExactThreads;
  float4 xa[kActLoads];
  float wv[8];
  auto load = [&](uint32_t k0) {
#pragma unroll
    for (int i = 0; i < kActLoads; ++i) xa[i] = act4(x, m, k, m0 + tid / 8 + 32 * i, k0 + 4 * (tid % 8), vec);
    weight_chunk<T>(w, rowBytes, rows, k, n0 + tid / 4, k0 + (tid % 4) * 8, wv);
  };
  auto store = [&]() {
#pragma unroll
    for (int i = 0; i < kActLoads; ++i) {
      const uint32_t r = tid / 8 + 32 * i, c = 4 * (tid % 8);
      As[c][r] = xa[i].x, As[c + 1][r] = xa[i].y, As[c + 2][r] = xa[i].z, As[c + 3][r] = xa[i].w;
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) Bs[(tid % 4) * 8 + i][tid / 4] = wv[i];
  };

  load(0);
  for (uint32_t k0 = 0; k0 < k; k0 += kExactK) {
    store();
    __syncthreads();
    if (k0 + kExactK < k) load(k0 + kExactK);
#pragma unroll
    for (int kk = 0; kk < kExactK; ++kk) {
      const float4 av = *(const float4*)&As[kk][ty * 4];
      const float4 bv = *(const float4*)&Bs[kk][tx * 4];
      const float ar[4] = {av.x, av.y, av.z, av.w}, br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(ar[i], br[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const uint32_t r = m0 + ty * 4 + i;
    if (r >= m) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const uint32_t c = n0 + tx * 4 + j;
      if (c >= rows) continue;
      const uint64_t at = (uint64_t)r * ldy + col0 + c;
      y[at] = res ? acc[i][j] + res[at] : acc[i][j];
    }
  }
}

}  // namespace ix
