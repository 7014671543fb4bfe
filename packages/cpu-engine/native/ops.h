// Native ops. Each checks the shapes/dtypes of its node (hostile programs throw, never crash),
// then runs on the thread pool.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "expert_cache.h"
#include "kernels.h"
#include "program.h"
#include "repack.h"
#include "thread_pool.h"

namespace ix {

// Activation rows quantized for the repacked kernels, kept while the f32 rows they came from are
// unchanged: matmuls that read one input (q/k/v, gate/up) quantize it once. Valid within one
// compute call; any node that writes over the source forgets it.
struct QuantizedActs {
  std::vector<uint8_t>& data;
  const uint8_t* src = nullptr;  // null: nothing kept
  size_t src_bytes = 0;
  int64_t rows = 0, cols = 0;
  int format = -1;
  void forget_if_written(const TensorRef& out) {
    if (src && out.data < src + src_bytes && src < out.data + out.bytes) src = nullptr;
  }
};

struct ExecCtx {
  ThreadPool& pool;
  const KernelTable* k;
  bool fast;                      // quantize activations for the integer kernels
  std::vector<uint8_t>& scratch;  // quantized activations
  RepackCache* repack;            // weights repacked for the fast kernels (null: never repack)
  QuantizedActs& acts;
  std::vector<float>& routed;     // mul_mat_id: activation and output rows grouped by expert
  ExpertCache& experts;           // which experts stay resident
  const std::vector<Node>& program;  // the nodes of this compute call, and which runs now
  size_t at;
};

[[noreturn]] void op_error(const Node& n, const std::string& problem);
inline void require(bool ok, const Node& n, const std::string& problem) {
  if (!ok) op_error(n, problem);
}
void require_tensors(const Node& n, int count);
void require_dtype(const Node& n, int i, int dtype);
std::string shape_str(const TensorRef& t);

// splits [0, n) into at most `pool.size() * 4` chunks of at least `grain` items
template <class Fn> void parallel_range(ThreadPool& pool, int64_t n, int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  int64_t chunks = (n + grain - 1) / grain;
  const int64_t most = (int64_t)pool.size() * 4;
  if (chunks > most) chunks = most;
  const int64_t step = (n + chunks - 1) / chunks;
  pool.run((n + step - 1) / step, [&](int64_t c) {
    const int64_t b = c * step, e = b + step < n ? b + step : n;
    fn(b, e);
  });
}

// y[M, N] = x[M, K] · w[N, K]ᵀ for a 2-D weight (also a slice of an expert tensor), checked by the caller
void matmul_f32(ExecCtx& c, const TensorRef& w, const float* x, int64_t M, int64_t K, float* y);
bool matmul_weight_supported(const ExecCtx& c, int dtype);
// several matmuls on weights of one dtype and width K, as one: the experts of an MoE layer
struct MatmulJob {
  TensorRef w;
  const float* x;
  int64_t M;
  float* y;
};
void matmul_batch(ExecCtx& c, const std::vector<MatmulJob>& jobs, int64_t K);

void op_matmul(ExecCtx& c, const Node& n);
void op_mul_mat_id(ExecCtx& c, const Node& n);
void op_gather(ExecCtx& c, const Node& n);
void op_weighted_sum(ExecCtx& c, const Node& n);
void op_get_rows(ExecCtx& c, const Node& n);
void op_binary(ExecCtx& c, const Node& n);
void op_unary(ExecCtx& c, const Node& n);
void op_swiglu(ExecCtx& c, const Node& n);
void op_swiglu_oai(ExecCtx& c, const Node& n);
void op_write_rows(ExecCtx& c, const Node& n);
void op_copy(ExecCtx& c, const Node& n);
void op_view(ExecCtx& c, const Node& n);
void op_concat(ExecCtx& c, const Node& n);
void op_norm(ExecCtx& c, const Node& n);
void op_row_stats(ExecCtx& c, const Node& n);
void op_slice(ExecCtx& c, const Node& n);
void op_softmax(ExecCtx& c, const Node& n);
void op_rope(ExecCtx& c, const Node& n);
void op_attention(ExecCtx& c, const Node& n);
void op_argmax(ExecCtx& c, const Node& n);
void op_top_k(ExecCtx& c, const Node& n);

void run_node(ExecCtx& c, const Node& n);

}  // namespace ix
