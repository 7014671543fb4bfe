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
#include "isa_avx2_kernels.inc"
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
