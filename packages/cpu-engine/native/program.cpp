#include "program.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "blocks.h"

namespace ix {

bool dtype_layout(int dtype, int* block, int* type_size) {
  int b = 1, s = 0;
  switch (dtype) {
    case T_F32: case T_I32: s = 4; break;
    case T_F16: case T_BF16: case T_I16: s = 2; break;
    case T_I8: s = 1; break;
    case T_I64: case T_F64: s = 8; break;
    case T_Q4_0: b = 32; s = 18; break;
    case T_Q4_1: b = 32; s = 20; break;
    case T_Q5_0: b = 32; s = 22; break;
    case T_Q5_1: b = 32; s = 24; break;
    case T_Q8_0: b = 32; s = 34; break;
    case T_IQ4_NL: b = 32; s = 18; break;
    case T_Q2_K: b = 256; s = 84; break;
    case T_Q3_K: b = 256; s = 110; break;
    case T_Q4_K: b = 256; s = 144; break;
    case T_Q5_K: b = 256; s = 176; break;
    case T_Q6_K: b = 256; s = 210; break;
    case T_IQ4_XS: b = 256; s = 136; break;
    case T_MXFP4: b = 32; s = 17; break;
    default: return false;
  }
  *block = b;
  *type_size = s;
  return true;
}

const char* dtype_name(int dtype) {
  switch (dtype) {
    case T_F32: return "F32"; case T_F16: return "F16"; case T_BF16: return "BF16"; case T_I32: return "I32";
    case T_I16: return "I16"; case T_I8: return "I8"; case T_I64: return "I64"; case T_F64: return "F64";
    case T_Q4_0: return "Q4_0"; case T_Q4_1: return "Q4_1"; case T_Q5_0: return "Q5_0"; case T_Q5_1: return "Q5_1";
    case T_Q8_0: return "Q8_0"; case T_IQ4_NL: return "IQ4_NL"; case T_Q2_K: return "Q2_K"; case T_Q3_K: return "Q3_K";
    case T_Q4_K: return "Q4_K"; case T_Q5_K: return "Q5_K"; case T_Q6_K: return "Q6_K"; case T_IQ4_XS: return "IQ4_XS"; case T_MXFP4: return "MXFP4";
    default: return "unknown";
  }
}

const char* op_name(int op) {
  static const char* names[] = {"?", "matmul", "get_rows", "add", "mul", "scale", "rms_norm", "layer_norm", "rope", "softmax",
                                "silu", "gelu", "swiglu", "write_rows", "attention", "concat", "copy", "view", "argmax", "top_k", "softcap",
                                "sigmoid", "gather", "mul_mat_id", "weighted_sum", "swiglu_oai",
                                "sum_rows", "sqrt", "slice", "gaussian_top_k"};
  return op > 0 && op < OP_END ? names[op] : "?";
}

namespace {

class Reader {
 public:
  Reader(const double* p, size_t n) : p_(p), n_(n) {}
  double real(const char* what) {
    if (i_ >= n_) throw std::invalid_argument(std::string("program truncated while reading ") + what);
    return p_[i_++];
  }
  int64_t integer(const char* what, int64_t lo, int64_t hi) {
    const double v = real(what);
    if (!std::isfinite(v) || v != std::floor(v) || v < (double)lo || v > (double)hi) {
      throw std::invalid_argument(std::string("program: ") + what + " = " + std::to_string(v) + " is not an integer in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return (int64_t)v;
  }
  bool done() const { return i_ == n_; }

 private:
  const double* p_;
  size_t n_;
  size_t i_ = 0;
};

constexpr int64_t kMaxInt = int64_t(1) << 53;

TensorRef read_tensor(Reader& r, const BufferTable& buffers, bool output) {
  TensorRef t;
  const uint32_t buf = (uint32_t)r.integer("buffer id", 1, 0xffffffffLL);
  const int64_t offset = r.integer("byte offset", 0, kMaxInt);
  t.dtype = (int)r.integer("dtype", 0, 1000);
  t.ndim = (int)r.integer("ndim", 0, kMaxDims);
  int block = 0, ts = 0;
  if (!dtype_layout(t.dtype, &block, &ts)) throw std::invalid_argument("program: unsupported dtype id " + std::to_string(t.dtype));
  t.numel = 1;
  for (int d = 0; d < t.ndim; ++d) {
    t.dims[d] = r.integer("dimension", 0, kMaxInt);
    if (t.dims[d] != 0 && t.numel > kMaxInt / t.dims[d]) throw std::invalid_argument("program: tensor has too many elements");
    t.numel *= t.dims[d];
  }
  if (block > 1 && t.cols() % block != 0) {
    throw std::invalid_argument(std::string("program: ") + dtype_name(t.dtype) + " rows of " + std::to_string(t.cols()) +
                                " elements are not whole blocks of " + std::to_string(block));
  }
  const int64_t nblocks = t.numel / block;
  if (nblocks > kMaxInt / ts) throw std::invalid_argument("program: tensor too large");
  t.bytes = (size_t)(nblocks * ts);
  t.data = buffers.checked(buf, (uint64_t)offset, t.bytes, output);
  t.buffer = buf;
  const Buffer& b = buffers.get(buf);
  t.readonly = b.readonly;
  t.file_offset = b.readonly ? b.file_offset + (uint64_t)offset : 0;
  return t;
}

}  // namespace

std::vector<Node> decode_program(const double* prog, size_t len, const BufferTable& buffers) {
  Reader r(prog, len);
  if (r.integer("version", 0, 1000) != kProgramVersion) throw std::invalid_argument("program: unsupported version");
  const int64_t count = r.integer("node count", 0, 1 << 20);
  std::vector<Node> nodes((size_t)count);
  for (auto& n : nodes) {
    n.op = (int)r.integer("op code", 1, OP_END - 1);
    const int nt = (int)r.integer("tensor count", 1, 8);
    for (int i = 0; i < nt; ++i) n.t.push_back(read_tensor(r, buffers, i == 0));
    const int np = (int)r.integer("param count", 0, 16);
    for (int i = 0; i < np; ++i) n.params.push_back(r.real("param"));
  }
  if (!r.done()) throw std::invalid_argument("program: trailing data after the last node");
  return nodes;
}

}  // namespace ix
