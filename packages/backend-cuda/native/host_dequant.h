// The kernels' weight decoding (kernels/dequant.h) run on the host, so tests check the block layouts
// against core's reference dequantizers on machines without a GPU.
#pragma once
#include <cstdint>
#include <cstddef>

namespace ix {

/** Decode `count` weights of type `type` (WeightType) from `data` (`bytes` long) into `out`. */
void host_dequantize(int type, const uint8_t* data, size_t bytes, size_t count, float* out);

}  // namespace ix
