// 16-lane float traits for the exact kernels, AVX-512F (+BW for byte widening).
// Included inside an ISA namespace by isa_avx512.cpp, under its target pragma.
#pragma once
#include <immintrin.h>

struct SF {
  static constexpr int N = 16;
  using F = __m512;
  using I = __m512i;
  static inline F zero() { return _mm512_setzero_ps(); }
  static inline F set1(float v) { return _mm512_set1_ps(v); }
  static inline F load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static inline F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static inline F add(F a, F b) { return _mm512_add_ps(a, b); }
  static inline F min(F a, F b) { return _mm512_min_ps(a, b); }
  static inline F max(F a, F b) { return _mm512_max_ps(a, b); }
  static inline F div(F a, F b) { return _mm512_div_ps(a, b); }
  static inline F neg_abs(F x) { return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))); }
  // z >= 0 ? a : b, lane by lane
  static inline F select_nonneg(F z, F a, F b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GE_OQ), b, a); }
  static inline float hsum(F v) { return _mm512_reduce_add_ps(v); }
  static inline float half(uint16_t h) { return _cvtsh_ss(h); }
  static inline F load_f16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
  static inline F load_bf16(const uint16_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p)), 16));
  }
  static inline I load_u8(const uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p)); }
  static inline I load_i8(const int8_t* p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)p)); }
  static inline I set1i(int v) { return _mm512_set1_epi32(v); }
  static inline I iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static inline I andi(I a, I b) { return _mm512_and_si512(a, b); }
  static inline I ori(I a, I b) { return _mm512_or_si512(a, b); }
  static inline I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static inline I subi(I a, I b) { return _mm512_sub_epi32(a, b); }
  static inline I srl(I a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static inline I sll(I a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static inline I srlv(I a, I n) { return _mm512_srlv_epi32(a, n); }
  static inline I load_bits(const void* p) { return _mm512_loadu_si512(p); }
  static inline F as_float(I a) { return _mm512_castsi512_ps(a); }
  static inline F cvt(I a) { return _mm512_cvtepi32_ps(a); }
  static inline I lut16(const int32_t* table, I idx) { return _mm512_permutexvar_epi32(idx, _mm512_loadu_si512(table)); }
  // 16-float table lookup: one permute, and only bits 0..3 of each index lane are read
  static inline F iota16() { return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static inline F perm16(F table, I idx) { return _mm512_permutexvar_ps(idx, table); }
  // e^x for x <= 0 (softmax after the max is subtracted): 2^n * p(r), |r| <= ln2/2, p = Taylor to
  // degree 7 (truncation < 6e-9 relative, under an f32 ulp); below -87.3 the result is 0.
  static inline F exp_nonpos(F x) {
    const __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_LT_OQ);
    const F n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    F p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    const I bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps((__mmask16)~tiny, p, _mm512_castsi512_ps(bits));
  }
};
// The 4-bit decoders build a 16-entry float table per (sub-)block and look weights up in it.
#define IX_SF_PERM16 1
