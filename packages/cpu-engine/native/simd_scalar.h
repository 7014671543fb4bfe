// Portable traits for the scalar path: 1-lane floats for the exact kernels and plain arrays for
// the integer kernels. Same interfaces as simd_avx512.h / simd_avx2.h / simd_q256.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

struct SF {
  static constexpr int N = 1;
  using F = float;
  using I = int32_t;
  static inline F zero() { return 0.0f; }
  static inline F set1(float v) { return v; }
  static inline F load(const float* p) { return *p; }
  static inline void store(float* p, F v) { *p = v; }
  static inline F fma(F a, F b, F c) { return a * b + c; }
  static inline F mul(F a, F b) { return a * b; }
  static inline F add(F a, F b) { return a + b; }
  static inline F min(F a, F b) { return a < b ? a : b; }
  static inline F max(F a, F b) { return a > b ? a : b; }
  static inline F div(F a, F b) { return a / b; }
  static inline F neg_abs(F x) { return -std::fabs(x); }
  static inline F select_nonneg(F z, F a, F b) { return z >= 0 ? a : b; }
  static inline float hsum(F v) { return v; }
  static inline float half(uint16_t h) { return fp16_to_fp32(h); }
  static inline F load_f16(const uint16_t* p) { return fp16_to_fp32(*p); }
  static inline F load_bf16(const uint16_t* p) { return bf16_to_fp32(*p); }
  static inline F exp_nonpos(F x) { return std::exp(x); }
  static inline I load_u8(const uint8_t* p) { return *p; }
  static inline I load_i8(const int8_t* p) { return *p; }
  static inline I set1i(int v) { return v; }
  static inline I iota() { return 0; }
  static inline I andi(I a, I b) { return a & b; }
  static inline I ori(I a, I b) { return a | b; }
  static inline I addi(I a, I b) { return a + b; }
  static inline I subi(I a, I b) { return a - b; }
  static inline I srl(I a, int n) { return (int32_t)((uint32_t)a >> n); }
  static inline I sll(I a, int n) { return (int32_t)((uint32_t)a << n); }
  static inline I srlv(I a, I n) { return (int32_t)((uint32_t)a >> n); }
  static inline F cvt(I a) { return (float)a; }
  static inline I lut16(const int32_t* table, I idx) { return table[idx & 15]; }
};

struct SQ {
  struct B { uint8_t v[32]; };
  struct I8 { int32_t v[8]; };
  struct F8 { float v[8]; };
  static inline B load32(const void* p) { B r; std::memcpy(r.v, p, 32); return r; }
  static inline B set1_8(int v) { B r; std::memset(r.v, v & 0xff, 32); return r; }
  static inline B nibbles16(const uint8_t* p) {
    B r;
    for (int i = 0; i < 16; ++i) { r.v[i] = p[i] & 15; r.v[i + 16] = p[i] >> 4; }
    return r;
  }
  static inline B lo4(B x) { for (auto& b : x.v) b &= 15; return x; }
  static inline B hi4(B x) { for (auto& b : x.v) b >>= 4; return x; }
  static inline B srl_and(B x, int s, int mask) { for (auto& b : x.v) b = (uint8_t)((b >> s) & mask); return x; }
  static inline B shl(B x, int s) { for (auto& b : x.v) b = (uint8_t)(b << s); return x; }
  static inline B test_bits(B x, int mask) { for (auto& b : x.v) b = (b & mask) == mask ? 0xFF : 0; return x; }
  static inline B bits32(uint32_t bits) { B r; for (int i = 0; i < 32; ++i) r.v[i] = (bits >> i) & 1 ? 0xFF : 0; return r; }
  static inline B and8(B a, int v) { for (auto& b : a.v) b &= (uint8_t)v; return a; }
  static inline B or8(B a, B c) { for (int i = 0; i < 32; ++i) a.v[i] |= c.v[i]; return a; }
  static inline B table16(const int8_t* t) { B r; std::memcpy(r.v, t, 16); std::memcpy(r.v + 16, t, 16); return r; }
  static inline B lut16(B table, B idx) { B r; for (int i = 0; i < 32; ++i) r.v[i] = table.v[(i & 16) | (idx.v[i] & 15)]; return r; }
  static inline I8 dot_u8s8(B u, B s) {
    I8 r;
    for (int k = 0; k < 8; ++k) {
      int32_t acc = 0;
      for (int i = 4 * k; i < 4 * k + 4; ++i) acc += (int32_t)u.v[i] * (int8_t)s.v[i];
      r.v[k] = acc;
    }
    return r;
  }
  static inline I8 dot_u8s8_acc(I8 acc, B u, B s) { return add32(acc, dot_u8s8(u, s)); }
  static inline I8 dot_s8s8(B w, B x) {
    I8 r;
    for (int k = 0; k < 8; ++k) {
      int32_t acc = 0;
      for (int i = 4 * k; i < 4 * k + 4; ++i) acc += (int32_t)(int8_t)w.v[i] * (int8_t)x.v[i];
      r.v[k] = acc;
    }
    return r;
  }
  static inline B i8_to_i16(const int8_t* p) { B r; for (int i = 0; i < 16; ++i) { const int16_t v = p[i]; std::memcpy(r.v + 2 * i, &v, 2); } return r; }
  static inline B u8_pairs_to_i16(const uint8_t* p) { B r; for (int i = 0; i < 16; ++i) { const int16_t v = p[i / 2]; std::memcpy(r.v + 2 * i, &v, 2); } return r; }
  static inline I8 madd16(B a, B b) {
    int16_t x[16], y[16];
    std::memcpy(x, a.v, 32);
    std::memcpy(y, b.v, 32);
    I8 r;
    for (int k = 0; k < 8; ++k) r.v[k] = (int32_t)x[2 * k] * y[2 * k] + (int32_t)x[2 * k + 1] * y[2 * k + 1];
    return r;
  }
  static inline I8 zero32() { return I8{}; }
  static inline I8 add32(I8 a, I8 b) { for (int i = 0; i < 8; ++i) a.v[i] += b.v[i]; return a; }
  static inline I8 mul32(I8 a, I8 b) { for (int i = 0; i < 8; ++i) a.v[i] *= b.v[i]; return a; }
  static inline I8 set1_32(int v) { I8 r; for (auto& x : r.v) x = v; return r; }
  static inline I8 lane0_32(int v) { I8 r{}; r.v[0] = v; return r; }
  static inline I8 scale2(int a, int b) { I8 r; for (int i = 0; i < 8; ++i) r.v[i] = i < 4 ? a : b; return r; }
  static inline F8 zerof() { return F8{}; }
  static inline F8 set1f(float v) { F8 r; for (auto& x : r.v) x = v; return r; }
  static inline F8 cvt(I8 a) { F8 r; for (int i = 0; i < 8; ++i) r.v[i] = (float)a.v[i]; return r; }
  static inline F8 fmaf(F8 a, F8 b, F8 c) { for (int i = 0; i < 8; ++i) c.v[i] += a.v[i] * b.v[i]; return c; }
  static inline F8 addf(F8 a, F8 b) { for (int i = 0; i < 8; ++i) a.v[i] += b.v[i]; return a; }
  static inline float hsumf(F8 v) { float s = 0; for (float x : v.v) s += x; return s; }
};
