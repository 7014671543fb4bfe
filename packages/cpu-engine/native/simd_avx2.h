// 8-lane float traits for the exact kernels, AVX2 + FMA + F16C.
// Included inside an ISA namespace by isa_avx2.cpp, under its target pragma.
#pragma once
#include <immintrin.h>

struct SF {
  static constexpr int N = 8;
  using F = __m256;
  using I = __m256i;
  static inline F zero() { return _mm256_setzero_ps(); }
  static inline F set1(float v) { return _mm256_set1_ps(v); }
  static inline F load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static inline F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static inline F add(F a, F b) { return _mm256_add_ps(a, b); }
  static inline F min(F a, F b) { return _mm256_min_ps(a, b); }
  static inline F max(F a, F b) { return _mm256_max_ps(a, b); }
  static inline F div(F a, F b) { return _mm256_div_ps(a, b); }
  static inline F neg_abs(F x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }
  // z >= 0 ? a : b, lane by lane
  static inline F select_nonneg(F z, F a, F b) { return _mm256_blendv_ps(a, b, _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ)); }
  static inline float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static inline float half(uint16_t h) { return _cvtsh_ss(h); }
  static inline F load_f16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }
  static inline F load_bf16(const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16));
  }
  static inline I load_u8(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p)); }
  static inline I load_i8(const int8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)p)); }
  static inline I set1i(int v) { return _mm256_set1_epi32(v); }
  static inline I iota() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static inline I andi(I a, I b) { return _mm256_and_si256(a, b); }
  static inline I ori(I a, I b) { return _mm256_or_si256(a, b); }
  static inline I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static inline I subi(I a, I b) { return _mm256_sub_epi32(a, b); }
  static inline I srl(I a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static inline I sll(I a, int n) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
  static inline I srlv(I a, I n) { return _mm256_srlv_epi32(a, n); }
  static inline I load_bits(const void* p) { return _mm256_loadu_si256((const __m256i*)p); }
  static inline F as_float(I a) { return _mm256_castsi256_ps(a); }
  static inline F cvt(I a) { return _mm256_cvtepi32_ps(a); }
  // e^x for x <= 0 (softmax after the max is subtracted): 2^n * p(r), |r| <= ln2/2, p = Taylor to
  // degree 7 (truncation < 6e-9 relative, under an f32 ulp); below -87.3 the result is 0.
  static inline F exp_nonpos(F x) {
    const F keep = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
    const F n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
    F p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const I bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(bits)), keep);
  }
  // 16-entry table with 8-lane permutes: low and high halves, picked by bit 3 of the index
  static inline I lut16(const int32_t* table, I idx) {
    const I lo = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i*)table), idx);
    const I hi = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i*)(table + 8)), idx);
    return _mm256_blendv_epi8(lo, hi, _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7)));
  }
};
