#include "host_dequant.h"

#include <stdexcept>
#include <string>

#include "kernels/dequant.h"

namespace ix {

namespace {

// [blockElems, blockBytes] per WeightType
constexpr size_t kBlock[W_COUNT][2] = {{1, 4}, {1, 2}, {1, 2}, {32, 34}, {32, 18}, {256, 144}, {256, 176}, {256, 210}, {32, 18}, {32, 17}};

template <int T>
void decode(const uint8_t* data, size_t count, float* out) {
  for (size_t i = 0; i < count; ++i) out[i] = weight_at<T>(data, (uint32_t)i);
}

}  // namespace

void host_dequantize(int type, const uint8_t* data, size_t bytes, size_t count, float* out) {
  if (type < 0 || type >= W_COUNT) throw std::invalid_argument("unknown weight type " + std::to_string(type));
  const size_t be = kBlock[type][0], bb = kBlock[type][1];
  if (count % be != 0) throw std::invalid_argument("count is not a whole number of blocks");
  if (count / be * bb > bytes) throw std::invalid_argument("data is shorter than " + std::to_string(count) + " weights");
  switch (type) {
    case W_F32: return decode<W_F32>(data, count, out);
    case W_F16: return decode<W_F16>(data, count, out);
    case W_BF16: return decode<W_BF16>(data, count, out);
    case W_Q8_0: return decode<W_Q8_0>(data, count, out);
    case W_Q4_0: return decode<W_Q4_0>(data, count, out);
    case W_Q4_K: return decode<W_Q4_K>(data, count, out);
    case W_Q5_K: return decode<W_Q5_K>(data, count, out);
    case W_Q6_K: return decode<W_Q6_K>(data, count, out);
    case W_IQ4_NL: return decode<W_IQ4_NL>(data, count, out);
    case W_MXFP4: return decode<W_MXFP4>(data, count, out);
  }
}

}  // namespace ix
