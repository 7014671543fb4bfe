// The serialized form of a GraphSplit (built by src/program.ts) and its checked decoding.
//
// A program is a Float64Array:
//   [version=1, nodeCount, node...]
//   node   = [opCode, tensorCount, tensor..., paramCount, param...]   (tensor 0 is the output)
//   tensor = [bufferId, byteOffset, dtypeId, ndim, dim...]
// Doubles hold integers exactly up to 2^53. Every field is range-checked before use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "buffers.h"

namespace ix {

enum Op : int {
  OP_MATMUL = 1, OP_GET_ROWS, OP_ADD, OP_MUL, OP_SCALE, OP_RMS_NORM, OP_LAYER_NORM, OP_ROPE, OP_SOFTMAX,
  OP_SILU, OP_GELU, OP_SWIGLU, OP_WRITE_ROWS, OP_ATTENTION, OP_CONCAT, OP_COPY, OP_VIEW, OP_ARGMAX, OP_TOP_K,
  OP_SOFTCAP, OP_SIGMOID, OP_GATHER, OP_MUL_MAT_ID, OP_WEIGHTED_SUM, OP_SWIGLU_OAI,
  OP_SUM_ROWS, OP_SQRT, OP_SLICE, OP_GAUSSIAN_TOP_K,
  OP_END
};

constexpr int kProgramVersion = 1;
constexpr int kMaxDims = 8;

struct TensorRef {
  uint8_t* data = nullptr;
  uint32_t buffer = 0;    // the buffer id it lies in
  bool readonly = false;  // in a read-only file mapping (its bytes never change)
  uint64_t file_offset = 0;  // then: where data lies in the file
  size_t bytes = 0;
  int dtype = 0;
  int ndim = 0;
  int64_t dims[kMaxDims] = {};
  int64_t numel = 0;
  int64_t cols() const { return ndim ? dims[ndim - 1] : 1; }
  int64_t rows() const { return cols() ? numel / cols() : 0; }
};

struct Node {
  int op = 0;
  std::vector<TensorRef> t;  // t[0] is the output
  std::vector<double> params;
};

// Elements per block and bytes per block of a dtype id; false for types this backend cannot hold.
bool dtype_layout(int dtype, int* block, int* type_size);
const char* dtype_name(int dtype);
const char* op_name(int op);

// Decode and bounds-check the whole program (buffers, offsets, sizes) before anything runs.
std::vector<Node> decode_program(const double* prog, size_t len, const BufferTable& buffers);

}  // namespace ix
