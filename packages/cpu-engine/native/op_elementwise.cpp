// Elementwise ops and data movement: add, mul, scale, silu, gelu, softcap, sigmoid, sqrt, swiglu, swiglu_oai, copy, view, concat, write_rows, slice.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops.h"

namespace ix {

namespace {
constexpr int64_t kGrain = 16384;

void require_same_count(const Node& n, int a, int b) {
  require(n.t[a].numel == n.t[b].numel, n, "tensors " + shape_str(n.t[a]) + " and " + shape_str(n.t[b]) + " differ in size");
}

int elem_size(int dtype) {
  int block = 0, ts = 0;
  return dtype_layout(dtype, &block, &ts) && block == 1 ? ts : 0;
}
}  // namespace

void op_binary(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  for (int i = 0; i < 3; ++i) require_dtype(n, i, T_F32);
  const TensorRef &y = n.t[0], &a = n.t[1], &b = n.t[2];
  require_same_count(n, 0, 1);
  require(b.numel > 0 ? a.numel % b.numel == 0 : a.numel == 0, n, shape_str(b) + " does not broadcast to " + shape_str(a));
  float* out = (float*)y.data;
  const float *pa = (const float*)a.data, *pb = (const float*)b.data;
  const int64_t nb = b.numel;
  const bool add = n.op == OP_ADD;
  if (nb == 0) return;
  // row by row against b: the inner loops have no index arithmetic, so they vectorize
  const int64_t rows = a.numel / nb;
  parallel_range(c.pool, rows, std::max<int64_t>(1, kGrain / nb), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const float* x = pa + r * nb;
      float* y = out + r * nb;
      if (add) {
        for (int64_t j = 0; j < nb; ++j) y[j] = x[j] + pb[j];
      } else {
        for (int64_t j = 0; j < nb; ++j) y[j] = x[j] * pb[j];
      }
    }
  });
}

void op_unary(ExecCtx& c, const Node& n) {
  require_tensors(n, 2);
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require_same_count(n, 0, 1);
  float* out = (float*)n.t[0].data;
  const float* x = (const float*)n.t[1].data;
  const int op = n.op;
  float s = 1.0f;
  if (op == OP_SCALE || op == OP_SOFTCAP) {
    require(n.params.size() == 1, n, op == OP_SCALE ? "expected params [scale]" : "expected params [cap]");
    s = (float)n.params[0];
    require(op == OP_SCALE || (s > 0 && std::isfinite(s)), n, "cap must be a positive number");
  }
  parallel_range(c.pool, n.t[1].numel, kGrain, [&](int64_t b, int64_t e) {
    if (op == OP_SCALE) {
      for (int64_t i = b; i < e; ++i) out[i] = x[i] * s;
    } else if (op == OP_SILU) {
      c.k->silu(x + b, out + b, e - b);
    } else if (op == OP_SOFTCAP) {
      c.k->softcap(x + b, out + b, e - b, s);
    } else if (op == OP_SQRT) {
      for (int64_t i = b; i < e; ++i) out[i] = std::sqrt(x[i]);
    } else if (op == OP_SIGMOID) {
      // only MoE gates use it (a value per token): no vector kernel
      for (int64_t i = b; i < e; ++i) out[i] = 1.0f / (1.0f + std::exp(-x[i]));
    } else {
      c.k->gelu(x + b, out + b, e - b);
    }
  });
}

void op_swiglu(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  for (int i = 0; i < 3; ++i) require_dtype(n, i, T_F32);
  require_same_count(n, 0, 1);
  require_same_count(n, 1, 2);
  float* out = (float*)n.t[0].data;
  const float *g = (const float*)n.t[1].data, *u = (const float*)n.t[2].data;
  parallel_range(c.pool, n.t[0].numel, kGrain, [&](int64_t b, int64_t e) {
    c.k->swiglu(g + b, u + b, out + b, e - b);
  });
}

// params [alpha, limit]
void op_swiglu_oai(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  for (int i = 0; i < 3; ++i) require_dtype(n, i, T_F32);
  require_same_count(n, 0, 1);
  require_same_count(n, 1, 2);
  require(n.params.size() == 2 && std::isfinite(n.params[0]) && n.params[1] > 0 && std::isfinite(n.params[1]), n, "expected params [alpha, limit > 0]");
  const float alpha = (float)n.params[0], limit = (float)n.params[1];
  float* out = (float*)n.t[0].data;
  const float *g = (const float*)n.t[1].data, *u = (const float*)n.t[2].data;
  parallel_range(c.pool, n.t[0].numel, kGrain, [&](int64_t b, int64_t e) {
    c.k->swiglu_oai(g + b, u + b, out + b, e - b, alpha, limit);
  });
}

// dst (F32/F16) rows [row, row + T) = src rows; the output tensor is the destination itself
void op_write_rows(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  const TensorRef &dst = n.t[0], &src = n.t[2];
  require(dst.dtype == T_F32 || dst.dtype == T_F16, n, std::string("destination must be F32 or F16, got ") + dtype_name(dst.dtype));
  require_dtype(n, 2, T_F32);
  require(n.params.size() == 1, n, "expected params [row]");
  require(dst.ndim >= 1 && src.ndim >= 1 && dst.dims[0] > 0, n, "destination and source need a row dimension");
  const int64_t S = dst.dims[0], T = src.dims[0], rowlen = dst.numel / S;
  require(src.numel == T * rowlen, n, "source rows " + shape_str(src) + " do not match destination rows " + shape_str(dst));
  const double row = n.params[0];
  require(row >= 0 && row == std::floor(row) && row + (double)T <= (double)S, n,
          "rows " + std::to_string(row) + ".." + std::to_string(row + T - 1) + " are outside " + shape_str(dst));
  const int64_t start = (int64_t)row * rowlen, count = T * rowlen;
  const float* s = (const float*)src.data;
  if (dst.dtype == T_F32) {
    std::memmove((float*)dst.data + start, s, (size_t)count * 4);
    return;
  }
  uint16_t* d = (uint16_t*)dst.data + start;
  parallel_range(c.pool, count, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) d[i] = fp32_to_fp16(s[i]);
  });
}

void op_copy(ExecCtx& c, const Node& n) {
  require_tensors(n, 2);
  const TensorRef &y = n.t[0], &x = n.t[1];
  require((y.dtype == T_F32 || y.dtype == T_F16) && (x.dtype == T_F32 || x.dtype == T_F16), n,
          std::string("converts between F32 and F16 only, got ") + dtype_name(x.dtype) + " -> " + dtype_name(y.dtype));
  require_same_count(n, 0, 1);
  if (x.dtype == y.dtype) {
    std::memmove(y.data, x.data, x.bytes);
    return;
  }
  const bool to_half = y.dtype == T_F16;
  parallel_range(c.pool, x.numel, kGrain, [&](int64_t b, int64_t e) {
    if (to_half) {
      for (int64_t i = b; i < e; ++i) ((uint16_t*)y.data)[i] = fp32_to_fp16(((const float*)x.data)[i]);
    } else {
      for (int64_t i = b; i < e; ++i) ((float*)y.data)[i] = fp16_to_fp32(((const uint16_t*)x.data)[i]);
    }
  });
}

void op_view(ExecCtx&, const Node& n) {
  require_tensors(n, 2);
  const TensorRef &y = n.t[0], &x = n.t[1];
  require((x.dtype == T_F32 || x.dtype == T_I32) && y.dtype == x.dtype, n, "views F32/I32 values as the same dtype");
  require(n.params.size() == 1, n, "expected params [offset]");
  const double off = n.params[0];
  require(off >= 0 && off == std::floor(off) && off + (double)y.numel <= (double)x.numel, n,
          shape_str(y) + " at offset " + std::to_string(off) + " exceeds " + shape_str(x));
  std::memmove(y.data, x.data + (size_t)off * 4, y.bytes);
}

void op_concat(ExecCtx&, const Node& n) {
  require_tensors(n, 3);
  const TensorRef &y = n.t[0], &a = n.t[1], &b = n.t[2];
  const int es = elem_size(a.dtype);
  require(es > 0 && a.dtype == b.dtype && y.dtype == a.dtype, n, "inputs and output must share a non-block dtype");
  require(n.params.size() == 1, n, "expected params [axis]");
  const double axd = n.params[0];
  require(a.ndim == b.ndim && y.ndim == a.ndim && axd >= 0 && axd < a.ndim && axd == std::floor(axd), n, "bad axis or ranks");
  const int ax = (int)axd;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < a.ndim; ++i) {
    if (i == ax) {
      require(y.dims[i] == a.dims[i] + b.dims[i], n, "output " + shape_str(y) + " is not the join of " + shape_str(a) + " and " + shape_str(b));
    } else {
      require(a.dims[i] == b.dims[i] && y.dims[i] == a.dims[i], n, shape_str(a) + " and " + shape_str(b) + " differ off the axis");
      if (i < ax) outer *= a.dims[i];
      else inner *= a.dims[i];
    }
  }
  const size_t ca = (size_t)(a.dims[ax] * inner) * es, cb = (size_t)(b.dims[ax] * inner) * es;
  for (int64_t o = 0; o < outer; ++o) {
    std::memmove(y.data + o * (ca + cb), a.data + o * ca, ca);
    std::memmove(y.data + o * (ca + cb) + ca, b.data + o * cb, cb);
  }
}

// y[..., length] = x[..., start .. start + length - 1]; params [start, length]
void op_slice(ExecCtx& c, const Node& n) {
  require_tensors(n, 2);
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require(n.params.size() == 2, n, "expected params [start, length]");
  const TensorRef &y = n.t[0], &x = n.t[1];
  const int64_t C = x.cols(), R = x.rows();
  const double sd = n.params[0], ld = n.params[1];
  require(sd >= 0 && ld >= 1 && sd == std::floor(sd) && ld == std::floor(ld) && sd + ld <= (double)C, n, "elements " + std::to_string(sd) + " + " + std::to_string(ld) + " are outside rows of " + std::to_string(C));
  const int64_t start = (int64_t)sd, len = (int64_t)ld;
  require(y.numel == R * len && y.cols() == len, n, "output must be " + std::to_string(R) + " rows of " + std::to_string(len));
  const float* xs = (const float*)x.data;
  float* ys = (float*)y.data;
  parallel_range(c.pool, R, std::max<int64_t>(1, kGrain / len), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) std::memcpy(ys + r * len, xs + r * C + start, (size_t)len * sizeof(float));
  });
}

}  // namespace ix
