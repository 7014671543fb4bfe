// ARM64 NEON kernels with the int8 matrix extension (ARMv8.6 usdot, plus sdot): the generic kernels on
// simd_neon.h with IX_NEON_DOT=2. Target set per function by the pragma; called only after HWCAP
// says the CPU has it (isa_neon.cpp is the baseline).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

#pragma GCC push_options
#pragma GCC target("arch=armv8.6-a+dotprod+i8mm")

namespace ix {
namespace isa_neon_i8mm {
#define IX_NEON_DOT 2
#include "simd_neon.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
#undef IX_NEON_DOT
}  // namespace isa_neon_i8mm

const KernelTable* kernels_neon_i8mm() {
  static const KernelTable t = isa_neon_i8mm::make_table("neon-i8mm");
  return &t;
}

}  // namespace ix

#pragma GCC pop_options
#endif
