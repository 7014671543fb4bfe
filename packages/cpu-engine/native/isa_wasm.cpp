// WebAssembly SIMD128 kernels: the generic kernels on simd_wasm.h (4-lane floats, 32-byte integer
// blocks in two v128 values), and for the block types integer kernels on 16-bit activations in both
// modes (kernels_i16_wasm.inc). Compiled only for the wasm32 target (@ix/backend-wasm's module).
#if defined(__wasm_simd128__)
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"

namespace ix {

namespace isa_wasm {
#include "simd_wasm.h"
#include "kernels_exact.inc"
#include "kernels_fast.inc"
#include "kernels_table.inc"
#include "kernels_i16_wasm.inc"
}  // namespace isa_wasm

static bool compact_loops = false;

void set_wasm_compact_loops(bool on) { compact_loops = on; }

const KernelTable* kernels_wasm_simd128() {
  static const KernelTable unrolled = isa_wasm::make_wasm_table<false>();
  static const KernelTable compact = isa_wasm::make_wasm_table<true>();
  return compact_loops ? &compact : &unrolled;
}

}  // namespace ix
#endif
