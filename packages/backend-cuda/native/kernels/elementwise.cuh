// Elementwise ops, layout copies and conversions: one thread per output element.
#pragma once
#include "common.cuh"

namespace ix {

/** gpt-oss's clamped SwiGLU (ggml's swiglu_oai): g·σ(alpha·g)·(u + 1), g = min(gate, limit), u clamped to ±limit */
__device__ __forceinline__ float swiglu_oai(float gate, float up, float alpha, float limit) {
  const float g = fminf(gate, limit), u = fminf(fmaxf(up, -limit), limit);
  return g / (1.f + expf(alpha * -g)) * (u + 1.f);
}

// p: a, b, y.  u: n, nb (b repeats over a's leading dims), op (0 add, 1 mul, 2 swiglu, 3 swiglu_oai),
// alpha bits, limit bits (swiglu_oai)
__device__ void binary(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], nb = a.u[1], op = a.u[2];
  if (i >= n) return;
  const float x = ((const float*)a.p[0])[i], z = ((const float*)a.p[1])[i % nb];
  ((float*)a.p[2])[i] = op == 0 ? x + z : op == 1 ? x * z : op == 2 ? silu(x) * z : swiglu_oai(x, z, f32_of(a.u[3]), f32_of(a.u[4]));
}

// p: x, y.  u: n, op (0 scale, 1 silu, 2 gelu, 3 sigmoid, 4 softcap, 5 sqrt), scale or cap bits
__device__ void unary(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], op = a.u[1];
  if (i >= n) return;
  const float v = ((const float*)a.p[0])[i];
  float r;
  if (op == 0) r = v * f32_of(a.u[2]);
  else if (op == 1) r = silu(v);
  else if (op == 3) r = 1.f / (1.f + expf(-v));
  else if (op == 4) r = f32_of(a.u[2]) * tanhf(v / f32_of(a.u[2]));
  else if (op == 5) r = sqrtf(v);
  else r = 0.5f * v * (1.f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));  // ggml's tanh gelu
  ((float*)a.p[1])[i] = r;
}

// Element conversion: kind 0 = 32-bit word (F32 or I32 copied as bits), 1 = F16.
__device__ __forceinline__ float load_as_f32(const void* p, uint64_t i, uint32_t kind) {
  return kind == 1 ? __half2float(((const __half*)p)[i]) : ((const float*)p)[i];
}

// p: src, dst.  u: n, srcKind, dstKind, srcFirst (elements skipped at the start of src)
__device__ void copy(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], sk = a.u[1], dk = a.u[2], first = a.u[3];
  if (i >= n) return;
  if (sk == dk) {
    if (sk == 1) ((uint16_t*)a.p[1])[i] = ((const uint16_t*)a.p[0])[first + i];
    else ((uint32_t*)a.p[1])[i] = ((const uint32_t*)a.p[0])[first + i];
  } else if (dk == 1) {
    ((__half*)a.p[1])[i] = __float2half_rn(((const float*)a.p[0])[first + i]);
  } else {
    ((float*)a.p[1])[i] = __half2float(((const __half*)a.p[0])[first + i]);
  }
}

// Elements start .. start + len - 1 of each row of C. p: x, y.  u: n (outputs), C, start, len
__device__ void slice(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], c = a.u[1], start = a.u[2], len = a.u[3];
  if (i >= n) return;
  ((float*)a.p[1])[i] = ((const float*)a.p[0])[(i / len) * c + start + i % len];
}

// p: a, b, y.  u: outer, aLen, bLen, elementBytes (2 or 4)
__device__ void concat(const Args& a) {
  const uint64_t i = global_index();
  const uint64_t outer = a.u[0], al = a.u[1], bl = a.u[2], row = al + bl;
  if (i >= outer * row) return;
  const uint64_t o = i / row, r = i % row;
  if (a.u[3] == 2) {
    ((uint16_t*)a.p[2])[i] = r < al ? ((const uint16_t*)a.p[0])[o * al + r] : ((const uint16_t*)a.p[1])[o * bl + r - al];
  } else {
    ((uint32_t*)a.p[2])[i] = r < al ? ((const uint32_t*)a.p[0])[o * al + r] : ((const uint32_t*)a.p[1])[o * bl + r - al];
  }
}

// src rows into a cache at the row held in device memory (it moves every step; a CUDA graph replays
// unchanged). p: src (F32), dst (cache), positions.  u: n, rowLen, capacityRows, positionIndex, dstKind
__device__ void write_rows(const Args& a) {
  const uint64_t i = global_index();
  const uint32_t n = a.u[0], rowLen = a.u[1], cap = a.u[2];
  const uint32_t row = ((const uint32_t*)a.p[2])[a.u[3]];
  if (i >= n || (uint64_t)row * rowLen + n > (uint64_t)cap * rowLen) return;
  const float v = ((const float*)a.p[0])[i];
  const uint64_t at = (uint64_t)row * rowLen + i;
  if (a.u[4] == 1) ((__half*)a.p[1])[at] = __float2half_rn(v);
  else ((float*)a.p[1])[at] = v;
}

}  // namespace ix
