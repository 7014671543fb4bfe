// ARM64 NEON kernels with the dot-product extension (ARMv8.2 sdot): the generic kernels on
// simd_neon.h with IX_NEON_DOT=1. Target set per function by the pragma; called only after HWCAP
// says the CPU has it (isa_neon.cpp is the baseline).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")

namespace ix {
namespace isa_neon_dotprod {
#define IX_NEON_DOT 1
#include "simd_neon.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
#undef IX_NEON_DOT
}  // namespace isa_neon_dotprod

const KernelTable* kernels_neon_dotprod() {
  static const KernelTable t = isa_neon_dotprod::make_table("neon-dotprod");
  return &t;
}

}  // namespace ix

#pragma GCC pop_options
#endif
