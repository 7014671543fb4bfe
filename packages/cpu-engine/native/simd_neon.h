// ARM64 NEON traits: 4-lane floats for the exact kernels and 32-byte integer blocks (two 128-bit
// registers) for the fast kernels. Same interfaces as simd_avx2.h + simd_q256.h and simd_scalar.h.
// Included inside an ISA namespace by isa_neon*.cpp, which set IX_NEON_DOT:
//   0  baseline ARMv8 NEON: widening multiplies and pairwise adds
//   1  +dotprod (ARMv8.2 sdot): 4-byte signed dot products in one instruction
//   2  +i8mm (ARMv8.6 usdot): unsigned x signed as well
// Every integer dot is exact (no saturation), as on the scalar path and AVX-512 VNNI.
#pragma once
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

struct SF {
  static constexpr int N = 4;
  using F = float32x4_t;
  using I = int32x4_t;
  static inline F zero() { return vdupq_n_f32(0.0f); }
  static inline F set1(float v) { return vdupq_n_f32(v); }
  static inline F load(const float* p) { return vld1q_f32(p); }
  static inline void store(float* p, F v) { vst1q_f32(p, v); }
  static inline F fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  static inline F mul(F a, F b) { return vmulq_f32(a, b); }
  static inline F add(F a, F b) { return vaddq_f32(a, b); }
  static inline F min(F a, F b) { return vminq_f32(a, b); }
  static inline F max(F a, F b) { return vmaxq_f32(a, b); }
  static inline F div(F a, F b) { return vdivq_f32(a, b); }
  static inline F neg_abs(F x) { return vnegq_f32(vabsq_f32(x)); }
  // z >= 0 ? a : b, lane by lane (NaN takes a, as the AVX paths do)
  static inline F select_nonneg(F z, F a, F b) { return vbslq_f32(vcltq_f32(z, vdupq_n_f32(0.0f)), b, a); }
  static inline float hsum(F v) { return vaddvq_f32(v); }
  static inline float half(uint16_t h) { return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0); }
  static inline F load_f16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static inline F load_bf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
  // 4 bytes -> 4 lanes (a 4-byte load: never past the end of the row)
  static inline uint8x8_t load4(const void* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return vreinterpret_u8_u32(vdup_n_u32(v));
  }
  static inline I load_u8(const uint8_t* p) { return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(load4(p))))); }
  static inline I load_i8(const int8_t* p) { return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(load4(p))))); }
  static inline I set1i(int v) { return vdupq_n_s32(v); }
  static inline I iota() {
    static const int32_t k[4] = {0, 1, 2, 3};
    return vld1q_s32(k);
  }
  static inline I andi(I a, I b) { return vandq_s32(a, b); }
  static inline I ori(I a, I b) { return vorrq_s32(a, b); }
  static inline I addi(I a, I b) { return vaddq_s32(a, b); }
  static inline I subi(I a, I b) { return vsubq_s32(a, b); }
  // logical shifts by a run-time count (vshl shifts right for negative counts)
  static inline I srl(I a, int n) { return vreinterpretq_s32_u32(vshlq_u32(vreinterpretq_u32_s32(a), vdupq_n_s32(-n))); }
  static inline I sll(I a, int n) { return vreinterpretq_s32_u32(vshlq_u32(vreinterpretq_u32_s32(a), vdupq_n_s32(n))); }
  static inline I srlv(I a, I n) { return vreinterpretq_s32_u32(vshlq_u32(vreinterpretq_u32_s32(a), vnegq_s32(n))); }
  static inline I load_bits(const void* p) { return vld1q_s32((const int32_t*)p); }
  static inline F as_float(I a) { return vreinterpretq_f32_s32(a); }
  static inline F cvt(I a) { return vcvtq_f32_s32(a); }
  // e^x for x <= 0, the AVX2 path's polynomial (2^n * Taylor to degree 7 on |r| <= ln2/2); 0 below -87.3
  static inline F exp_nonpos(F x) {
    const uint32x4_t keep = vcgeq_f32(x, vdupq_n_f32(-87.3f));
    const F n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504f)));
    F r = vfmsq_f32(x, n, vdupq_n_f32(0.693145751953125f));
    r = vfmsq_f32(r, n, vdupq_n_f32(1.428606765330187e-06f));
    F p = vdupq_n_f32(1.0f / 5040);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 720), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 24), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 6), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
    const F y = vmulq_f32(p, vreinterpretq_f32_s32(bits));
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(y), keep));
  }
  // 16-entry int32 table: a byte lookup over its 64 bytes, 4 bytes per lane
  static inline I lut16(const int32_t* table, I idx) {
    const uint8x16x4_t t = vld1q_u8_x4((const uint8_t*)table);
    const uint32x4_t base = vmulq_n_u32(vandq_u32(vreinterpretq_u32_s32(idx), vdupq_n_u32(15)), 0x04040404u);
    const uint8x16_t bytes = vreinterpretq_u8_u32(vaddq_u32(base, vdupq_n_u32(0x03020100u)));
    return vreinterpretq_s32_u8(vqtbl4q_u8(t, bytes));
  }
};

struct SQ {
  struct B { uint8x16_t lo, hi; };    // 32 bytes in memory order
  struct I8 { int32x4_t lo, hi; };    // 8 x int32: lane k sums bytes 4k..4k+3
  struct F8 { float32x4_t lo, hi; };  // 8 x float
  static inline B load32(const void* p) { return {vld1q_u8((const uint8_t*)p), vld1q_u8((const uint8_t*)p + 16)}; }
  static inline B set1_8(int v) { return {vdupq_n_u8((uint8_t)v), vdupq_n_u8((uint8_t)v)}; }
  // 16 bytes -> their low nibbles in bytes 0..15 and high nibbles in bytes 16..31 (ggml's order)
  static inline B nibbles16(const uint8_t* p) {
    const uint8x16_t x = vld1q_u8(p);
    return {vandq_u8(x, vdupq_n_u8(15)), vshrq_n_u8(x, 4)};
  }
  static inline B lo4(B x) { return {vandq_u8(x.lo, vdupq_n_u8(15)), vandq_u8(x.hi, vdupq_n_u8(15))}; }
  static inline B hi4(B x) { return {vshrq_n_u8(x.lo, 4), vshrq_n_u8(x.hi, 4)}; }
  static inline B srl_and(B x, int s, int mask) {
    const int8x16_t n = vdupq_n_s8((int8_t)-s);
    const uint8x16_t m = vdupq_n_u8((uint8_t)mask);
    return {vandq_u8(vshlq_u8(x.lo, n), m), vandq_u8(vshlq_u8(x.hi, n), m)};
  }
  static inline B shl(B x, int s) {
    const int8x16_t n = vdupq_n_s8((int8_t)s);
    return {vshlq_u8(x.lo, n), vshlq_u8(x.hi, n)};
  }
  // 0xFF in each byte where (x & mask) == mask
  static inline B test_bits(B x, int mask) {
    const uint8x16_t m = vdupq_n_u8((uint8_t)mask);
    return {vceqq_u8(vandq_u8(x.lo, m), m), vceqq_u8(vandq_u8(x.hi, m), m)};
  }
  // byte i = 0xFF when bit i of `bits` is set
  static inline B bits32(uint32_t bits) {
    static const uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t bit = vld1q_u8(kBit);
    auto half = [&](uint32_t b16) {
      return vtstq_u8(vcombine_u8(vdup_n_u8((uint8_t)b16), vdup_n_u8((uint8_t)(b16 >> 8))), bit);
    };
    return {half(bits & 0xFFFF), half(bits >> 16)};
  }
  static inline B and8(B a, int v) { return {vandq_u8(a.lo, vdupq_n_u8((uint8_t)v)), vandq_u8(a.hi, vdupq_n_u8((uint8_t)v))}; }
  static inline B or8(B a, B b) { return {vorrq_u8(a.lo, b.lo), vorrq_u8(a.hi, b.hi)}; }
  static inline B table16(const int8_t* t) {
    const uint8x16_t v = vld1q_u8((const uint8_t*)t);
    return {v, v};
  }
  static inline B lut16(B table, B idx) {
    const uint8x16_t m = vdupq_n_u8(15);
    return {vqtbl1q_u8(table.lo, vandq_u8(idx.lo, m)), vqtbl1q_u8(table.hi, vandq_u8(idx.hi, m))};
  }

  // sums of 4 adjacent products of 16 bytes: widened to int16 (no overflow: |u8 x s8| < 2^15),
  // then two pairwise widening adds
  static inline int32x4_t quads16(int16x8_t p0, int16x8_t p1) { return vpaddq_s32(vpaddlq_s16(p0), vpaddlq_s16(p1)); }
#if IX_NEON_DOT >= 2
  static inline int32x4_t dot16_us(int32x4_t acc, uint8x16_t u, uint8x16_t s) { return vusdotq_s32(acc, u, vreinterpretq_s8_u8(s)); }
#elif IX_NEON_DOT == 1
  // u·s = (u - 128)·s + 128·s: two signed dots
  static inline int32x4_t dot16_us(int32x4_t acc, uint8x16_t u, uint8x16_t s) {
    const int8x16_t si = vreinterpretq_s8_u8(s);
    acc = vdotq_s32(acc, vreinterpretq_s8_u8(veorq_u8(u, vdupq_n_u8(0x80))), si);
    return vsubq_s32(acc, vdotq_s32(vdupq_n_s32(0), vdupq_n_s8(-128), si));
  }
#else
  static inline int32x4_t dot16_us(int32x4_t acc, uint8x16_t u, uint8x16_t s) {
    const int16x8_t u0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(u))), u1 = vreinterpretq_s16_u16(vmovl_high_u8(u));
    const int8x16_t si = vreinterpretq_s8_u8(s);
    return vaddq_s32(acc, quads16(vmulq_s16(u0, vmovl_s8(vget_low_s8(si))), vmulq_s16(u1, vmovl_high_s8(si))));
  }
#endif
#if IX_NEON_DOT >= 1
  static inline int32x4_t dot16_ss(uint8x16_t w, uint8x16_t x) {
    return vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(w), vreinterpretq_s8_u8(x));
  }
#else
  static inline int32x4_t dot16_ss(uint8x16_t w, uint8x16_t x) {
    const int8x16_t a = vreinterpretq_s8_u8(w), b = vreinterpretq_s8_u8(x);
    return quads16(vmull_s8(vget_low_s8(a), vget_low_s8(b)), vmull_high_s8(a, b));
  }
#endif
  static inline I8 dot_u8s8(B u, B s) { return {dot16_us(vdupq_n_s32(0), u.lo, s.lo), dot16_us(vdupq_n_s32(0), u.hi, s.hi)}; }
  static inline I8 dot_u8s8_acc(I8 acc, B u, B s) { return {dot16_us(acc.lo, u.lo, s.lo), dot16_us(acc.hi, u.hi, s.hi)}; }
  static inline I8 dot_s8s8(B w, B x) { return {dot16_ss(w.lo, x.lo), dot16_ss(w.hi, x.hi)}; }
  // 16 x int16 views: 16 signed bytes widened; 8 unsigned bytes each widened twice (b0 b0 b1 b1 ...)
  static inline B i8_to_i16(const int8_t* p) {
    const int8x16_t v = vld1q_s8(p);
    return {vreinterpretq_u8_s16(vmovl_s8(vget_low_s8(v))), vreinterpretq_u8_s16(vmovl_high_s8(v))};
  }
  static inline B u8_pairs_to_i16(const uint8_t* p) {
    const uint8x8_t v = vld1_u8(p);
    return {vreinterpretq_u8_u16(vmovl_u8(vzip1_u8(v, v))), vreinterpretq_u8_u16(vmovl_u8(vzip2_u8(v, v)))};
  }
  // int16 products, adjacent pairs summed into 8 x int32
  static inline int32x4_t madd8(uint8x16_t a, uint8x16_t b) {
    const int16x8_t x = vreinterpretq_s16_u8(a), y = vreinterpretq_s16_u8(b);
    return vpaddq_s32(vmull_s16(vget_low_s16(x), vget_low_s16(y)), vmull_high_s16(x, y));
  }
  static inline I8 madd16(B a, B b) { return {madd8(a.lo, b.lo), madd8(a.hi, b.hi)}; }
  static inline I8 zero32() { return {vdupq_n_s32(0), vdupq_n_s32(0)}; }
  static inline I8 add32(I8 a, I8 b) { return {vaddq_s32(a.lo, b.lo), vaddq_s32(a.hi, b.hi)}; }
  static inline I8 mul32(I8 a, I8 b) { return {vmulq_s32(a.lo, b.lo), vmulq_s32(a.hi, b.hi)}; }
  static inline I8 set1_32(int v) { return {vdupq_n_s32(v), vdupq_n_s32(v)}; }
  static inline I8 lane0_32(int v) { return {vsetq_lane_s32(v, vdupq_n_s32(0), 0), vdupq_n_s32(0)}; }
  // lanes 0..3 (first 16 bytes) scaled by a, lanes 4..7 by b
  static inline I8 scale2(int a, int b) { return {vdupq_n_s32(a), vdupq_n_s32(b)}; }
  static inline F8 zerof() { return {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)}; }
  static inline F8 set1f(float v) { return {vdupq_n_f32(v), vdupq_n_f32(v)}; }
  static inline F8 cvt(I8 a) { return {vcvtq_f32_s32(a.lo), vcvtq_f32_s32(a.hi)}; }
  static inline F8 fmaf(F8 a, F8 b, F8 c) { return {vfmaq_f32(c.lo, a.lo, b.lo), vfmaq_f32(c.hi, a.hi, b.hi)}; }
  static inline F8 addf(F8 a, F8 b) { return {vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)}; }
  static inline float hsumf(F8 v) { return vaddvq_f32(vaddq_f32(v.lo, v.hi)); }
};
