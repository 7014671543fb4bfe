// WebAssembly SIMD128 traits: 4-lane floats for the exact kernels and 32-byte integer blocks (two
// v128 values) for the fast kernels. Same interfaces as simd_neon.h and simd_scalar.h. Included
// inside an ISA namespace by isa_wasm.cpp. SIMD128 has no fused multiply-add (without the relaxed-SIMD
// proposal): fma rounds twice, within the exact mode's f32 bound (f32 accumulation of K products).
// Every integer dot is exact (i32x4.dot_i16x8 on widened bytes, no saturation).
#pragma once
#include <wasm_simd128.h>

#include <cstdint>
#include <cstring>

struct SF {
  static constexpr int N = 4;
  using F = v128_t;
  using I = v128_t;
  static inline F zero() { return wasm_f32x4_splat(0.0f); }
  static inline F set1(float v) { return wasm_f32x4_splat(v); }
  static inline F load(const float* p) { return wasm_v128_load(p); }
  static inline void store(float* p, F v) { wasm_v128_store(p, v); }
  static inline F fma(F a, F b, F c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  static inline F mul(F a, F b) { return wasm_f32x4_mul(a, b); }
  static inline F add(F a, F b) { return wasm_f32x4_add(a, b); }
  static inline F min(F a, F b) { return wasm_f32x4_pmin(b, a); }  // a < b ? a : b, as the scalar path
  static inline F max(F a, F b) { return wasm_f32x4_pmax(b, a); }  // a > b ? a : b
  static inline F div(F a, F b) { return wasm_f32x4_div(a, b); }
  static inline F neg_abs(F x) { return wasm_f32x4_neg(wasm_f32x4_abs(x)); }
  // z >= 0 ? a : b, lane by lane (NaN takes a, as the AVX paths do)
  static inline F select_nonneg(F z, F a, F b) { return wasm_v128_bitselect(b, a, wasm_f32x4_lt(z, wasm_f32x4_splat(0.0f))); }
  static inline float hsum(F v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
  }
  static inline float half(uint16_t h) { return fp16_to_fp32(h); }
  static inline F load_f16(const uint16_t* p) { return wasm_f32x4_make(fp16_to_fp32(p[0]), fp16_to_fp32(p[1]), fp16_to_fp32(p[2]), fp16_to_fp32(p[3])); }
  static inline F load_bf16(const uint16_t* p) { return wasm_i32x4_shl(wasm_u32x4_load16x4(p), 16); }
  // 4 bytes -> 4 lanes (a 4-byte load: never past the end of the row)
  static inline I load_u8(const uint8_t* p) { return wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(p))); }
  static inline I load_i8(const int8_t* p) { return wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(p))); }
  static inline I set1i(int v) { return wasm_i32x4_splat(v); }
  static inline I iota() { return wasm_i32x4_make(0, 1, 2, 3); }
  static inline I andi(I a, I b) { return wasm_v128_and(a, b); }
  static inline I ori(I a, I b) { return wasm_v128_or(a, b); }
  static inline I addi(I a, I b) { return wasm_i32x4_add(a, b); }
  static inline I subi(I a, I b) { return wasm_i32x4_sub(a, b); }
  static inline I srl(I a, int n) { return wasm_u32x4_shr(a, (uint32_t)n); }
  static inline I sll(I a, int n) { return wasm_i32x4_shl(a, (uint32_t)n); }
  // per-lane shift counts: SIMD128 has none, so lane by lane
  static inline I srlv(I a, I n) {
    return wasm_u32x4_make(wasm_u32x4_extract_lane(a, 0) >> wasm_u32x4_extract_lane(n, 0), wasm_u32x4_extract_lane(a, 1) >> wasm_u32x4_extract_lane(n, 1),
                           wasm_u32x4_extract_lane(a, 2) >> wasm_u32x4_extract_lane(n, 2), wasm_u32x4_extract_lane(a, 3) >> wasm_u32x4_extract_lane(n, 3));
  }
  static inline I load_bits(const void* p) { return wasm_v128_load(p); }
  static inline F as_float(I a) { return a; }
  static inline F cvt(I a) { return wasm_f32x4_convert_i32x4(a); }
  // e^x for x <= 0, the AVX2 path's polynomial (2^n * Taylor to degree 7 on |r| <= ln2/2); 0 below -87.3
  static inline F exp_nonpos(F x) {
    const v128_t keep = wasm_f32x4_ge(x, wasm_f32x4_splat(-87.3f));
    const F n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)));
    F r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.428606765330187e-06f)));
    F p = wasm_f32x4_splat(1.0f / 5040);
    p = fma(p, r, wasm_f32x4_splat(1.0f / 720));
    p = fma(p, r, wasm_f32x4_splat(1.0f / 120));
    p = fma(p, r, wasm_f32x4_splat(1.0f / 24));
    p = fma(p, r, wasm_f32x4_splat(1.0f / 6));
    p = fma(p, r, wasm_f32x4_splat(0.5f));
    p = fma(p, r, wasm_f32x4_splat(1.0f));
    p = fma(p, r, wasm_f32x4_splat(1.0f));
    const v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_v128_and(wasm_f32x4_mul(p, bits), keep);
  }
  // 16-entry int32 table: byte lookups over its four 16-byte quarters (an index past a quarter gives 0)
  static inline I lut16(const int32_t* table, I idx) {
    const v128_t base = wasm_i32x4_mul(wasm_v128_and(idx, wasm_i32x4_splat(15)), wasm_i32x4_splat(0x04040404));
    const v128_t bytes = wasm_i32x4_add(base, wasm_i32x4_splat(0x03020100));
    v128_t r = wasm_i8x16_swizzle(wasm_v128_load(table), bytes);
    for (int q = 1; q < 4; ++q) r = wasm_v128_or(r, wasm_i8x16_swizzle(wasm_v128_load(table + 4 * q), wasm_i8x16_sub(bytes, wasm_i8x16_splat((int8_t)(16 * q)))));
    return r;
  }
};

struct SQ {
  struct B { v128_t lo, hi; };    // 32 bytes in memory order
  struct I8 { v128_t lo, hi; };   // 8 x int32: lane k sums bytes 4k..4k+3
  struct F8 { v128_t lo, hi; };   // 8 x float
  static inline B load32(const void* p) { return {wasm_v128_load(p), wasm_v128_load((const uint8_t*)p + 16)}; }
  static inline B set1_8(int v) { return {wasm_i8x16_splat((int8_t)v), wasm_i8x16_splat((int8_t)v)}; }
  // 16 bytes -> their low nibbles in bytes 0..15 and high nibbles in bytes 16..31 (ggml's order)
  static inline B nibbles16(const uint8_t* p) {
    const v128_t x = wasm_v128_load(p);
    return {wasm_v128_and(x, wasm_i8x16_splat(15)), wasm_u8x16_shr(x, 4)};
  }
  static inline B lo4(B x) { return {wasm_v128_and(x.lo, wasm_i8x16_splat(15)), wasm_v128_and(x.hi, wasm_i8x16_splat(15))}; }
  static inline B hi4(B x) { return {wasm_u8x16_shr(x.lo, 4), wasm_u8x16_shr(x.hi, 4)}; }
  static inline B srl_and(B x, int s, int mask) {
    const v128_t m = wasm_i8x16_splat((int8_t)mask);
    return {wasm_v128_and(wasm_u8x16_shr(x.lo, (uint32_t)s), m), wasm_v128_and(wasm_u8x16_shr(x.hi, (uint32_t)s), m)};
  }
  static inline B shl(B x, int s) { return {wasm_i8x16_shl(x.lo, (uint32_t)s), wasm_i8x16_shl(x.hi, (uint32_t)s)}; }
  // 0xFF in each byte where (x & mask) == mask
  static inline B test_bits(B x, int mask) {
    const v128_t m = wasm_i8x16_splat((int8_t)mask);
    return {wasm_i8x16_eq(wasm_v128_and(x.lo, m), m), wasm_i8x16_eq(wasm_v128_and(x.hi, m), m)};
  }
  // byte i = 0xFF when bit i of `bits` is set
  static inline B bits32(uint32_t bits) {
    const v128_t v = wasm_i32x4_splat((int32_t)bits);
    const v128_t bit = wasm_u8x16_make(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
    const v128_t lo = wasm_i8x16_shuffle(v, v, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const v128_t hi = wasm_i8x16_shuffle(v, v, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const v128_t zero = wasm_i8x16_splat(0);
    return {wasm_i8x16_ne(wasm_v128_and(lo, bit), zero), wasm_i8x16_ne(wasm_v128_and(hi, bit), zero)};
  }
  static inline B and8(B a, int v) { return {wasm_v128_and(a.lo, wasm_i8x16_splat((int8_t)v)), wasm_v128_and(a.hi, wasm_i8x16_splat((int8_t)v))}; }
  static inline B or8(B a, B b) { return {wasm_v128_or(a.lo, b.lo), wasm_v128_or(a.hi, b.hi)}; }
  static inline B table16(const int8_t* t) {
    const v128_t v = wasm_v128_load(t);
    return {v, v};
  }
  static inline B lut16(B table, B idx) {
    const v128_t m = wasm_i8x16_splat(15);
    return {wasm_i8x16_swizzle(table.lo, wasm_v128_and(idx.lo, m)), wasm_i8x16_swizzle(table.hi, wasm_v128_and(idx.hi, m))};
  }

  // sums of 4 adjacent products of 16 bytes from 16-bit halves: i32x4.dot_i16x8 sums pairs, then
  // adjacent pairs are added
  static inline v128_t quads(v128_t pairs_lo, v128_t pairs_hi) {
    return wasm_i32x4_add(wasm_i32x4_shuffle(pairs_lo, pairs_hi, 0, 2, 4, 6), wasm_i32x4_shuffle(pairs_lo, pairs_hi, 1, 3, 5, 7));
  }
  static inline v128_t dot16_us(v128_t u, v128_t s) {
    return quads(wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(u), wasm_i16x8_extend_low_i8x16(s)),
                 wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(u), wasm_i16x8_extend_high_i8x16(s)));
  }
  static inline v128_t dot16_ss(v128_t w, v128_t x) {
    return quads(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w), wasm_i16x8_extend_low_i8x16(x)),
                 wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w), wasm_i16x8_extend_high_i8x16(x)));
  }
  static inline I8 dot_u8s8(B u, B s) { return {dot16_us(u.lo, s.lo), dot16_us(u.hi, s.hi)}; }
  static inline I8 dot_u8s8_acc(I8 acc, B u, B s) { return add32(acc, dot_u8s8(u, s)); }
  static inline I8 dot_s8s8(B w, B x) { return {dot16_ss(w.lo, x.lo), dot16_ss(w.hi, x.hi)}; }
  // 16 x int16 views: 16 signed bytes widened; 8 unsigned bytes each widened twice (b0 b0 b1 b1 ...)
  static inline B i8_to_i16(const int8_t* p) { return {wasm_i16x8_load8x8(p), wasm_i16x8_load8x8(p + 8)}; }
  static inline B u8_pairs_to_i16(const uint8_t* p) {
    const v128_t v = wasm_v128_load64_zero(p);
    const v128_t twice = wasm_i8x16_shuffle(v, v, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    return {wasm_u16x8_extend_low_u8x16(twice), wasm_u16x8_extend_high_u8x16(twice)};
  }
  // int16 products, adjacent pairs summed into 8 x int32
  static inline I8 madd16(B a, B b) { return {wasm_i32x4_dot_i16x8(a.lo, b.lo), wasm_i32x4_dot_i16x8(a.hi, b.hi)}; }
  static inline I8 zero32() { return {wasm_i32x4_splat(0), wasm_i32x4_splat(0)}; }
  static inline I8 add32(I8 a, I8 b) { return {wasm_i32x4_add(a.lo, b.lo), wasm_i32x4_add(a.hi, b.hi)}; }
  static inline I8 mul32(I8 a, I8 b) { return {wasm_i32x4_mul(a.lo, b.lo), wasm_i32x4_mul(a.hi, b.hi)}; }
  static inline I8 set1_32(int v) { return {wasm_i32x4_splat(v), wasm_i32x4_splat(v)}; }
  static inline I8 lane0_32(int v) { return {wasm_i32x4_make(v, 0, 0, 0), wasm_i32x4_splat(0)}; }
  // lanes 0..3 (first 16 bytes) scaled by a, lanes 4..7 by b
  static inline I8 scale2(int a, int b) { return {wasm_i32x4_splat(a), wasm_i32x4_splat(b)}; }
  static inline F8 zerof() { return {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)}; }
  static inline F8 set1f(float v) { return {wasm_f32x4_splat(v), wasm_f32x4_splat(v)}; }
  static inline F8 cvt(I8 a) { return {wasm_f32x4_convert_i32x4(a.lo), wasm_f32x4_convert_i32x4(a.hi)}; }
  static inline F8 fmaf(F8 a, F8 b, F8 c) { return {SF::fma(a.lo, b.lo, c.lo), SF::fma(a.hi, b.hi, c.hi)}; }
  static inline F8 addf(F8 a, F8 b) { return {wasm_f32x4_add(a.lo, b.lo), wasm_f32x4_add(a.hi, b.hi)}; }
  static inline float hsumf(F8 v) { return SF::hsum(wasm_f32x4_add(v.lo, v.hi)); }
};
