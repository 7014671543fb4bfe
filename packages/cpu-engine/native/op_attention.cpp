// attention over F32/F16 KV caches: GQA, causal masking from pos0, kvLen visible rows, optional
// score soft-capping, a sliding window and per-head sink logits (graph.ts).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops.h"

namespace ix {

namespace {

// From this many query rows on, the keys are transposed and the values widened to f32 once per
// call, then every query head works with keys in the vector lanes (no horizontal sums).
constexpr int64_t kPrefillQueries = 16;

// What query t sees: keys [first, last) and how scores are shaped.
struct Mask {
  int64_t pos0, kvLen, window;  // window 0: none
  bool causal;
  float softcap;  // 0: none
  // a window is symmetric without causality (encoders: |j - (pos0 + t)| <= window / 2)
  int64_t last(int64_t t) const {
    if (causal) return std::min(kvLen, pos0 + t + 1);
    return window ? std::min(kvLen, pos0 + t + window / 2 + 1) : kvLen;
  }
  int64_t first(int64_t t) const {
    if (!window) return 0;
    return std::max<int64_t>(0, causal ? pos0 + t - window + 1 : pos0 + t - window / 2);
  }
  void cap(float* s, int64_t n) const {
    if (softcap != 0.0f)
      for (int64_t j = 0; j < n; ++j) s[j] = softcap * std::tanh(s[j] / softcap);
  }
};

// p[0..n) <- softmax(p[0..n)), with `sink` one more logit in the denominator (-inf: none); an
// empty row stays empty
void softmax_row(const KernelTable* kt, float* p, int64_t n, float sink) {
  float mx = sink;
  for (int64_t j = 0; j < n; ++j) mx = std::max(mx, p[j]);
  kt->exp_shifted(p, mx, (int)n);
  double sum = sink == -INFINITY ? 0.0 : std::exp((double)sink - mx);
  for (int64_t j = 0; j < n; ++j) sum += p[j];
  const float inv = (float)(1.0 / sum);
  for (int64_t j = 0; j < n; ++j) p[j] *= inv;
}

void attention_prefill(ExecCtx& c, const TensorRef& q, const TensorRef& k, const TensorRef& v, const TensorRef& y, const Mask& m, float scale, const float* sinks) {
  const int64_t kvLen = m.kvLen;
  const int64_t T = q.dims[0], Hq = q.dims[1], D = q.dims[2], Hkv = k.dims[1], group = Hq / Hkv;
  const KernelTable* kt = c.k;
  // kT[kh][d][j] and vf[kh][j][d], f32
  std::vector<float> kT((size_t)(Hkv * D * kvLen)), vf((size_t)(Hkv * kvLen * D));
  auto widen_row = [&](const TensorRef& m, int64_t j, int64_t kh, float* out) {
    const int64_t off = (j * Hkv + kh) * D;
    if (m.dtype == T_F32) std::copy((const float*)m.data + off, (const float*)m.data + off + D, out);
    else kt->decode[T_F16](m.data + off * 2, (int)D, out);
  };
  c.pool.run(Hkv, [&](int64_t kh) {
    std::vector<float> row((size_t)D);
    for (int64_t j = 0; j < kvLen; ++j) {
      widen_row(k, j, kh, row.data());
      for (int64_t d = 0; d < D; ++d) kT[(size_t)((kh * D + d) * kvLen + j)] = row[(size_t)d];
      widen_row(v, j, kh, vf.data() + (size_t)((kh * kvLen + j) * D));
    }
  });
  const float* qs = (const float*)q.data;
  float* ys = (float*)y.data;
  // one task per (query row, KV head): its `group` query heads see the same keys
  c.pool.run(T * Hkv, [&](int64_t task) {
    thread_local std::vector<float> p;
    const int64_t t = task / Hkv, kh = task % Hkv;
    const int64_t first = m.first(t), visible = std::max<int64_t>(0, m.last(t) - first);
    const int64_t h0 = kh * group;  // the group's heads are consecutive
    float* out = ys + (t * Hq + h0) * D;
    if (visible == 0) return std::fill(out, out + group * D, 0.0f);
    if (p.size() < (size_t)(visible * group)) p.resize((size_t)(visible * group));
    kt->scores_t(kT.data() + (size_t)(kh * D * kvLen + first), (size_t)kvLen, qs + (t * Hq + h0) * D, (size_t)D, (int)group, (int)D, (int)visible, scale,
                 p.data(), (size_t)visible);
    for (int64_t g = 0; g < group; ++g) {
      m.cap(p.data() + g * visible, visible);
      softmax_row(kt, p.data() + g * visible, visible, sinks ? sinks[h0 + g] : -INFINITY);
    }
    kt->weighted_rows(p.data(), (size_t)visible, (int)group, vf.data() + (size_t)((kh * kvLen + first) * D), (size_t)D, (int)visible, (int)D, out, (size_t)D);
  });
}

}  // namespace

// q[T, Hq, D], k/v[S, Hkv, D], optional sinks[Hq]; params [pos0, kvLen, scale, causal, softcap (0: none), window (0: none)]
void op_attention(ExecCtx& c, const Node& n) {
  require(n.t.size() == 4 || n.t.size() == 5, n, "expected 4 or 5 tensors (output, q, k, v, optional sinks), got " + std::to_string(n.t.size()));
  require_dtype(n, 0, T_F32);
  require_dtype(n, 1, T_F32);
  const TensorRef &y = n.t[0], &q = n.t[1], &k = n.t[2], &v = n.t[3];
  require((k.dtype == T_F32 || k.dtype == T_F16) && (v.dtype == T_F32 || v.dtype == T_F16), n, "k and v must be F32 or F16");
  require(q.ndim == 3 && k.ndim == 3 && v.ndim == 3, n, "q [T,Hq,D] and k, v [S,Hkv,D] expected");
  const int64_t T = q.dims[0], Hq = q.dims[1], D = q.dims[2], S = k.dims[0], Hkv = k.dims[1];
  require(v.dims[0] == S && v.dims[1] == Hkv && k.dims[2] == D && v.dims[2] == D, n, "k " + shape_str(k) + " and v " + shape_str(v) + " differ");
  require(Hkv > 0 && Hq % Hkv == 0 && D < (int64_t(1) << 31), n, "heads " + std::to_string(Hq) + "/" + std::to_string(Hkv) + " do not match");
  require(y.numel == q.numel, n, "output must have q's shape");
  const float* sinks = nullptr;
  if (n.t.size() == 5) {
    require_dtype(n, 4, T_F32);
    require(n.t[4].numel == Hq, n, "sinks must hold one value per query head (" + std::to_string(Hq) + "), got " + shape_str(n.t[4]));
    sinks = (const float*)n.t[4].data;
  }
  require(n.params.size() == 6, n, "expected params [pos0, kvLen, scale, causal, softcap, window]");
  const double pos0d = n.params[0], kvd = n.params[1];
  require(pos0d >= 0 && pos0d == std::floor(pos0d) && pos0d < 9e15, n, "pos0 must be a non-negative integer");
  require(kvd >= 1 && kvd <= (double)S && kvd == std::floor(kvd), n, "kvLen outside 1.." + std::to_string(S));
  const int64_t pos0 = (int64_t)pos0d, kvLen = (int64_t)kvd;
  const float scale = (float)n.params[2];
  const bool causal = n.params[3] != 0;
  const double capd = n.params[4], windowd = n.params[5];
  require(capd >= 0 && std::isfinite(capd), n, "softcap must be 0 (none) or positive");
  require(windowd >= 0 && windowd == std::floor(windowd) && windowd < 9e15, n, "window must be 0 (none) or a positive integer");
  const Mask m{pos0, kvLen, (int64_t)windowd, causal, (float)capd};
  const KernelTable* kt = c.k;
  const float* qs = (const float*)q.data;
  float* ys = (float*)y.data;
  const int64_t group = Hq / Hkv;
  if (T >= kPrefillQueries) return attention_prefill(c, q, k, v, y, m, scale, sinks);
  c.pool.run(T * Hq, [&](int64_t task) {
    thread_local std::vector<float> scores;
    const int64_t t = task / Hq, h = task % Hq, kh = h / group;
    const int64_t first = m.first(t), visible = std::max<int64_t>(0, m.last(t) - first);
    if (scores.size() < (size_t)visible) scores.resize((size_t)visible);
    const float* qr = qs + (t * Hq + h) * D;
    for (int64_t j = 0; j < visible; ++j) {
      const int64_t off = ((first + j) * Hkv + kh) * D;
      scores[j] = (k.dtype == T_F32 ? kt->dot_f32((const float*)k.data + off, qr, (int)D) : kt->dot_f16((const uint16_t*)k.data + off, qr, (int)D)) * scale;
    }
    m.cap(scores.data(), visible);
    softmax_row(kt, scores.data(), visible, sinks ? sinks[h] : -INFINITY);
    float* out = ys + (t * Hq + h) * D;
    std::fill(out, out + D, 0.0f);
    for (int64_t j = 0; j < visible; ++j) {
      const int64_t off = ((first + j) * Hkv + kh) * D;
      if (v.dtype == T_F32) kt->axpy_f32(scores[j], (const float*)v.data + off, out, (int)D);
      else kt->axpy_f16(scores[j], (const uint16_t*)v.data + off, out, (int)D);
    }
  });
}

}  // namespace ix
