// Every kernel of the backend, compiled by nvcc into one fat binary (sm_80, sm_89, sm_90 and PTX) that
// the addon embeds and loads with cuModuleLoadData. Names match native/kernel_table.h.
#include "attention.cuh"
#include "elementwise.cuh"
#include "experts.cuh"
#include "matmul.cuh"
#include "matvec.cuh"
#include "rope.cuh"
#include "rowwise.cuh"

using ix::Args;

#define IX_WEIGHT_KERNELS(suffix, W)                                                                            \
  extern "C" __global__ void __launch_bounds__(256) matvec_##suffix(Args a) { ix::matvec<W, false>(a); }       \
  extern "C" __global__ void __launch_bounds__(256) matvec_glu_##suffix(Args a) { ix::matvec<W, true>(a); }    \
  extern "C" __global__ void __launch_bounds__(ix::kMatmulThreads) matmul_##suffix(Args a) { ix::matmul<W>(a); } \
  extern "C" __global__ void __launch_bounds__(ix::kExactThreads) matmul_exact_##suffix(Args a) { ix::matmul_exact<W>(a); } \
  extern "C" __global__ void get_rows_##suffix(Args a) { ix::get_rows<W>(a); }                                   \
  extern "C" __global__ void __launch_bounds__(256) mul_mat_id_##suffix(Args a) { ix::mul_mat_id<W, false>(a); }    \
  extern "C" __global__ void __launch_bounds__(256) mul_mat_id_glu_##suffix(Args a) { ix::mul_mat_id<W, true>(a); }

IX_WEIGHT_KERNELS(f32, ix::W_F32)
IX_WEIGHT_KERNELS(f16, ix::W_F16)
IX_WEIGHT_KERNELS(bf16, ix::W_BF16)
IX_WEIGHT_KERNELS(q8_0, ix::W_Q8_0)
IX_WEIGHT_KERNELS(q4_0, ix::W_Q4_0)
IX_WEIGHT_KERNELS(q4_k, ix::W_Q4_K)
IX_WEIGHT_KERNELS(q5_k, ix::W_Q5_K)
IX_WEIGHT_KERNELS(q6_k, ix::W_Q6_K)
IX_WEIGHT_KERNELS(iq4_nl, ix::W_IQ4_NL)
IX_WEIGHT_KERNELS(mxfp4, ix::W_MXFP4)

extern "C" __global__ void binary(Args a) { ix::binary(a); }
extern "C" __global__ void unary(Args a) { ix::unary(a); }
extern "C" __global__ void copy(Args a) { ix::copy(a); }
extern "C" __global__ void concat(Args a) { ix::concat(a); }
extern "C" __global__ void slice(Args a) { ix::slice(a); }
extern "C" __global__ void write_rows(Args a) { ix::write_rows(a); }
extern "C" __global__ void rowwise(Args a) { ix::rowwise(a); }
extern "C" __global__ void select_top(Args a) { ix::select_top(a); }
extern "C" __global__ void rope(Args a) { ix::rope(a); }
extern "C" __global__ void __launch_bounds__(ix::kAttnThreads) attention_f32(Args a) { ix::attention<float, false>(a); }
extern "C" __global__ void __launch_bounds__(ix::kAttnThreads) attention_f16(Args a) { ix::attention<__half, false>(a); }
extern "C" __global__ void __launch_bounds__(ix::kAttnThreads) attention_split_f32(Args a) { ix::attention<float, true>(a); }
extern "C" __global__ void __launch_bounds__(ix::kAttnThreads) attention_split_f16(Args a) { ix::attention<__half, true>(a); }
extern "C" __global__ void attention_merge(Args a) { ix::attention_merge(a); }
extern "C" __global__ void moe_route(Args a) { ix::moe_route(a); }
extern "C" __global__ void gather(Args a) { ix::gather(a); }
extern "C" __global__ void weighted_sum(Args a) { ix::weighted_sum(a); }
