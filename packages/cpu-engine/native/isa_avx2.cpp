// AVX2 + FMA + F16C kernels (8-lane floats; maddubs integer dots). Target set per function by the
// pragma; called only after CPUID confirms the features.
// Library headers come first, outside the pragma, so no shared inline function is compiled
// with these extensions.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "repack.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi2")

namespace ix {
namespace isa_avx2 {
#include "simd_avx2.h"
#include "simd_q256.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
#include "kernels_repacked_avx2.inc"
#include "kernels_repacked_plain.inc"
#include "kernels_dequant_gemm_avx2.inc"

static KernelTable make_avx2_table() {
  KernelTable t = make_table("avx2");
  t.quantize_planes = quantize_planes_avx2;
  for (int f = 0; f < 2; ++f) {  // plain weights: f32 activations in both modes
    t.packed_gemv[f][T_F32] = t.packed_gemm[f][T_F32] = gemm_plain16<PlainF32>;
    t.packed_gemv[f][T_F16] = t.packed_gemm[f][T_F16] = gemm_plain16<PlainF16>;
    t.packed_gemv[f][T_BF16] = t.packed_gemm[f][T_BF16] = gemm_plain16<PlainBF16>;
  }
  t.packed_gemv[0][T_Q4_0] = gemv_q4_0x16_avx2<kPlanes>;
  t.packed_gemv[1][T_Q4_0] = gemv_q4_0x16_avx2<1>;
  t.packed_gemm[0][T_Q4_0] = gemv_q4_0x16_avx2<kPlanes, 4>;
  t.packed_gemm[1][T_Q4_0] = gemv_q4_0x16_avx2<1, 4>;
  t.packed_gemv[0][T_Q4_K] = gemv_q4_Kx16_avx2<kPlanes>;
  t.packed_gemv[1][T_Q4_K] = gemv_q4_Kx16_avx2<1>;
  t.packed_gemm[0][T_Q4_K] = gemv_q4_Kx16_avx2<kPlanes, 4>;
  t.packed_gemm[1][T_Q4_K] = gemv_q4_Kx16_avx2<1, 4>;
  t.packed_gemv[0][T_Q5_K] = gemv_q4_Kx16_avx2<kPlanes, 2, true>;
  t.packed_gemv[1][T_Q5_K] = gemv_q4_Kx16_avx2<1, 2, true>;
  t.packed_gemm[0][T_Q5_K] = gemv_q4_Kx16_avx2<kPlanes, 4, true>;
  t.packed_gemm[1][T_Q5_K] = gemv_q4_Kx16_avx2<1, 4, true>;
  t.packed_gemv[0][T_Q6_K] = gemv_q6_Kx16_avx2<kPlanes>;
  t.packed_gemv[1][T_Q6_K] = gemv_q6_Kx16_avx2<1>;
  t.packed_gemm[0][T_Q6_K] = gemv_q6_Kx16_avx2<kPlanes, 4>;
  t.packed_gemm[1][T_Q6_K] = gemv_q6_Kx16_avx2<1, 4>;
  // Q8_0 in exact mode stays on the float path: three planes of 8-bit products cost more than its
  // one byte per weight saves (Zen 5, IX_CPU_ISA=avx2: pp512 68 vs 49 t/s, tg 30 vs 28)
  t.packed_gemv[1][T_Q8_0] = gemv_signed16_avx2<SignedQ8_0_avx2, 1>;
  t.packed_gemm[1][T_Q8_0] = gemv_signed16_avx2<SignedQ8_0_avx2, 1, 4>;
  t.packed_gemv[0][T_IQ4_NL] = gemv_signed16_avx2<SignedIQ4_NL_avx2, kPlanes>;
  t.packed_gemv[1][T_IQ4_NL] = gemv_signed16_avx2<SignedIQ4_NL_avx2, 1>;
  t.packed_gemm[0][T_IQ4_NL] = gemv_signed16_avx2<SignedIQ4_NL_avx2, kPlanes, 4>;
  t.packed_gemm[1][T_IQ4_NL] = gemv_signed16_avx2<SignedIQ4_NL_avx2, 1, 4>;
  t.packed_gemv[0][T_MXFP4] = gemv_signed16_avx2<SignedMXFP4_avx2, kPlanes>;
  t.packed_gemv[1][T_MXFP4] = gemv_signed16_avx2<SignedMXFP4_avx2, 1>;
  t.packed_gemm[0][T_MXFP4] = gemv_signed16_avx2<SignedMXFP4_avx2, kPlanes, 4>;
  t.packed_gemm[1][T_MXFP4] = gemv_signed16_avx2<SignedMXFP4_avx2, 1, 4>;
  // exact-mode prefill in f32 on dequantized groups (kernels_dequant_gemm_avx2.inc)
  t.packed_gemm[0][T_Q4_0] = gemm_dequant16_avx2<DequantSigned<SignedQ4_0_avx2>>;
  t.packed_gemm[0][T_IQ4_NL] = gemm_dequant16_avx2<DequantSigned<SignedIQ4_NL_avx2>>;
  t.packed_gemm[0][T_MXFP4] = gemm_dequant16_avx2<DequantSigned<SignedMXFP4_avx2>>;
  t.packed_gemm[0][T_Q4_K] = gemm_dequant16_avx2<DequantQ45_K<false>>;
  t.packed_gemm[0][T_Q5_K] = gemm_dequant16_avx2<DequantQ45_K<true>>;
  t.packed_gemm[0][T_Q6_K] = gemm_dequant16_avx2<DequantQ6_K>;
  for (int i : {T_Q4_0, T_IQ4_NL, T_MXFP4, T_Q4_K, T_Q5_K, T_Q6_K}) t.exact_gemm_f32[i] = true;
  return t;
}
}  // namespace isa_avx2

const KernelTable* kernels_avx2() {
  static const KernelTable t = isa_avx2::make_avx2_table();
  return &t;
}

// AVX-512 without VNNI: 512-bit exact kernels, the AVX2 integer kernels (fast mode, repacked).
const KernelTable* kernels_avx512_novnni() {
  static const KernelTable t = [] {
    KernelTable k = *kernels_avx512();
    const KernelTable& a2 = *kernels_avx2();
    for (int i = 0; i < T_COUNT; ++i) {
      if (k.fast[i] == k.exact[i]) continue;
      k.fast[i] = a2.fast[i];  // with the format it reads (BF16: AVX2 has no bf16 kernel)
      k.fast_act[i] = a2.fast_act[i];
    }
    // the AVX-512 table's integer kernels (panels, repacked) use vpdpbusd: take AVX2's
    for (int i = 0; i < T_COUNT; ++i) {
      k.panel16[i] = nullptr;
      if (is_plain_type(i)) continue;  // FMA kernels: keep the 512-bit ones
      for (int f = 0; f < 2; ++f) {
        k.packed_gemv[f][i] = a2.packed_gemv[f][i];
        k.packed_gemm[f][i] = a2.packed_gemm[f][i];
      }
      k.exact_gemm_f32[i] = a2.exact_gemm_f32[i];
    }
    k.quantize_planes = a2.quantize_planes;
    k.quantize_panel16 = nullptr;
    k.quantize_q8_32 = a2.quantize_q8_32;
    k.quantize_q8_K = a2.quantize_q8_K;
    k.isa = "avx512";
    return k;
  }();
  return &t;
}

}  // namespace ix
#endif  // __x86_64__
