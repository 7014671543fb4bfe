// Helpers of the kernels: argument access and block-wide reductions.
#pragma once
#include <cuda_fp16.h>
#include <float.h>
#include <stdint.h>

#include "args.h"
#include "dequant.h"

namespace ix {

__device__ __forceinline__ float f32_of(uint32_t bits) { return __uint_as_float(bits); }
__device__ __forceinline__ double f64_of(uint32_t lo, uint32_t hi) {
  return __hiloint2double((int)hi, (int)lo);
}

/** The linear index of this thread over a 1-D launch. */
__device__ __forceinline__ uint64_t global_index() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }

__device__ __forceinline__ float silu(float v) { return v / (1.f + expf(-v)); }

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/** Sum over the block (any multiple of 32 threads up to 1024); every thread gets the result. */
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.f;
  return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -FLT_MAX;
  return warp_max(v);
}

}  // namespace ix
