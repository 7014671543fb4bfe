// ARM64 NEON kernels for every ARMv8 CPU: the generic kernels on simd_neon.h without dot-product
// instructions (IX_NEON_DOT=0). isa_neon_dotprod.cpp and isa_neon_i8mm.cpp compile the same kernels
// with those extensions, per function, so one binary serves every ARM64 CPU (chosen by HWCAP).
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

namespace ix {

namespace isa_neon {
#define IX_NEON_DOT 0
#include "simd_neon.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
#undef IX_NEON_DOT
}  // namespace isa_neon

const KernelTable* kernels_neon() {
  static const KernelTable t = isa_neon::make_table("neon");
  return &t;
}

}  // namespace ix
#endif
