// ggml's block layouts (ggml-common.h), byte for byte, and the decoding tables they use.
#pragma once
#include <cstdint>
#include <cstring>

namespace ix {

constexpr int QK = 32;     // elements per "legacy" block
constexpr int QK_K = 256;  // elements per k-quant super-block

struct block_q4_0 { uint16_t d; uint8_t qs[16]; };
struct block_q4_1 { uint16_t d, m; uint8_t qs[16]; };
struct block_q5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; };
struct block_q5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; };
struct block_q8_0 { uint16_t d; int8_t qs[32]; };
struct block_q2_K { uint8_t scales[16]; uint8_t qs[64]; uint16_t d, dmin; };
struct block_q3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; };
struct block_q4_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; };
struct block_q5_K { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; };
struct block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; };
struct block_iq4_nl { uint16_t d; uint8_t qs[16]; };
struct block_iq4_xs { uint16_t d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]; };
// OCP microscaling FP4 (gpt-oss's experts): an E8M0 exponent e, then E2M1 nibbles laid out as IQ4_NL's
struct block_mxfp4 { uint8_t e; uint8_t qs[16]; };

static_assert(sizeof(block_q4_0) == 18 && sizeof(block_q4_1) == 20 && sizeof(block_q5_0) == 22, "block size");
static_assert(sizeof(block_q5_1) == 24 && sizeof(block_q8_0) == 34 && sizeof(block_q2_K) == 84, "block size");
static_assert(sizeof(block_q3_K) == 110 && sizeof(block_q4_K) == 144 && sizeof(block_q5_K) == 176, "block size");
static_assert(sizeof(block_q6_K) == 210 && sizeof(block_iq4_nl) == 18 && sizeof(block_iq4_xs) == 136, "block size");
static_assert(sizeof(block_mxfp4) == 17, "block size");

// Activations quantized for the "fast" mode. Not ggml's bytes (d is kept as f32, and the 32-block
// carries its sum like ggml's q8_1), since they never leave this process.
struct act_q8_32 { float d; int32_t sum; int8_t qs[32]; int16_t sum16[2]; };  // sum16: of values 0..15, 16..31
// Exact mode on the integer kernels: a 32-block as three 8-bit planes, x ~ d (q0 + q1/128 + q2/128^2)
// with |x - that| <= d / 2^15 (below f32 rounding of the products; see kernels_panel16.inc).
// sum = the planes' sums combined the same way, times 128^2 (an integer); sum16 = each plane's
// sums of values 0..15 and 16..31.
constexpr int kPlanes = 3;
struct act_q8_planes { float d; int32_t sum; int8_t qs[kPlanes][32]; int16_t sum16[kPlanes][2]; };
struct act_q8_K { float d; int16_t bsums[16]; int8_t qs[256]; };
// WebAssembly's integer kernels (SIMD128's only integer dot product multiplies 16-bit values, so
// activations are kept in 16 bits): a 32-block as P 16-bit planes, x ~ d (2^8 q0 + q1) for P = 2
// (exact mode: |x - that| <= max|x| / (32767 * 2^9), below f32 rounding of the products) or
// x ~ d q0 for P = 1 (fast mode: max|x| / 65534). sum = the block's sum of those values (f32).
template <int P> struct act_i16 { float d; float sum; int16_t qs[P][32]; };
// Fast mode on K-quant weights: one 16-bit plane per 256-block (one scale, as ggml's q8_K, so the
// kernels sum the sub-blocks in integers), bsum = the sums of values 32j .. 32j + 31.
struct act_i16_K { float d; int32_t bsum[8]; int16_t qs[256]; };

alignas(64) inline constexpr int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
alignas(64) inline constexpr int32_t kvalues_iq4nl_i32[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
// E2M1 values doubled (so they are integers), as ggml's kvalues_mxfp4; the block scale is halved to match
alignas(64) inline constexpr int8_t kvalues_mxfp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
alignas(64) inline constexpr int32_t kvalues_mxfp4_i32[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
// 2^(e - 128): an MXFP4 block's scale, halved (ggml's GGML_E8M0_TO_FP32_HALF; e < 2 gives subnormals)
inline float e8m0_to_fp32_half(uint8_t e) {
  const uint32_t bits = e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// GGML type ids (dtype.ts)
enum DType : int {
  T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8,
  T_Q2_K = 10, T_Q3_K = 11, T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_IQ4_NL = 20, T_IQ4_XS = 23,
  T_I8 = 24, T_I16 = 25, T_I32 = 26, T_I64 = 27, T_F64 = 28, T_BF16 = 30, T_MXFP4 = 39,
  T_COUNT = 40,
};

// Plain (unblocked float) weight types: FMA kernels, f32 activations
inline bool is_plain_type(int dtype) { return dtype == T_F32 || dtype == T_F16 || dtype == T_BF16; }

// Exact IEEE half -> float, subnormals included (used where F16C is not assumed).
inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) bits = sign | 0x7f800000u | (mant << 13);
  else if (exp != 0) bits = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0) bits = sign;
  else {  // subnormal: normalise
    int e = -1;
    do { mant <<= 1; ++e; } while (!(mant & 0x400));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// float -> half, round to nearest even (as ggml / F16C).
inline uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t abs = x & 0x7fffffff;
  if (abs > 0x7f800000) return (uint16_t)(sign | 0x7e00);
  if (abs >= 0x477ff000) return (uint16_t)(sign | 0x7c00);
  if (abs < 0x38800000) {  // f16 subnormal or zero: units of 2^-24
    float a;
    uint32_t ab = abs;
    std::memcpy(&a, &ab, 4);
    const float v = a * 16777216.0f;  // exact
    uint32_t r = (uint32_t)v;
    const float frac = v - (float)r;
    if (frac > 0.5f || (frac == 0.5f && (r & 1))) ++r;
    return (uint16_t)(sign | r);
  }
  uint32_t h = ((((abs >> 23) - 112) << 10) | ((abs >> 13) & 0x3ff));
  const uint32_t rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;
  return (uint16_t)(sign | h);
}

inline float bf16_to_fp32(uint16_t h) {
  const uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// q4_K/q5_K's eight 6-bit scales and eight 6-bit mins (ggml get_scale_min_k4 for j = 0..7),
// unpacked from 12 bytes a word at a time: out[0..7] scales, out[8..15] mins.
inline void k4_scales_mins(const uint8_t* packed, uint8_t out[16]) {
  uint32_t a[3], o[4];
  std::memcpy(a, packed, 12);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
  o[0] = a[0] & low6;                                   // scales 0..3
  o[1] = (a[2] & low4) | (((a[0] >> 6) & top2) << 4);   // scales 4..7
  o[2] = a[1] & low6;                                   // mins 0..3
  o[3] = ((a[2] >> 4) & low4) | (((a[1] >> 6) & top2) << 4);  // mins 4..7
  std::memcpy(out, o, 16);
}

// q3_K's 16 6-bit scales (stored biased by 32) unpacked from 12 bytes
inline void q3k_scales(const uint8_t* packed, int8_t out[16]) {
  uint32_t aux[4];
  std::memcpy(aux, packed, 12);
  const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f, tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
  aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
  aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
  aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
  std::memcpy(out, aux, 16);
  for (int i = 0; i < 16; ++i) out[i] = (int8_t)(out[i] - 32);
}

inline int iq4xs_scale(const block_iq4_xs* b, int ib) {
  return (((b->scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((b->scales_h >> (2 * ib)) & 3) << 4)) - 32;
}

}  // namespace ix
