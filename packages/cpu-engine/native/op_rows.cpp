// Row-wise ops over the last dimension: rms_norm, layer_norm, sum_rows, gaussian_top_k, softmax, rope, argmax, top_k.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops.h"

namespace ix {

namespace {
void require_rowwise(const Node& n) {
  require_tensors(n, 2);
  require_dtype(n, 1, T_F32);
  require(n.t[1].ndim >= 1, n, "needs at least one dimension");
}
int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, cols)); }
}  // namespace

void op_norm(ExecCtx& c, const Node& n) {
  require_rowwise(n);
  require_dtype(n, 0, T_F32);
  require(n.t[0].numel == n.t[1].numel, n, "output size differs from input");
  require(n.params.size() == 1, n, "expected params [eps]");
  const float eps = (float)n.params[0];
  const int64_t C = n.t[1].cols(), R = n.t[1].rows();
  const float* x = (const float*)n.t[1].data;
  float* y = (float*)n.t[0].data;
  const bool rms = n.op == OP_RMS_NORM;
  parallel_range(c.pool, R, row_grain(C), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      double mean = 0.0;
      if (!rms) {
        for (int64_t i = 0; i < C; ++i) mean += xr[i];
        mean /= (double)C;
      }
      double ss = 0.0;
      for (int64_t i = 0; i < C; ++i) {
        const double d = xr[i] - mean;
        ss += d * d;
      }
      const float inv = (float)(1.0 / std::sqrt(ss / (double)C + (double)eps));
      const float m = (float)mean;
      for (int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - m) * inv;
    }
  });
}

// sum_rows: y[..., 1] = each row's sum; gaussian_top_k (params [k]): y = max(0, x - (mean + k·std)),
// std the row's sample standard deviation (Gemma 3n's activation sparsity). Sums in double.
void op_row_stats(ExecCtx& c, const Node& n) {
  require_rowwise(n);
  require_dtype(n, 0, T_F32);
  const int64_t C = n.t[1].cols(), R = n.t[1].rows();
  const bool sum_only = n.op == OP_SUM_ROWS;
  require(n.t[0].numel == (sum_only ? R : n.t[1].numel), n, sum_only ? "output must hold one value per row" : "output size differs from input");
  require(n.params.size() == (sum_only ? 0u : 1u), n, sum_only ? "expected no params" : "expected params [k]");
  require(sum_only || (C >= 2 && std::isfinite(n.params[0])), n, "gaussian_top_k needs rows of 2 or more and a finite multiplier");
  const double k = sum_only ? 0.0 : n.params[0];
  const float* x = (const float*)n.t[1].data;
  float* y = (float*)n.t[0].data;
  parallel_range(c.pool, R, row_grain(C), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * C;
      double sum = 0.0;
      for (int64_t i = 0; i < C; ++i) sum += xr[i];
      if (sum_only) {
        y[r] = (float)sum;
        continue;
      }
      const double mean = sum / (double)C;
      double ss = 0.0;
      for (int64_t i = 0; i < C; ++i) ss += (xr[i] - mean) * (xr[i] - mean);
      const float cutoff = (float)(mean + k * std::sqrt(ss / (double)(C - 1)));
      float* yr = y + r * C;
      for (int64_t i = 0; i < C; ++i) yr[i] = std::max(0.0f, xr[i] - cutoff);
    }
  });
}

void op_softmax(ExecCtx& c, const Node& n) {
  require_rowwise(n);
  require_dtype(n, 0, T_F32);
  require(n.t[0].numel == n.t[1].numel, n, "output size differs from input");
  require(n.params.size() == 1, n, "expected params [scale]");
  const float scale = (float)n.params[0];
  const int64_t C = n.t[1].cols(), R = n.t[1].rows();
  const float* x = (const float*)n.t[1].data;
  float* y = (float*)n.t[0].data;
  parallel_range(c.pool, R, row_grain(C), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      float mx = -INFINITY;
      for (int64_t i = 0; i < C; ++i) mx = std::max(mx, xr[i] * scale);
      double sum = 0.0;
      for (int64_t i = 0; i < C; ++i) {
        yr[i] = std::exp(xr[i] * scale - mx);
        sum += yr[i];
      }
      const float inv = (float)(1.0 / sum);
      for (int64_t i = 0; i < C; ++i) yr[i] *= inv;
    }
  });
}

// x[T, H, D], pos[T], optional freqFactors[dims/2]; params [mode (0 normal, 1 neox), dims, base, freqScale]
void op_rope(ExecCtx& c, const Node& n) {
  require(n.t.size() == 3 || n.t.size() == 4, n, "expected output, x, pos[, freqFactors]");
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  require_dtype(n, 2, T_I32);
  const TensorRef &y = n.t[0], &x = n.t[1], &pos = n.t[2];
  require(x.ndim == 3 && y.numel == x.numel, n, "x must be [T, H, D], got " + shape_str(x));
  const int64_t T = x.dims[0], H = x.dims[1], D = x.dims[2];
  require(pos.numel == T, n, "pos must have " + std::to_string(T) + " entries");
  require(n.params.size() == 8, n, "expected params [mode, dims, base, freqScale, extFactor, attnFactor, corrDim0, corrDim1]");
  const int mode = (int)n.params[0];
  const double dimsd = n.params[1];
  require(mode == 0 || mode == 1, n, "mode must be normal or neox");
  require(dimsd > 0 && dimsd <= (double)D && dimsd == std::floor(dimsd) && (int64_t)dimsd % 2 == 0, n, "dims must be even and <= head dim");
  const int64_t dims = (int64_t)dimsd, half = dims / 2;
  const float* ff = nullptr;
  if (n.t.size() == 4) {
    require_dtype(n, 3, T_F32);
    require(n.t[3].numel == half, n, "freqFactors must have dims/2 entries");
    ff = (const float*)n.t[3].data;
  }
  const double base = n.params[2], fscale = n.params[3];
  // YaRN (graph.ts): each pair's share of the unscaled angle, and the magnitude of cos and sin
  const double ext = n.params[4], attn = n.params[5], c0 = n.params[6], c1 = n.params[7];
  require(std::isfinite(ext) && std::isfinite(attn) && std::isfinite(c0) && std::isfinite(c1), n, "yarn parameters must be finite");
  const double mscale = attn * (ext != 0 ? 1.0 + 0.1 * std::log(1.0 / fscale) : 1.0);
  std::vector<double> inv(half), mix(half, 0.0);
  for (int64_t i = 0; i < half; ++i) {
    inv[i] = std::pow(base, -2.0 * (double)i / (double)dims) / (ff ? (double)ff[i] : 1.0);
    if (ext != 0) mix[i] = ext * (1.0 - std::min(1.0, std::max(0.0, ((double)i - c0) / std::max(0.001, c1 - c0))));
  }
  const int32_t* p = (const int32_t*)pos.data;
  const float* xs = (const float*)x.data;
  float* ys = (float*)y.data;
  parallel_range(c.pool, T, 1, [&](int64_t b, int64_t e) {
    std::vector<float> cs(half), sn(half);
    for (int64_t t = b; t < e; ++t) {
      for (int64_t i = 0; i < half; ++i) {
        const double e = (double)p[t] * inv[i], a = fscale * e * (1.0 - mix[i]) + e * mix[i];
        cs[i] = (float)(std::cos(a) * mscale);
        sn[i] = (float)(std::sin(a) * mscale);
      }
      for (int64_t h = 0; h < H; ++h) {
        const float* xr = xs + (t * H + h) * D;
        float* yr = ys + (t * H + h) * D;
        for (int64_t i = 0; i < half; ++i) {
          const int64_t i0 = mode == 0 ? 2 * i : i, i1 = mode == 0 ? 2 * i + 1 : i + half;
          const float x0 = xr[i0], x1 = xr[i1];
          yr[i0] = x0 * cs[i] - x1 * sn[i];
          yr[i1] = x0 * sn[i] + x1 * cs[i];
        }
        for (int64_t i = dims; i < D; ++i) yr[i] = xr[i];
      }
    }
  });
}

void op_argmax(ExecCtx& c, const Node& n) {
  require_rowwise(n);
  require_dtype(n, 0, T_I32);
  const int64_t C = n.t[1].cols(), R = n.t[1].rows();
  require(C > 0 && n.t[0].numel == R, n, "output must have one entry per row of " + shape_str(n.t[1]));
  const float* x = (const float*)n.t[1].data;
  int32_t* y = (int32_t*)n.t[0].data;
  parallel_range(c.pool, R, row_grain(C), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * C;
      int64_t best = 0;
      for (int64_t i = 1; i < C; ++i) if (xr[i] > xr[best]) best = i;
      y[r] = (int32_t)best;
    }
  });
}

namespace {
// a is worse than b: smaller, or equal with a higher index
inline bool worse(float va, int32_t ia, float vb, int32_t ib) { return va < vb || (va == vb && ia > ib); }

void sift_down(float* v, int32_t* id, int64_t i, int64_t n) {
  const float vi = v[i];
  const int32_t ii = id[i];
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && worse(v[c + 1], id[c + 1], v[c], id[c])) ++c;
    if (!worse(v[c], id[c], vi, ii)) break;
    v[i] = v[c];
    id[i] = id[c];
    i = c;
  }
  v[i] = vi;
  id[i] = ii;
}

// The k largest of x[0, C) into out, largest first (ties: lower index first; NaN never enters),
// in one pass with a bounded min-heap whose root is its worst entry: a block of 16 whose maximum
// does not beat it is skipped whole (one vector compare), so the cost is a read of the row. This
// is what a sampler's top-k over a 150k vocabulary needs, on every row of a step at once.
void top_k_row(const float* x, int64_t C, int64_t k, float* v, int32_t* id, int32_t* out) {
  for (int64_t i = 0; i < k; ++i) {
    v[i] = x[i] == x[i] ? x[i] : -INFINITY;
    id[i] = (int32_t)i;
  }
  for (int64_t i = k / 2 - 1; i >= 0; --i) sift_down(v, id, i, k);
  float worst = v[0];
  // a later index with an equal value never beats an entry: strictly greater only
  auto offer = [&](int64_t j) {
    if (x[j] > worst) {
      v[0] = x[j];
      id[0] = (int32_t)j;
      sift_down(v, id, 0, k);
      worst = v[0];
    }
  };
  int64_t i = k;
  for (; i + 16 <= C; i += 16) {
    float m = -INFINITY;
    for (int j = 0; j < 16; ++j) m = x[i + j] > m ? x[i + j] : m;  // NaN ignored
    if (m > worst)
      for (int j = 0; j < 16; ++j) offer(i + j);
  }
  for (; i < C; ++i) offer(i);
  for (int64_t end = k - 1; end > 0; --end) {
    std::swap(v[0], v[end]);
    std::swap(id[0], id[end]);
    sift_down(v, id, 0, end);
  }
  std::copy(id, id + k, out);
}
}  // namespace

void op_top_k(ExecCtx& c, const Node& n) {
  require_rowwise(n);
  require_dtype(n, 0, T_I32);
  require(n.params.size() == 1, n, "expected params [k]");
  const int64_t C = n.t[1].cols(), R = n.t[1].rows();
  const double kd = n.params[0];
  require(kd >= 1 && kd <= (double)C && kd == std::floor(kd), n, "k outside 1.." + std::to_string(C));
  const int64_t k = (int64_t)kd;
  require(n.t[0].numel == R * k, n, "output must be [..., k]");
  const float* x = (const float*)n.t[1].data;
  int32_t* y = (int32_t*)n.t[0].data;
  parallel_range(c.pool, R, 1, [&](int64_t b, int64_t e) {
    std::vector<float> v((size_t)k);
    std::vector<int32_t> id((size_t)k);
    for (int64_t r = b; r < e; ++r) top_k_row(x + r * C, C, k, v.data(), id.data(), y + r * k);
  });
}

}  // namespace ix
