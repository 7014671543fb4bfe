// The AVX2 kernels again for CPUs with AVX-VNNI (Intel from Alder Lake and Sapphire Rapids, the
// E-core Xeons, AMD Zen 5 — most without AVX-512): 256-bit vpdpbusd sums the integer products in
// 32 bits where plain AVX2 chains vpmaddubsw and 16-bit adds (three times the work in exact mode's
// three activation planes). Called only after CPUID confirms AVX2 + FMA + F16C + BMI2 + AVX-VNNI.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "repack.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,bmi2,avxvnni")

namespace ix {
namespace isa_avx2_vnni {
#define IX_AVX_VNNI 1
#include "isa_avx2_kernels.inc"
#undef IX_AVX_VNNI
}  // namespace isa_avx2_vnni

const KernelTable* kernels_avx2_vnni() {
  static const KernelTable t = isa_avx2_vnni::make_avx2_table();
  return &t;
}

}  // namespace ix
#pragma GCC pop_options
#endif  // __x86_64__
