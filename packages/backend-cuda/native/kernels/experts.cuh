// Mixture-of-experts ops. mul_mat_id runs in two launches: moe_route sorts the routed slots by expert
// on the device (the ids are computed by the graph, so the host never sees them, and a replayed CUDA
// graph stays valid), then the matvec kernel runs once per chunk of up to 8 slots of one expert, so
// each weight row is decoded once for every 8 slots that chose its expert.
#pragma once
#include "matvec.cuh"

namespace ix {

/**
 * The route table moe_route writes in the program's scratch memory (32-bit words):
 *   counts[E + 1] | cursor[E + 1] | chunkCount | chunks[maxChunks] as {bucket, first, count} | order[S]
 * Bucket E holds the slots whose id is outside 0..E-1 (their rows are written as zeros, as get_rows
 * does for an id outside the table).
 */
struct RouteTable {
  uint32_t* counts;
  uint32_t* cursor;
  uint32_t* chunkCount;
  uint32_t* chunks;
  uint32_t* order;
  __device__ RouteTable(void* base, uint32_t experts, uint32_t maxChunks) {
    uint32_t* p = (uint32_t*)base;
    counts = p;
    cursor = counts + experts + 1;
    chunkCount = cursor + experts + 1;
    chunks = chunkCount + 1;
    order = chunks + 3 * maxChunks;
  }
};

__device__ __forceinline__ uint32_t bucket_of(const int32_t* ids, uint32_t s, uint32_t experts) {
  const int32_t id = ids[s];
  return id >= 0 && (uint32_t)id < experts ? (uint32_t)id : experts;
}

// One block. p: ids [S], route (scratch).  u: S, E, maxChunks
// Slots of one expert land in `order` in no fixed order: every slot's row is computed alone, so the
// results do not depend on it.
__device__ void moe_route(const Args& a) {
  const int32_t* ids = (const int32_t*)a.p[0];
  const uint32_t slots = a.u[0], experts = a.u[1], maxChunks = a.u[2];
  RouteTable t(const_cast<void*>(a.p[1]), experts, maxChunks);
  for (uint32_t e = threadIdx.x; e <= experts; e += blockDim.x) t.counts[e] = 0;
  __syncthreads();
  for (uint32_t s = threadIdx.x; s < slots; s += blockDim.x) atomicAdd(&t.counts[bucket_of(ids, s, experts)], 1u);
  __syncthreads();
  if (threadIdx.x == 0) {
    uint32_t first = 0, n = 0;
    for (uint32_t e = 0; e <= experts; ++e) {
      const uint32_t count = t.counts[e];
      t.cursor[e] = first;
      for (uint32_t c = 0; c < count && n < maxChunks; c += kMatvecRows, ++n) {
        t.chunks[3 * n] = e;
        t.chunks[3 * n + 1] = first + c;
        t.chunks[3 * n + 2] = min((uint32_t)kMatvecRows, count - c);
      }
      first += count;
    }
    *t.chunkCount = n;
  }
  __syncthreads();
  for (uint32_t s = threadIdx.x; s < slots; s += blockDim.x) t.order[atomicAdd(&t.cursor[bucket_of(ids, s, experts)], 1u)] = s;
}

// y[s, r] = x[row(s)] · w[ids[s], r] for up to 8 slots s of one expert (chunk blockIdx.x of the route
// table), one warp per weight row r (8 rows per block, row group blockIdx.y); row(s) = s when x holds
// a row per slot, else s / U (a token's slots share its row). GLU: y = silu(x · w) * (x · w_up), an
// expert FFN's gate, up and swiglu in one pass.
// p: x, w (all experts), y, route, w_up (GLU).  u: k, rows (N), rowBytes, E, U, perSlot, maxChunks
template <int T, bool GLU>
__device__ void mul_mat_id(const Args& a) {
  const float* x = (const float*)a.p[0];
  const uint8_t* w = (const uint8_t*)a.p[1];
  float* y = (float*)a.p[2];
  const uint32_t k = a.u[0], rows = a.u[1], rowBytes = a.u[2], experts = a.u[3], used = a.u[4], perSlot = a.u[5];
  const RouteTable t(const_cast<void*>(a.p[3]), experts, a.u[6]);
  if (blockIdx.x >= *t.chunkCount) return;
  const uint32_t lane = threadIdx.x & 31;
  const uint32_t r = blockIdx.y * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (r >= rows) return;
  const uint32_t e = t.chunks[3 * blockIdx.x], first = t.chunks[3 * blockIdx.x + 1], m = t.chunks[3 * blockIdx.x + 2];
  uint32_t slot[kMatvecRows];
  GatheredRows xr;
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) {
    slot[i] = i < (int)m ? t.order[first + i] : 0;
    xr.r[i] = x + (uint64_t)(perSlot ? slot[i] : slot[i] / used) * k;
  }
  if (e == experts) {
    if (lane == 0)
      for (uint32_t i = 0; i < m; ++i) y[(uint64_t)slot[i] * rows + r] = 0.f;
    return;
  }
  const bool vec = ((uintptr_t)x & 15) == 0 && (k & 3) == 0;
  float acc[kMatvecRows];
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) acc[i] = 0.f;
  const uint64_t row = ((uint64_t)e * rows + r) * rowBytes;
  matvec_row<T>(w + row, xr, k, m, lane, vec, acc);
  float up[GLU ? kMatvecRows : 1];
  if constexpr (GLU) {
#pragma unroll
    for (int i = 0; i < kMatvecRows; ++i) up[i] = 0.f;
    matvec_row<T>((const uint8_t*)a.p[4] + row, xr, k, m, lane, vec, up);
  }
#pragma unroll
  for (int i = 0; i < kMatvecRows; ++i) {
    if (i < (int)m) {
      float s = warp_sum(acc[i]);
      if constexpr (GLU) s = silu(s) * warp_sum(up[i]);
      if (lane == 0) y[(uint64_t)slot[i] * rows + r] = s;
    }
  }
}

// One thread per output. p: x [.., C], ids [.., k], y.  u: n, C, k  (an id outside 0..C-1 gives 0)
__device__ void gather(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], c = a.u[1], k = a.u[2];
  if (i >= n) return;
  const int32_t id = ((const int32_t*)a.p[1])[i];
  ((float*)a.p[2])[i] = id >= 0 && (uint32_t)id < c ? ((const float*)a.p[0])[(i / k) * c + id] : 0.f;
}

// y[t, i] = Σ_j w[t, j] · x[t, j, i], one thread per output. p: x [T, U, N], w [T, U], y.  u: total, U, N
__device__ void weighted_sum(const Args& a) {
  const uint64_t o = global_index();
  const uint32_t total = a.u[0], used = a.u[1], n = a.u[2];
  if (o >= total) return;
  const uint64_t t = o / n, i = o % n;
  const float* x = (const float*)a.p[0] + t * used * n + i;
  const float* w = (const float*)a.p[1] + t * used;
  float s = 0.f;
  for (uint32_t j = 0; j < used; ++j) s = fmaf(w[j], x[(uint64_t)j * n], s);
  ((float*)a.p[2])[o] = s;
}

}  // namespace ix
