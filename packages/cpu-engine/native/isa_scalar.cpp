// Portable kernels: no SIMD extension assumed, on every architecture (the truth the SIMD tables are
// checked against, and the fallback of last resort).
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

namespace ix {
namespace isa_scalar {
#include "simd_scalar.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
}  // namespace isa_scalar

const KernelTable* kernels_scalar() {
  static const KernelTable t = isa_scalar::make_table("scalar");
  return &t;
}

}  // namespace ix
