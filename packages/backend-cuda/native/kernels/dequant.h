// Weight decoding shared by the CUDA kernels and the host (native/host_dequant.cpp, tested against
// core's reference dequantizers without a GPU). Block layouts are ggml's (ggml-common.h); a row is
// decoded in chunks of 8 consecutive weights, the unit every matvec/matmul/get_rows thread handles.
#pragma once
#include <stdint.h>

#ifdef __CUDACC__
#include <cuda_fp16.h>
#define IX_HD __host__ __device__ __forceinline__
#else
#define IX_HD inline
#endif

namespace ix {

// Weight types, in the order of kWeightTypeNames (native/kernel_table.h) and src/ops.ts.
enum WeightType : int { W_F32 = 0, W_F16, W_BF16, W_Q8_0, W_Q4_0, W_Q4_K, W_Q5_K, W_Q6_K, W_IQ4_NL, W_MXFP4, W_COUNT };

IX_HD float f16_to_f32(uint16_t h) {
#ifdef __CUDA_ARCH__
  return __half2float(__ushort_as_half(h));
#else
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    const float v = (float)mant * 5.9604644775390625e-8f;  // subnormal: mant * 2^-24
    return sign ? -v : v;
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  union { uint32_t u; float f; } c{bits};
  return c.f;
#endif
}

IX_HD float bf16_to_f32(uint16_t h) {
  union { uint32_t u; float f; } c{(uint32_t)h << 16};
  return c.f;
}

IX_HD uint16_t rd16(const uint8_t* p) { return *(const uint16_t*)p; }  // blocks keep 2-byte alignment

/** Is `t` decoded a block at a time (rows are whole blocks, chunks of 8 always fit)? */
IX_HD bool is_quant(int t) { return t >= W_Q8_0; }

/** One element of a plain-typed row. */
template <int T>
IX_HD float plain_at(const uint8_t* row, uint32_t i) {
  if (T == W_F32) return ((const float*)row)[i];
  if (T == W_F16) return f16_to_f32(((const uint16_t*)row)[i]);
  return bf16_to_f32(((const uint16_t*)row)[i]);
}

IX_HD void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

IX_HD int iq4nl_value(int q) {
  // kvalues_iq4nl
  const int8_t v[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  return v[q];
}

IX_HD int mxfp4_value(int q) {
  // kvalues_mxfp4: E2M1 values doubled (the scale below is halved to match)
  const int8_t v[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
  return v[q];
}

/** An E8M0 exponent as ggml_e8m0_to_fp32_half: 2^(e - 128), e = 0 and 1 the float32 subnormals. */
IX_HD float e8m0_half(uint8_t e) {
  union { uint32_t u; float f; } c{e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23};
  return c.f;
}

/** Weights 8c .. 8c+7 of `row`. Plain types need 8c+8 <= row length (tails use plain_at). */
template <int T>
IX_HD void dequant8(const uint8_t* row, uint32_t c, float* w) {
  if (T == W_F32 || T == W_F16 || T == W_BF16) {
    for (int i = 0; i < 8; ++i) w[i] = plain_at<T>(row, c * 8 + i);
  } else if (T == W_Q8_0) {
    const uint8_t* b = row + (c >> 2) * 34;
    const float d = f16_to_f32(rd16(b));
    const int8_t* q = (const int8_t*)(b + 2) + (c & 3) * 8;
    for (int i = 0; i < 8; ++i) w[i] = d * q[i];
  } else if (T == W_Q4_0 || T == W_IQ4_NL) {
    const uint8_t* b = row + (c >> 2) * 18;
    const float d = f16_to_f32(rd16(b));
    const uint32_t s = c & 3;
    const uint8_t* q = b + 2 + (s & 1) * 8;
    const int shift = s >= 2 ? 4 : 0;
    for (int i = 0; i < 8; ++i) {
      const int n = (q[i] >> shift) & 15;
      w[i] = T == W_Q4_0 ? d * (n - 8) : d * iq4nl_value(n);
    }
  } else if (T == W_MXFP4) {
    // 17-byte blocks: the exponent, then nibbles laid out as Q4_0's
    const uint8_t* b = row + (c >> 2) * 17;
    const float d = e8m0_half(b[0]);
    const uint32_t s = c & 3;
    const uint8_t* q = b + 1 + (s & 1) * 8;
    const int shift = s >= 2 ? 4 : 0;
    for (int i = 0; i < 8; ++i) w[i] = d * mxfp4_value((q[i] >> shift) & 15);
  } else if (T == W_Q4_K || T == W_Q5_K) {
    const uint8_t* b = row + (c >> 5) * (T == W_Q4_K ? 144 : 176);
    const uint32_t w0 = (c & 31) * 8, g = w0 >> 6, hi = (w0 & 63) >= 32 ? 1 : 0, l0 = w0 & 31;
    const int sub = 2 * g + hi;
    int sc, m;
    scale_min_k4(sub, b + 4, sc, m);
    const float d = f16_to_f32(rd16(b)) * sc, mn = f16_to_f32(rd16(b + 2)) * m;
    const uint8_t* qs = b + (T == W_Q4_K ? 16 : 48) + 32 * g + l0;
    for (int i = 0; i < 8; ++i) {
      int n = hi ? qs[i] >> 4 : qs[i] & 15;
      if (T == W_Q5_K) n += ((b[16 + l0 + i] >> sub) & 1) << 4;
      w[i] = d * n - mn;
    }
  } else if (T == W_Q6_K) {
    const uint8_t* b = row + (c >> 5) * 210;
    const uint32_t w0 = (c & 31) * 8, half = w0 >> 7, r = w0 & 127, quarter = r >> 5, l0 = r & 31;
    const uint8_t* ql = b + 64 * half + (quarter & 1) * 32 + l0;
    const uint8_t* qh = b + 128 + 32 * half + l0;
    const float d = f16_to_f32(rd16(b + 208)) * ((const int8_t*)(b + 192))[8 * half + (l0 >> 4) + 2 * quarter];
    const int lowShift = quarter >= 2 ? 4 : 0, highShift = 2 * quarter;
    for (int i = 0; i < 8; ++i) {
      const int q = ((ql[i] >> lowShift) & 15) | (((qh[i] >> highShift) & 3) << 4);
      w[i] = d * (q - 32);
    }
  }
}

/** Element i of a row of any weight type (get_rows tails and host checks). */
template <int T>
IX_HD float weight_at(const uint8_t* row, uint32_t i) {
  if (!is_quant(T)) return plain_at<T>(row, i);
  float w[8];
  dequant8<T>(row, i >> 3, w);
  return w[i & 7];
}

}  // namespace ix
