// Mixture-of-experts ops: mul_mat_id (rows grouped by chosen expert, one fused matmul per expert),
// gather (the router's weights of the chosen experts) and weighted_sum (the experts' outputs mixed).
#include <algorithm>
#include <cstring>

#include "ops.h"

namespace ix {

namespace {
// ids as indices below `limit`: a bad id (a hostile graph) is an error, never a read out of bounds
void require_ids(const Node& n, const TensorRef& ids, int64_t limit) {
  const int32_t* id = (const int32_t*)ids.data;
  for (int64_t i = 0; i < ids.numel; ++i) {
    require(id[i] >= 0 && id[i] < limit, n, "id " + std::to_string(id[i]) + " is outside 0.." + std::to_string(limit - 1));
  }
}

// expert e of the 3-D weight w: a [N, K] slice of the same buffer
TensorRef expert_slice(const TensorRef& w, int64_t e) {
  TensorRef we = w;
  const size_t bytes = w.bytes / (size_t)w.dims[0];
  we.data = w.data + (size_t)e * bytes;
  we.file_offset = w.readonly ? w.file_offset + (uint64_t)e * bytes : 0;
  we.bytes = bytes;
  we.ndim = 2;
  we.dims[0] = w.dims[1];
  we.dims[1] = w.dims[2];
  we.numel = w.dims[1] * w.dims[2];
  return we;
}

// The experts this node and every later mul_mat_id routed by the same ids will read (gate, up,
// down), asked for now: their pages come in while the first ones compute.
void prefetch_routed(ExecCtx& c, const Node& n, int64_t E) {
  const int32_t* id = (const int32_t*)n.t[3].data;
  for (size_t i = c.at; i < c.program.size(); ++i) {
    const Node& later = c.program[i];
    if (later.op != OP_MUL_MAT_ID || later.t.size() != 4 || later.t[3].data != n.t[3].data || !later.t[2].readonly) continue;
    const TensorRef& w = later.t[2];
    if (w.ndim != 3 || w.dims[0] != E) continue;
    for (int64_t s = 0; s < n.t[3].numel; ++s) {
      const TensorRef we = expert_slice(w, id[s]);
      c.experts.prefetch(w, we.data, we.bytes);
    }
  }
}
}  // namespace

void op_mul_mat_id(ExecCtx& c, const Node& n) {
  require_tensors(n, 4);
  const TensorRef &y = n.t[0], &x = n.t[1], &w = n.t[2], &ids = n.t[3];
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require_dtype(n, 3, T_I32);
  require(matmul_weight_supported(c, w.dtype), n, std::string("weight type ") + dtype_name(w.dtype) + " is not supported");
  require(w.ndim == 3, n, "experts must be 3-D [E, N, K], got " + shape_str(w));
  const int64_t E = w.dims[0], N = w.dims[1], K = w.dims[2];
  require(E > 0 && K > 0 && K < (int64_t(1) << 31) && N < (int64_t(1) << 31), n, "bad expert shape " + shape_str(w));
  require(ids.ndim == 2, n, "ids must be [T, k], got " + shape_str(ids));
  const int64_t T = ids.dims[0], U = ids.dims[1];
  const bool per_slot = x.ndim == 3;
  require((x.ndim == 2 || (per_slot && x.dims[1] == U)) && x.dims[0] == T && x.cols() == K, n,
          "x " + shape_str(x) + " is not [T, K] or [T, k, K] for ids " + shape_str(ids) + " and experts " + shape_str(w));
  require(y.numel == T * U * N && y.cols() == N, n, "output " + shape_str(y) + " is not [" + std::to_string(T) + ", " + std::to_string(U) + ", " + std::to_string(N) + "]");
  require_ids(n, ids, E);
  const int64_t slots = T * U;
  if (slots == 0 || N == 0) return;

  // slots sorted by expert (counting sort): expert e's are order[start[e]..start[e + 1])
  const int32_t* id = (const int32_t*)ids.data;
  std::vector<int64_t> start((size_t)E + 1, 0), order((size_t)slots);
  for (int64_t s = 0; s < slots; ++s) ++start[(size_t)id[s] + 1];
  for (int64_t e = 0; e < E; ++e) start[(size_t)e + 1] += start[(size_t)e];
  std::vector<int64_t> next(start.begin(), start.end() - 1);
  for (int64_t s = 0; s < slots; ++s) order[(size_t)next[(size_t)id[s]]++] = s;

  // the rows each slot reads, gathered in that order, and the rows the experts write
  const float* xf = (const float*)x.data;
  float* yf = (float*)y.data;
  c.routed.resize((size_t)(slots * (K + N)));
  float* gx = c.routed.data();
  float* gy = gx + slots * K;
  parallel_range(c.pool, slots, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t s = order[(size_t)i];
      std::memcpy(gx + i * K, xf + (per_slot ? s : s / U) * K, (size_t)K * sizeof(float));
    }
  });

  // experts in a file mapping are tracked, and kept under the budget; with a budget they are read
  // in the file's layout (a repacked copy would be memory outside it, and remaking copies of
  // evicted experts costs more than the file-layout kernels lose: measured on Zen 5, Q4_0)
  const bool tracked = w.readonly;
  ExecCtx cc = c;
  if (tracked && c.experts.budget()) {
    cc.repack = nullptr;
    prefetch_routed(c, n, E);
  }
  if (tracked) c.experts.begin_op();
  if (tracked && cc.repack) cc.repack->reserve_experts(w);
  // one token's experts all read its one row: they take it in place, so matmul_batch quantizes it once
  const bool one_row = !per_slot && T == 1;
  std::vector<MatmulJob> jobs;
  for (int64_t e = 0; e < E; ++e) {
    const int64_t m = start[(size_t)e + 1] - start[(size_t)e];
    if (m == 0) continue;
    const TensorRef we = expert_slice(w, e);
    if (tracked) c.experts.touch(w, we.data, we.bytes);
    jobs.push_back({we, one_row && m == 1 ? xf : gx + start[(size_t)e] * K, m, gy + start[(size_t)e] * N});
  }
  // the gathered rows live at one address from call to call: nothing quantized from them is kept
  c.acts.src = nullptr;
  matmul_batch(cc, jobs, K);
  c.acts.src = nullptr;

  parallel_range(c.pool, slots, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(yf + order[(size_t)i] * N, gy + i * N, (size_t)N * sizeof(float));
  });
}

void op_gather(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  const TensorRef &y = n.t[0], &x = n.t[1], &ids = n.t[2];
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require_dtype(n, 2, T_I32);
  const int64_t C = x.cols(), k = ids.cols(), rows = ids.rows();
  require(x.rows() == rows && y.numel == ids.numel, n, "ids " + shape_str(ids) + " do not match x " + shape_str(x) + " and output " + shape_str(y));
  require_ids(n, ids, C);
  const float* xf = (const float*)x.data;
  const int32_t* id = (const int32_t*)ids.data;
  float* out = (float*)y.data;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < k; ++j) out[r * k + j] = xf[r * C + id[r * k + j]];
  }
}

void op_weighted_sum(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  for (int i = 0; i < 3; ++i) require_dtype(n, i, T_F32);
  const TensorRef &y = n.t[0], &x = n.t[1], &w = n.t[2];
  require(x.ndim == 3 && w.numel == x.dims[0] * x.dims[1] && y.numel == x.dims[0] * x.dims[2], n,
          "x " + shape_str(x) + ", w " + shape_str(w) + " and output " + shape_str(y) + " are not [T, k, N], [T, k], [T, N]");
  const int64_t T = x.dims[0], U = x.dims[1], N = x.dims[2];
  const float *xf = (const float*)x.data, *wf = (const float*)w.data;
  float* out = (float*)y.data;
  parallel_range(c.pool, T, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      float* o = out + t * N;
      for (int64_t i = 0; i < N; ++i) o[i] = 0.0f;
      for (int64_t j = 0; j < U; ++j) {
        const float a = wf[t * U + j];
        const float* r = xf + (t * U + j) * N;
        for (int64_t i = 0; i < N; ++i) o[i] += a * r[i];
      }
    }
  });
}

}  // namespace ix
