#include "ops.h"

namespace ix {

void op_error(const Node& n, const std::string& problem) { throw std::invalid_argument(std::string(op_name(n.op)) + ": " + problem); }

void require_tensors(const Node& n, int count) {
  require((int)n.t.size() == count, n, "expected " + std::to_string(count) + " tensors (output + inputs), got " + std::to_string(n.t.size()));
}

void require_dtype(const Node& n, int i, int dtype) {
  require(n.t[i].dtype == dtype, n, std::string(i == 0 ? "output" : "input " + std::to_string(i - 1)) + " must be " + dtype_name(dtype) +
                                        ", got " + dtype_name(n.t[i].dtype));
}

std::string shape_str(const TensorRef& t) {
  std::string s = "[";
  for (int i = 0; i < t.ndim; ++i) s += (i ? ", " : "") + std::to_string(t.dims[i]);
  return s + "]";
}

void run_node(ExecCtx& c, const Node& n) {
  switch (n.op) {
    case OP_MATMUL: return op_matmul(c, n);
    case OP_GET_ROWS: return op_get_rows(c, n);
    case OP_MUL_MAT_ID: return op_mul_mat_id(c, n);
    case OP_GATHER: return op_gather(c, n);
    case OP_WEIGHTED_SUM: return op_weighted_sum(c, n);
    case OP_ADD: case OP_MUL: return op_binary(c, n);
    case OP_SCALE: case OP_SILU: case OP_GELU: case OP_SOFTCAP: case OP_SIGMOID: case OP_SQRT: return op_unary(c, n);
    case OP_SWIGLU: return op_swiglu(c, n);
    case OP_SWIGLU_OAI: return op_swiglu_oai(c, n);
    case OP_WRITE_ROWS: return op_write_rows(c, n);
    case OP_COPY: return op_copy(c, n);
    case OP_VIEW: return op_view(c, n);
    case OP_CONCAT: return op_concat(c, n);
    case OP_RMS_NORM: case OP_LAYER_NORM: return op_norm(c, n);
    case OP_SUM_ROWS: case OP_GAUSSIAN_TOP_K: return op_row_stats(c, n);
    case OP_SLICE: return op_slice(c, n);
    case OP_SOFTMAX: return op_softmax(c, n);
    case OP_ROPE: return op_rope(c, n);
    case OP_ATTENTION: return op_attention(c, n);
    case OP_ARGMAX: return op_argmax(c, n);
    case OP_TOP_K: return op_top_k(c, n);
    default: op_error(n, "unknown op code " + std::to_string(n.op));
  }
}

}  // namespace ix
