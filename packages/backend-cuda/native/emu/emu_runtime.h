// The CUDA C++ the kernels use, for compiling them as host code (emu_kernels.cpp): each GPU thread of a
// block runs as a fiber (emu_scheduler.cpp), __syncthreads and warp shuffles are barriers between the
// fibers, __shared__ memory is a static (blocks run one after another). Slow, exact in what it checks:
// indexing, bounds, barriers, reductions and the fused epilogues, on machines without a GPU.
#pragma once
#include <cuda_fp16.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>

// the toolkit's host_defines.h maps these to attributes g++ ignores; here they mean host code
#undef __device__
#undef __global__
#undef __host__
#undef __shared__
#define __device__
#define __global__
#define __host__
#define __shared__ static
#ifndef __align__
#define __align__(n) alignas(n)
#endif
#define __launch_bounds__(...)

struct dim3_emu {
  unsigned x = 0, y = 0, z = 0;
};

namespace ixemu {
extern dim3_emu thread_idx, block_idx, block_dim, grid_dim;
void sync_block();
uint32_t shfl_xor_bits(uint32_t bits, int laneMask);
}  // namespace ixemu

#define threadIdx ixemu::thread_idx
#define blockIdx ixemu::block_idx
#define blockDim ixemu::block_dim
#define gridDim ixemu::grid_dim

inline void __syncthreads() { ixemu::sync_block(); }

template <typename T>
inline T __shfl_xor_sync(unsigned /*mask*/, T v, int laneMask) {
  static_assert(sizeof(T) == 4, "32-bit shuffles only");
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits = ixemu::shfl_xor_bits(bits, laneMask);
  std::memcpy(&v, &bits, 4);
  return v;
}

template <typename T>
inline T __ldg(const T* p) { return *p; }

// a fiber runs until its next barrier, so a plain read-modify-write is atomic among a block's threads
// (blocks run one after another)
inline unsigned atomicAdd(unsigned* p, unsigned v) {
  const unsigned old = *p;
  *p = old + v;
  return old;
}

inline float __uint_as_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline double __hiloint2double(int hi, int lo) {
  const uint64_t bits = ((uint64_t)(uint32_t)hi << 32) | (uint32_t)lo;
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}
inline uint32_t min(uint32_t a, uint32_t b) { return a < b ? a : b; }
inline uint32_t max(uint32_t a, uint32_t b) { return a > b ? a : b; }
