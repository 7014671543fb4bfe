// matmul (fused dequantize-and-dot, threads over weight rows) and get_rows.
#include <algorithm>

#include "ops.h"

namespace ix {

namespace {
bool is_weight_type(int dt) { return dt < T_COUNT && dt != T_I8 && dt != T_I16 && dt != T_I32 && dt != T_I64 && dt != T_F64; }

// Activation rows quantized into panels of 16 rows (kernels_panel16.inc) in c.scratch.
struct Panels {
  const uint8_t* data;
  size_t stride;  // bytes per panel
  int64_t count;
};

Panels quantize_panels(ExecCtx& c, const float* x, int64_t M, int64_t K) {
  const int64_t np = (M + kPanelRows - 1) / kPanelRows;
  const size_t pstride = (size_t)(K / QK) * kPanelBlockBytes;
  c.scratch.resize(pstride * (size_t)np);
  uint8_t* panels = c.scratch.data();
  const PanelQuantizeFn quant = c.k->quantize_panel16;
  c.pool.run(np, [&](int64_t p) {
    const int64_t r0 = p * kPanelRows;
    quant(x + r0 * K, (size_t)K, (int)std::min<int64_t>(kPanelRows, M - r0), (int)K, panels + (size_t)p * pstride);
  });
  return {panels, pstride, np};
}

// weight rows per task: enough tasks to balance the threads, at most 64 rows
int64_t rows_per_task(const ExecCtx& c, int64_t N) { return std::max<int64_t>(1, std::min<int64_t>(64, N / ((int64_t)c.pool.size() * 8))); }

// Runs fn(r0, nr, p0, npg, m0, rows) over tasks = runs of weight rows x groups of 4 panels.
template <class Fn> void over_panels(ExecCtx& c, int64_t N, int64_t M, const Panels& p, Fn&& fn) {
  const int64_t per_task = rows_per_task(c, N), tasks = (N + per_task - 1) / per_task, groups = (p.count + 3) / 4;
  c.pool.run(tasks * groups, [&](int64_t t) {
    const int64_t wt = t / groups, g = t % groups;
    const int64_t r0 = wt * per_task, nr = std::min(per_task, N - r0);
    const int64_t p0 = 4 * g, npg = std::min<int64_t>(4, p.count - p0), m0 = p0 * kPanelRows;
    fn(r0, nr, p0, npg, m0, std::min<int64_t>(npg * kPanelRows, M - m0));
  });
}

// Fast-mode prefill through activation panels: weight rows x groups of 4 panels (64 rows).
void matmul_panels(ExecCtx& c, PanelFn tile, const uint8_t* w, size_t wrow, int64_t N, const float* x, int64_t M, int64_t K, float* y) {
  const Panels p = quantize_panels(c, x, M, K);
  over_panels(c, N, M, p, [&](int64_t r0, int64_t nr, int64_t p0, int64_t npg, int64_t m0, int64_t rows) {
    tile(w + (size_t)r0 * wrow, wrow, (int)nr, p.data + (size_t)p0 * p.stride, p.stride, (int)npg, (int)rows, (int)K, y + m0 * N + r0, (size_t)N);
  });
}

// The M rows of x quantized to `af` (ActFormat; ACT_F32: x itself), each `xs` bytes: kept in c.acts, so a matmul
// reading the same unchanged rows as the one before it quantizes nothing.
const uint8_t* quantized_rows(ExecCtx& c, const float* x, int64_t M, int64_t K, int af, size_t xs) {
  QuantizedActs& a = c.acts;
  const uint8_t* src = (const uint8_t*)x;
  if (a.src == src && a.rows == M && a.cols == K && a.format == af) return a.data.data();
  if (af == ACT_F32) return src;
  a.src = nullptr;
  a.data.resize(xs * (size_t)M);
  uint8_t* q = a.data.data();
  const QuantizeFn quant = act_quantizer(*c.k, (ActFormat)af);
  parallel_range(c.pool, M, 4, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) quant(x + r * K, (int)K, q + (size_t)r * xs);
  });
  a.src = src;
  a.src_bytes = (size_t)(M * K) * sizeof(float);
  a.rows = M;
  a.cols = K;
  a.format = af;
  return q;
}

// Weights repacked 16 rows at a time (repack.h), lanes = weight rows, for the types and modes
// the kernel table has repacked kernels for: integer dot products against activations quantized
// once per row (fast: act_q8_32; exact: act_q8_planes, three 8-bit planes as exact as f32
// products; blocks.h), FMAs against f32 activations for plain weights (bf16 dot products in
// fast-mode BF16 prefill; packed_act in kernels.h says which). Decode runs packed_gemv over runs of row groups; prefill runs packed_gemm,
// the same kernels over more activation rows at once, on runs of row groups x 64-row tiles, so
// each unpacked weight block serves many rows. Nothing reads the original layout afterwards, so
// the mapping's pages are given back.
bool repacked_path(const ExecCtx& c, const TensorRef& w, int64_t M) {
  if (!w.readonly || !c.repack || !c.k->packed_gemv[c.fast][w.dtype]) return false;
  if (w.dims[1] % repack_unit(w.dtype) != 0) return false;  // BF16 rows of odd length
  return M < kPanelRows || c.k->packed_gemm[c.fast][w.dtype] != nullptr;
}

void matmul_repacked(ExecCtx& c, const TensorRef& w, const float* x, int64_t M, int64_t K, float* y) {
  const Repacked pk = c.repack->get(w, c.pool, true);
  const int64_t N = w.dims[0];
  const int nb = (int)(K / repack_unit(w.dtype));
  const bool gemm_path = M >= kPanelRows;
  const ActFormat af = packed_act(*c.k, w.dtype, c.fast, gemm_path);
  const size_t xs = act_row_bytes(af, (int)K);
  const uint8_t* q = quantized_rows(c, x, M, K, af, xs);
  if (gemm_path) {
    const PackedGemvFn gemm = c.k->packed_gemm[c.fast][w.dtype];
    // row groups per task, enough tasks to balance the threads; plain kernels take groups in threes
    // (AVX-512, and decode on AVX2), so their tasks hold whole threes
    const int64_t threads = c.pool.size();
    const int64_t gpt = is_plain_type(w.dtype) ? 3 * std::clamp<int64_t>(pk.groups / (threads * 12), 1, 2) : std::clamp<int64_t>(pk.groups / (threads * 4), 1, 4);
    const int64_t gtasks = (pk.groups + gpt - 1) / gpt, mtiles = (M + 63) / 64;
    c.pool.run(gtasks * mtiles, [&](int64_t t) {
      const int64_t gt = t / mtiles, m0 = (t % mtiles) * 64;
      const int64_t g0 = gt * gpt, g1 = std::min(pk.groups, g0 + gpt);
      gemm(pk.data, nb, g0, g1, N, q + (size_t)m0 * xs, xs, (int)std::min<int64_t>(64, M - m0), y + m0 * N, (size_t)N);
    });
    return;
  }
  const PackedGemvFn gemv = c.k->packed_gemv[c.fast][w.dtype];
  const int64_t per_task = std::max<int64_t>(1, pk.groups / ((int64_t)c.pool.size() * 8));
  c.pool.run((pk.groups + per_task - 1) / per_task, [&](int64_t t) {
    const int64_t g0 = t * per_task, g1 = std::min(pk.groups, g0 + per_task);
    gemv(pk.data, nb, g0, g1, N, q, xs, (int)M, y, (size_t)N);
  });
}

}  // namespace

void op_matmul(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  const TensorRef &y = n.t[0], &x = n.t[1], &w = n.t[2];
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require(matmul_weight_supported(c, w.dtype), n, std::string("weight type ") + dtype_name(w.dtype) + " is not supported");
  require(w.ndim == 2, n, "weight must be 2-D [N, K], got " + shape_str(w));
  const int64_t N = w.dims[0], K = w.dims[1];
  require(K > 0 && K < (int64_t(1) << 31) && N < (int64_t(1) << 31), n, "bad weight shape " + shape_str(w));
  require(x.ndim >= 1 && x.cols() == K, n, "x " + shape_str(x) + " does not match weight " + shape_str(w));
  const int64_t M = x.rows();
  require(y.cols() == N && y.numel == M * N, n, "output " + shape_str(y) + " is not [..., " + std::to_string(N) + "] with " + std::to_string(M) + " rows");
  matmul_f32(c, w, (const float*)x.data, M, K, (float*)y.data);
}

bool matmul_weight_supported(const ExecCtx& c, int dtype) { return is_weight_type(dtype) && c.k->exact[dtype]; }

void matmul_f32(ExecCtx& c, const TensorRef& w, const float* xf, int64_t M, int64_t K, float* yf) {
  const int64_t N = w.dims[0];
  if (M == 0 || N == 0) return;
  const size_t wrow = w.bytes / (size_t)N;
  if (repacked_path(c, w, M)) return matmul_repacked(c, w, xf, M, K, yf);
  if (c.fast && M >= kPanelRows && c.k->panel16[w.dtype]) return matmul_panels(c, c.k->panel16[w.dtype], w.data, wrow, N, xf, M, K, yf);
  // each kernel reads its own activation format (kernels.h)
  TileFn tile = c.fast ? c.k->fast[w.dtype] : c.k->exact[w.dtype];
  ActFormat af = c.fast ? c.k->fast_act[w.dtype] : c.k->exact_act[w.dtype];
  // bf16 dot products pay off when activation rows share each weight load (prefill); decode reads
  // BF16 weights as fast in f32 (measured on Zen 5), and f32 activations are exact
  if (af == ACT_BF16 && M < 4) {
    tile = c.k->exact[w.dtype];
    af = c.k->exact_act[w.dtype];
  }
  const uint8_t* act = (const uint8_t*)xf;
  size_t act_stride = (size_t)K * 4;
  if (af != ACT_F32) {
    act_stride = act_row_bytes(af, (int)K);
    c.scratch.resize(act_stride * (size_t)M);
    uint8_t* q = c.scratch.data();
    const QuantizeFn quant = act_quantizer(*c.k, af);
    parallel_range(c.pool, M, 1, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) quant(xf + r * K, (int)K, q + r * act_stride);
    });
    act = q;
  }
  // Tasks are runs of weight rows: each weight row is read once from memory per task, and the
  // activation rows (few in decode, many in prefill) stream past it in groups of 4.
  const int threads = c.pool.size();
  const int64_t per_task = std::max<int64_t>(1, std::min<int64_t>(64, N / ((int64_t)threads * 8)));
  const int64_t tasks = (N + per_task - 1) / per_task;
  // prefill: also block activation rows so a task's x tile stays in L2
  const int64_t mblock = M > 64 ? 64 : M;
  const int64_t mtiles = (M + mblock - 1) / mblock;
  c.pool.run(tasks * mtiles, [&](int64_t t) {
    const int64_t wt = t / mtiles, mt = t % mtiles;
    const int64_t r0 = wt * per_task, nr = std::min(per_task, N - r0);
    const int64_t m0 = mt * mblock, nm = std::min(mblock, M - m0);
    tile(w.data + (size_t)r0 * wrow, wrow, (int)nr, act + (size_t)m0 * act_stride, act_stride, (int)nm, (int)K, yf + m0 * N + r0, (size_t)N);
  });
}

void matmul_batch(ExecCtx& c, const std::vector<MatmulJob>& jobs, int64_t K) {
  // jobs of few rows on repacked weights share one pool run; the rest run one by one
  struct Task {
    const MatmulJob* job;
    const uint8_t* packed;
    const uint8_t* q;
    size_t xs;
    int64_t g0, g1;
  };
  std::vector<const MatmulJob*> small;
  for (const MatmulJob& j : jobs) {
    if (j.M < kPanelRows && repacked_path(c, j.w, j.M)) {
      small.push_back(&j);
      continue;
    }
    c.acts.src = nullptr;  // jobs' rows may sit where other rows were a call ago: nothing kept is trusted
    matmul_f32(c, j.w, j.x, j.M, K, j.y);
  }
  if (small.empty()) return;
  int64_t rows = 0;
  for (const MatmulJob* j : small) rows += j->M;
  // every job's rows quantized into one buffer (the weights share a dtype, so a format)
  const ActFormat af = packed_act(*c.k, small[0]->w.dtype, c.fast, false);
  const size_t xs = act_row_bytes(af, (int)K);
  const QuantizeFn quant = act_quantizer(*c.k, af);
  if (af != ACT_F32) c.scratch.resize(xs * (size_t)rows);
  std::vector<Task> tasks;
  const int64_t threads = c.pool.size();
  int64_t at = 0;
  const float* last_x = nullptr;  // jobs reading the same rows as the job before (a token's experts) share its quantized copy
  int64_t last_m = 0;
  const uint8_t* last_q = nullptr;
  for (const MatmulJob* j : small) {
    const Repacked pk = c.repack->get(j->w, c.pool, true);
    const uint8_t* q = (const uint8_t*)j->x;
    if (af != ACT_F32 && j->x == last_x && j->M == last_m) {
      q = last_q;
    } else if (af != ACT_F32) {
      uint8_t* dst = c.scratch.data() + (size_t)at * xs;
      for (int64_t r = 0; r < j->M; ++r) quant(j->x + r * K, (int)K, dst + (size_t)r * xs);
      q = last_q = dst;
      last_x = j->x;
      last_m = j->M;
      at += j->M;
    }
    // few, long tasks, none crossing an expert: each is one contiguous stream of weights, and every
    // stream's start costs (MoE decode on Zen 5, Q4_0, 2 threads: ahead in 5 of 5 A/B pairs, by up to
    // 15%, against ~8 tasks of 110 KB per thread); about 4 tasks per thread keep the threads balanced
    const int64_t per_task = std::clamp<int64_t>((pk.groups * (int64_t)small.size() + threads * 4 - 1) / (threads * 4), 1, pk.groups);
    for (int64_t g0 = 0; g0 < pk.groups; g0 += per_task) tasks.push_back({j, pk.data, q, af == ACT_F32 ? (size_t)K * 4 : xs, g0, std::min(pk.groups, g0 + per_task)});
  }
  const PackedGemvFn gemv = c.k->packed_gemv[c.fast][small[0]->w.dtype];
  const int nb = (int)(K / repack_unit(small[0]->w.dtype));
  c.pool.run((int64_t)tasks.size(), [&](int64_t t) {
    const Task& k = tasks[(size_t)t];
    const int64_t N = k.job->w.dims[0];
    gemv(k.packed, nb, k.g0, k.g1, N, k.q, k.xs, (int)k.job->M, k.job->y, (size_t)N);
  });
}

void op_get_rows(ExecCtx& c, const Node& n) {
  require_tensors(n, 3);
  const TensorRef &y = n.t[0], &table = n.t[1], &ids = n.t[2];
  require_dtype(n, 0, T_F32);
  require_dtype(n, 2, T_I32);
  require(is_weight_type(table.dtype) && c.k->decode[table.dtype], n, std::string("table type ") + dtype_name(table.dtype) + " is not supported");
  require(table.ndim == 2, n, "table must be 2-D, got " + shape_str(table));
  const int64_t R = table.dims[0], C = table.dims[1], T = ids.numel;
  require(y.numel == T * C, n, "output " + shape_str(y) + " is not [" + std::to_string(T) + ", " + std::to_string(C) + "]");
  const int32_t* id = (const int32_t*)ids.data;
  for (int64_t i = 0; i < T; ++i) require(id[i] >= 0 && id[i] < R, n, "id " + std::to_string(id[i]) + " outside table of " + std::to_string(R) + " rows");
  if (T == 0 || C == 0) return;
  const size_t row = table.bytes / (size_t)R;
  if (c.repack && table.readonly) c.repack->keep_source(table);
  const DecodeFn dec = c.k->decode[table.dtype];
  float* out = (float*)y.data;
  parallel_range(c.pool, T, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dec(table.data + (size_t)id[i] * row, (int)C, out + i * C);
  });
}

}  // namespace ix
