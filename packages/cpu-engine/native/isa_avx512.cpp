// AVX-512 kernels (16-lane floats; VNNI vpdpbusd for the integer dots). Every function in this file
// carries the target attribute through the pragma, so the binary still loads on older CPUs; it is
// only called after CPUID says the features are there.
// Library headers come first, outside the pragma, so no shared inline function is compiled
// with these extensions.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "repack.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c,bmi2")

namespace ix {
namespace isa_avx512 {
#define IX_VNNI 1
#include "simd_avx512.h"
#include "simd_q256.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_panel16.inc"
#include "kernels_repacked_gemv.inc"
#include "kernels_repacked_plain.inc"
#include "kernels_bf16.inc"
#include "kernels_table.inc"
#undef IX_VNNI

static KernelTable make_vnni_table() {
  KernelTable t = make_table("avx512");
  t.panel16[T_Q4_0] = panel_tile<PanelW<WQ4_0>>;
  t.panel16[T_Q4_1] = panel_tile<PanelW<WQ4_1>>;
  t.panel16[T_Q5_0] = panel_tile<PanelW<WQ5_0>>;
  t.panel16[T_Q5_1] = panel_tile<PanelW<WQ5_1>>;
  t.panel16[T_Q8_0] = panel_tile<PanelW<WQ8_0>>;
  t.panel16[T_IQ4_NL] = panel_tile<PanelW<WIQ4_NL>>;
  t.panel16[T_Q4_K] = panel_tile<PanelQ4_K>;
  t.panel16[T_Q6_K] = panel_tile<PanelQ6_K>;
  // plain weights: the same f32 kernel in both modes (activations stay f32), decode and prefill
  for (int f = 0; f < 2; ++f) {
    t.packed_gemv[f][T_F32] = t.packed_gemm[f][T_F32] = gemm_plain16<PlainF32>;
    t.packed_gemv[f][T_F16] = t.packed_gemm[f][T_F16] = gemm_plain16<PlainF16>;
    t.packed_gemv[f][T_BF16] = t.packed_gemm[f][T_BF16] = gemm_plain16<PlainBF16>;
  }
  if (__builtin_cpu_supports("avx512bf16")) {
    t.fast[T_BF16] = tile_bf16;
    t.fast_act[T_BF16] = ACT_BF16;
    t.quantize_bf16 = quantize_bf16;
    t.packed_gemm[1][T_BF16] = gemm_bf16x16;  // fast-mode prefill: bf16 activations (packed_act)
  }
  t.quantize_panel16 = quantize_panel16;
  t.quantize_planes = quantize_planes;
  t.packed_gemv[0][T_Q4_0] = gemv_q4_0x16<kPlanes>;
  t.packed_gemv[1][T_Q4_0] = gemv_q4_0x16<1>;
  t.packed_gemv[0][T_Q4_K] = gemv_q4_Kx16<kPlanes>;
  t.packed_gemv[1][T_Q4_K] = gemv_q4_Kx16<1>;
  t.packed_gemv[0][T_Q5_K] = gemv_q4_Kx16<kPlanes, 2, true>;
  t.packed_gemv[1][T_Q5_K] = gemv_q4_Kx16<1, 2, true>;
  t.packed_gemv[0][T_Q6_K] = gemv_q6_Kx16<kPlanes>;
  t.packed_gemv[1][T_Q6_K] = gemv_q6_Kx16<1>;
  t.packed_gemv[0][T_Q8_0] = gemv_signed16<SignedQ8_0, kPlanes>;
  t.packed_gemv[1][T_Q8_0] = gemv_signed16<SignedQ8_0, 1>;
  t.packed_gemv[0][T_IQ4_NL] = gemv_signed16<SignedIQ4_NL, kPlanes>;
  t.packed_gemv[1][T_IQ4_NL] = gemv_signed16<SignedIQ4_NL, 1>;
  t.packed_gemv[0][T_MXFP4] = gemv_signed16<SignedMXFP4, kPlanes>;
  t.packed_gemv[1][T_MXFP4] = gemv_signed16<SignedMXFP4, 1>;
  // prefill: the decode kernels over more activation rows at once (measured on Zen 5)
  t.packed_gemm[1][T_Q4_0] = gemv_q4_0x16<1, 8>;
  t.packed_gemm[1][T_Q4_K] = gemv_q4_Kx16<1, 4>;
  t.packed_gemm[1][T_Q5_K] = gemv_q4_Kx16<1, 4, true>;
  t.packed_gemm[1][T_Q6_K] = gemv_q6_Kx16<1, 4>;
  t.packed_gemm[1][T_Q8_0] = gemv_signed16<SignedQ8_0, 1, 8>;
  t.packed_gemm[1][T_IQ4_NL] = gemv_signed16<SignedIQ4_NL, 1, 8>;
  t.packed_gemm[1][T_MXFP4] = gemv_signed16<SignedMXFP4, 1, 8>;
  t.packed_gemm[0][T_Q4_0] = gemv_q4_0x16<kPlanes, 8, true>;
  t.packed_gemm[0][T_Q4_K] = gemv_q4_Kx16<kPlanes, 8>;
  t.packed_gemm[0][T_Q5_K] = gemv_q4_Kx16<kPlanes, 8, true>;
  t.packed_gemm[0][T_Q6_K] = gemv_q6_Kx16<kPlanes, 8>;
  t.packed_gemm[0][T_Q8_0] = gemv_signed16<SignedQ8_0, kPlanes, 8, true>;
  t.packed_gemm[0][T_IQ4_NL] = gemv_signed16<SignedIQ4_NL, kPlanes, 8, true>;
  t.packed_gemm[0][T_MXFP4] = gemv_signed16<SignedMXFP4, kPlanes, 8, true>;
  return t;
}
}  // namespace isa_avx512

const KernelTable* kernels_avx512() {
  static const KernelTable t = isa_avx512::make_vnni_table();
  return &t;
}

}  // namespace ix
#endif  // __x86_64__
