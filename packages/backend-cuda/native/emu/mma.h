// nvcuda::wmma for the emulator: a warp's fragment is the whole 16 x 16 tile, held by every lane (each
// lane loads, multiplies and stores the same values), so the results are what the tensor cores compute
// up to float32 summation order.
#pragma once
#include <cuda_fp16.h>

#include <type_traits>

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
  float v[16 * 16];  // [row][col] of the tile, as floats
};

template <typename Use, int M, int N, int K, typename T, typename Layout>
inline void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, float value) {
  for (float& x : f.v) x = value;
}

/** matrix_a row-major (rows of A), matrix_b col-major (columns of B, i.e. rows of Bᵀ), as matmul.cuh uses them */
template <typename Use, int M, int N, int K, typename Layout>
inline void load_matrix_sync(fragment<Use, M, N, K, __half, Layout>& f, const __half* p, unsigned ldm) {
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) {
      // row_major: element (r, c) at p[r * ldm + c]; col_major: at p[c * ldm + r]
      const bool rowMajor = std::is_same<Layout, row_major>::value;
      f.v[r * 16 + c] = __half2float(rowMajor ? p[r * ldm + c] : p[c * ldm + r]);
    }
}

template <int M, int N, int K, typename TA, typename TB, typename LA, typename LB>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, TA, LA>& a,
                     const fragment<matrix_b, M, N, K, TB, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
  float out[16 * 16];
  for (int r = 0; r < 16; ++r)
    for (int col = 0; col < 16; ++col) {
      float s = c.v[r * 16 + col];
      for (int k = 0; k < 16; ++k) s += a.v[r * 16 + k] * b.v[k * 16 + col];
      out[r * 16 + col] = s;
    }
  for (int i = 0; i < 256; ++i) d.v[i] = out[i];
}

template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) (layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.v[r * 16 + c];
}

}  // namespace wmma
}  // namespace nvcuda
