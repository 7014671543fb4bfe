// y[m, col0 + n] = x[m, :] · w[n, :] for many activation rows (prefill): 64 x 64 output tiles, weights
// decoded to f16 and activations rounded to f16 in shared memory, multiplied on tensor cores (WMMA,
// sm_80+) with float32 accumulation.
#pragma once
#include <mma.h>

#include "common.cuh"

namespace ix {

constexpr int kTileM = 64, kTileN = 64, kTileK = 32, kTilePad = 8, kMatmulThreads = 128;

// p: x, w (first row of the chunk), y.  u: k, rows, m, ldy, col0, rowBytes
template <int T>
__device__ void matmul(const Args& a) {
  using namespace nvcuda;
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const uint32_t k = a.u[0], rows = a.u[1], m = a.u[2], ldy = a.u[3], col0 = a.u[4], rowBytes = a.u[5];
  __shared__ __align__(32) half As[kTileM][kTileK + kTilePad];
  __shared__ __align__(32) half Bs[kTileN][kTileK + kTilePad];
  __shared__ __align__(32) float Cs[kTileM][kTileN + 4];
  const uint32_t tid = threadIdx.x, warp = tid >> 5;
  const uint32_t m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const uint32_t wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  for (uint32_t k0 = 0; k0 < k; k0 += kTileK) {
    // activations: 64 rows x 32, a warp reads 4 rows of 32 consecutive floats per step
    for (uint32_t e = tid; e < kTileM * kTileK; e += kMatmulThreads) {
      const uint32_t r = e / kTileK, c = e % kTileK, gr = m0 + r, gk = k0 + c;
      As[r][c] = __float2half(gr < m && gk < k ? x[(uint64_t)gr * k + gk] : 0.f);
    }
    // weights: 64 rows x 4 chunks of 8
    for (uint32_t e = tid; e < kTileN * (kTileK / 8); e += kMatmulThreads) {
      const uint32_t r = e >> 2, ch = e & 3, gr = n0 + r;
      float wv[8];
      if (gr >= rows) {
#pragma unroll
        for (int i = 0; i < 8; ++i) wv[i] = 0.f;
      } else if (is_quant(T) || k0 + ch * 8 + 8 <= k) {
        dequant8<T>(w + (uint64_t)gr * rowBytes, (k0 >> 3) + ch, wv);
      } else {
#pragma unroll
        for (int i = 0; i < 8; ++i) {
          const uint32_t gk = k0 + ch * 8 + i;
          wv[i] = gk < k ? plain_at<T>(w + (uint64_t)gr * rowBytes, gk) : 0.f;
        }
      }
#pragma unroll
      for (int i = 0; i < 8; ++i) Bs[r][ch * 8 + i] = __float2half(wv[i]);
    }
    __syncthreads();
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
    if (m0 + r < m && n0 + c < rows) y[(uint64_t)(m0 + r) * ldy + col0 + n0 + c] = Cs[r][c];
  }
}

}  // namespace ix
