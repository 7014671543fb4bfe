// 32 x int8 traits for the "fast" (integer dot product) kernels on AVX2, on AVX-512 with VNNI when
// IX_VNNI is defined, and on AVX2 with AVX-VNNI when IX_AVX_VNNI is (vpdpbusd on 256-bit registers:
// the blocks are 32 bytes).
#pragma once
#include <immintrin.h>

#if defined(IX_VNNI)
#define IX_DPBUSD256(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#elif defined(IX_AVX_VNNI)
#define IX_DPBUSD256(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
#endif

struct SQ {
  using B = __m256i;   // 32 bytes
  using I8 = __m256i;  // 8 x int32
  using F8 = __m256;   // 8 x float
  static inline B load32(const void* p) { return _mm256_loadu_si256((const __m256i*)p); }
  static inline B set1_8(int v) { return _mm256_set1_epi8((char)v); }
  // 16 bytes -> their low nibbles in bytes 0..15 and high nibbles in bytes 16..31 (ggml's order)
  // (the 16 bytes are loaded into both halves, the upper half shifted down by 4 bits)
  static inline B nibbles16(const uint8_t* p) {
    const B x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)p));
    return _mm256_and_si256(_mm256_srlv_epi64(x, _mm256_setr_epi64x(0, 0, 4, 4)), set1_8(0x0F));
  }
  static inline B lo4(B x) { return _mm256_and_si256(x, set1_8(0x0F)); }
  static inline B hi4(B x) { return _mm256_and_si256(_mm256_srli_epi16(x, 4), set1_8(0x0F)); }
  // (x >> s) & mask per byte; mask must fit in 8 - s bits
  static inline B srl_and(B x, int s, int mask) { return _mm256_and_si256(_mm256_srl_epi16(x, _mm_cvtsi32_si128(s)), set1_8(mask)); }
  // x << s per byte; values must not overflow the byte
  static inline B shl(B x, int s) { return _mm256_sll_epi16(x, _mm_cvtsi32_si128(s)); }
  // 0xFF in each byte where (x & mask) == mask
  static inline B test_bits(B x, int mask) {
    const B m = set1_8(mask);
    return _mm256_cmpeq_epi8(_mm256_and_si256(x, m), m);
  }
  // byte i = 0xFF when bit i of `bits` is set
  static inline B bits32(uint32_t bits) {
    const B shuf = _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303);
    const B bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), shuf);
    const B others = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe);  // byte k: every bit but bit k
    return _mm256_cmpeq_epi8(_mm256_or_si256(bytes, others), _mm256_set1_epi64x(-1));
  }
  static inline B and8(B a, int v) { return _mm256_and_si256(a, set1_8(v)); }
  static inline B or8(B a, B b) { return _mm256_or_si256(a, b); }
  static inline B table16(const int8_t* t) { return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)t)); }
  static inline B lut16(B table, B idx) { return _mm256_shuffle_epi8(table, idx); }
  // sums of 4 adjacent u8 x s8 products
  static inline I8 dot_u8s8(B u, B s) {
#ifdef IX_DPBUSD256
    return IX_DPBUSD256(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
  }
  // acc + the sums of 4 adjacent u8 x s8 products
  static inline I8 dot_u8s8_acc(I8 acc, B u, B s) {
#ifdef IX_DPBUSD256
    return IX_DPBUSD256(acc, u, s);
#else
    return _mm256_add_epi32(acc, dot_u8s8(u, s));
#endif
  }
  // A chain of u8 x s8 products of 4 summed into t: in 32 bits with vpdpbusd; without it the
  // vpmaddubsw pairs are summed in 16 bits (the caller bounds the chain so they cannot wrap), and
  // chain_sum32 widens the chain once at its end.
  static inline B chain_u8s8(B t, B u, B s) {
#ifdef IX_DPBUSD256
    return IX_DPBUSD256(t, u, s);
#else
    return _mm256_add_epi16(t, _mm256_maddubs_epi16(u, s));
#endif
  }
  static inline I8 chain_sum32(B t) {
#ifdef IX_DPBUSD256
    return t;
#else
    return _mm256_madd_epi16(t, _mm256_set1_epi16(1));
#endif
  }
  // s8 x s8: move w's sign onto x so the first operand is unsigned
  static inline I8 dot_s8s8(B w, B x) { return dot_u8s8(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w)); }
  // 16 x int16 views: 16 signed bytes widened; 8 unsigned bytes each widened twice (b0 b0 b1 b1 ...)
  static inline B i8_to_i16(const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)p)); }
  static inline B u8_pairs_to_i16(const uint8_t* p) {
    const __m128i v = _mm_loadl_epi64((const __m128i*)p);
    return _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(v, v));
  }
  // int16 products, adjacent pairs summed into 8 x int32
  static inline I8 madd16(B a, B b) { return _mm256_madd_epi16(a, b); }
  static inline I8 zero32() { return _mm256_setzero_si256(); }
  static inline I8 add32(I8 a, I8 b) { return _mm256_add_epi32(a, b); }
  static inline I8 mul32(I8 a, I8 b) { return _mm256_mullo_epi32(a, b); }
  static inline I8 set1_32(int v) { return _mm256_set1_epi32(v); }
  static inline I8 lane0_32(int v) { return _mm256_zextsi128_si256(_mm_cvtsi32_si128(v)); }  // v, 0, ..., 0
  // lanes 0..3 (first 16 bytes) scaled by a, lanes 4..7 by b
  static inline I8 scale2(int a, int b) { return _mm256_setr_epi32(a, a, a, a, b, b, b, b); }
  static inline F8 zerof() { return _mm256_setzero_ps(); }
  static inline F8 set1f(float v) { return _mm256_set1_ps(v); }
  static inline F8 cvt(I8 a) { return _mm256_cvtepi32_ps(a); }
  static inline F8 fmaf(F8 a, F8 b, F8 c) { return _mm256_fmadd_ps(a, b, c); }
  static inline F8 addf(F8 a, F8 b) { return _mm256_add_ps(a, b); }
  static inline float hsumf(F8 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
