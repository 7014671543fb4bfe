// AVX2 + FMA + F16C kernels (8-lane floats; maddubs integer dots). Target set per function by the
// pragma; called only after CPUID confirms the features.
// Library headers come first, outside the pragma, so no shared inline function is compiled
// with these extensions.
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi2")

namespace ix {
namespace isa_avx2 {
#include "simd_avx2.h"
#include "simd_q256.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
}  // namespace isa_avx2

const KernelTable* kernels_avx2() {
  static const KernelTable t = isa_avx2::make_table("avx2");
  return &t;
}

// AVX-512 without VNNI: 512-bit exact kernels, the AVX2 integer kernels for fast mode.
const KernelTable* kernels_avx512_novnni() {
  static const KernelTable t = [] {
    KernelTable k = *kernels_avx512();
    const KernelTable& a2 = *kernels_avx2();
    for (int i = 0; i < T_COUNT; ++i) if (k.fast[i] != k.exact[i]) k.fast[i] = a2.fast[i];
    k.quantize_q8_32 = a2.quantize_q8_32;
    k.quantize_q8_K = a2.quantize_q8_K;
    k.isa = "avx512";
    return k;
  }();
  return &t;
}

}  // namespace ix
