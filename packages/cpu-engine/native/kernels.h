// The per-ISA kernel table. Each ISA translation unit (isa_*.cpp) compiles the same generic
// kernels (kernels_impl.inc) with its own SIMD traits and fills one of these.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "blocks.h"

namespace ix {

// Activation format a weight type's kernel consumes.
enum ActFormat : int { ACT_F32 = 0, ACT_Q8_32 = 1, ACT_Q8_K = 2, ACT_Q8_PLANES = 3, ACT_BF16 = 4, ACT_I16 = 5, ACT_I16X2 = 6, ACT_I16_K = 7 };

// y[r * ys + i] = dot(weight row i, activation row r) for i < nw, r < nx.
// w: nw rows of ws bytes; x: nx activation rows of xs bytes (f32, or quantized blocks).
using TileFn = void (*)(const uint8_t* w, size_t ws, int nw, const uint8_t* x, size_t xs, int nx, int K, float* y, size_t ys);
// one weight row of K elements -> f32
using DecodeFn = void (*)(const uint8_t* w, int K, float* out);
// one f32 row of K elements -> quantized activation blocks
using QuantizeFn = void (*)(const float* x, int K, uint8_t* out);

// Fast-mode prefill on activation panels (kernels_panel16.inc): y[r * ys + i] for weight rows
// i < nw and `rows` activation rows held in np panels of 16 rows, pstride bytes apart.
using PanelFn = void (*)(const uint8_t* w, size_t ws, int nw, const uint8_t* panels, size_t pstride, int np, int rows, int K, float* y, size_t ys);
// `rows` (<= 16) f32 rows of K elements, ldx floats apart -> one panel
using PanelQuantizeFn = void (*)(const float* x, size_t ldx, int rows, int K, uint8_t* out);
constexpr int kPanelRows = 16;
// How far ahead of the weights being read the matrix-vector kernels prefetch: the stream is too
// fast for the hardware prefetcher alone (measured on Q4_0 decode: +15-20% tokens/s).
constexpr int kPrefetchBytes = 4096;
inline void prefetch_ahead(const uint8_t* p) { __builtin_prefetch(p + kPrefetchBytes, 0, 3); }
// prefetch_ahead over part i of n of a block of `bytes`, for kernels that walk a large block (the
// K-quants' 2-3 KB of 16 rows) in n steps: the block's lines spread over the steps, since a burst of
// ~50 prefetches at once fills the core's miss queue and stalls it (Zen 4: the Q6_K decode kernel
// spent a third of its cycles there)
inline void prefetch_ahead_part(const uint8_t* blk, size_t bytes, int i, int n) {
  const size_t lines = (bytes + 63) / 64, per = (lines + n - 1) / n;
  const size_t end = std::min(lines, (size_t)(i + 1) * per);
  for (size_t l = (size_t)i * per; l < end; ++l) prefetch_ahead(blk + 64 * l);
}
// Which decode kernels prefetch at all: those doing much work per byte (4-, 5- and 6-bit weights) gain from
// it; those doing little (Q8_0, plain F16/BF16/F32) read one dense stream that the hardware
// prefetcher keeps up with alone, and the prefetches only add load traffic (Zen 4, one thread,
// alternating builds, prefetch off everywhere: Q8_0 tg32 +10-35%, F16 +25%; IQ4_NL -17%, Q4_K_M
// -10-30%, Q5_K/Q6_K -65%; Q4_0 mixed, fast one thread faster and exact two threads ~5% slower, so
// it keeps them). Their kernels say so with kPrefetch = false (SignedQ8_0) or by not calling it (plain_row).
// Measured on Zen 4 only (Ice Lake's file-layout Q8_0 kernel had gained from prefetch): re-check there.
constexpr size_t kPanelBlockBytes = 768;  // per 32 positions of a panel

// Kernels on weights repacked 16 rows at a time (repack.h), nb = blocks (super-blocks, units) per
// row: y[r * ys + row] for nx activation rows (xs bytes apart, in packed_act's format) and the rows
// of groups [g0, g1)
using PackedGemvFn = void (*)(const uint8_t* packed, int nb, int64_t g0, int64_t g1, int64_t N, const uint8_t* x, size_t xs, int nx, float* y, size_t ys);

struct KernelTable {
  const char* isa;
  // a type's kernel per mode and the activation format it reads (a type without a fast kernel of
  // its own has the exact one in both modes, and both formats ACT_F32)
  TileFn exact[T_COUNT];
  TileFn fast[T_COUNT];
  ActFormat exact_act[T_COUNT];  // ACT_F32 but where an ISA's exact kernel is an integer one
  ActFormat fast_act[T_COUNT];
  DecodeFn decode[T_COUNT];
  PanelFn panel16[T_COUNT];  // null where a type (or the ISA) has no panel kernel
  PanelQuantizeFn quantize_panel16;
  // repacked kernels by weight type, null where a type (or the ISA) has none; a type is repacked
  // in a mode when it has its decode kernel there
  PackedGemvFn packed_gemv[2][T_COUNT];  // [fast][type] decode (fewer than 16 rows)
  PackedGemvFn packed_gemm[2][T_COUNT];  // [fast][type] prefill: the same kernels, more rows at once
  // the exact-mode prefill kernel of a block type reads f32 activations (it dequantizes the
  // weights: AVX2, where three planes of integer products cost more than FMAs)
  bool exact_gemm_f32[T_COUNT];
  QuantizeFn quantize_planes;
  QuantizeFn quantize_q8_32;
  QuantizeFn quantize_q8_K;
  QuantizeFn quantize_bf16;  // ACT_BF16 (AVX512-BF16 CPUs only)
  QuantizeFn quantize_i16, quantize_i16x2, quantize_i16_K;  // ACT_I16, ACT_I16X2, ACT_I16_K (WebAssembly only)
  float (*dot_f32)(const float* a, const float* b, int n);
  float (*dot_f16)(const uint16_t* a, const float* b, int n);
  void (*axpy_f32)(float a, const float* x, float* y, int n);  // y += a * x
  void (*axpy_f16)(float a, const uint16_t* x, float* y, int n);
  void (*exp_shifted)(float* x, float sub, int n);  // x = e^(x - sub), all x <= sub
  void (*silu)(const float* x, float* y, int64_t n);
  void (*gelu)(const float* x, float* y, int64_t n);  // tanh approximation, as ggml
  void (*softcap)(const float* x, float* y, int64_t n, float cap);  // cap·tanh(x / cap)
  void (*swiglu)(const float* g, const float* u, float* y, int64_t n);
  // gpt-oss: g·σ(alpha·g)·(u + 1), g = min(gate, limit), u = clamp(up, ±limit)
  void (*swiglu_oai)(const float* g, const float* u, float* y, int64_t n, float alpha, float limit);
  // attention, prefill, for `heads` query heads sharing a KV head: scores against the transposed
  // keys, and the probability-weighted sums of the value rows
  void (*scores_t)(const float* kT, size_t ld, const float* q, size_t ldq, int heads, int D, int n, float scale, float* out, size_t ldo);
  void (*weighted_rows)(const float* p, size_t ldp, int heads, const float* v, size_t ldv, int n, int D, float* out, size_t ldout);
};

const KernelTable* kernels_avx512();      // requires avx512f/bw/vl/dq + vnni
const KernelTable* kernels_avx512_novnni();  // avx512 exact kernels, AVX2 integer kernels
const KernelTable* kernels_avx2();
const KernelTable* kernels_avx2_vnni();     // the AVX2 kernels with AVX-VNNI's 256-bit vpdpbusd
const KernelTable* kernels_scalar();
const KernelTable* kernels_neon();          // ARM64: every ARMv8 CPU
const KernelTable* kernels_neon_dotprod();  // + sdot (asimddp)
const KernelTable* kernels_neon_i8mm();     // + usdot (i8mm)
const KernelTable* kernels_wasm_simd128();  // WebAssembly with SIMD128
// the shape of some SIMD128 kernels (kernels_i16_wasm.inc, IntQ45_K/IntQ6_K: unrolled or a loop) in the
// table engines made after this take: engines differ on which is faster
void set_wasm_compact_loops(bool on);

// fn(NX, r) over nx activation rows in blocks of Max, the rest in one smaller block (NX a
// compile-time constant)
template <int Max, class Fn>
inline void by_rows(int nx, Fn&& fn) {
  int r = 0;
  for (; r + Max <= nx; r += Max) fn(std::integral_constant<int, Max>{}, r);
  if constexpr (Max > 1) {
    if (r < nx) by_rows<Max - 1>(nx - r, [&](auto nxc, int rr) { fn(nxc, r + rr); });
  }
}

// fn(NG, g) over row groups [g0, g1) in blocks of Max, the rest in one smaller block (NG a
// compile-time constant)
template <int Max, class Fn>
inline void by_groups(int64_t g0, int64_t g1, Fn&& fn) {
  int64_t g = g0;
  for (; g + Max <= g1; g += Max) fn(std::integral_constant<int, Max>{}, g);
  if constexpr (Max > 1) {
    if (g < g1) by_groups<Max - 1>(g, g1, fn);
  }
}

// The activations table k's repacked kernel reads: quantized blocks (act_q8_32 in fast mode,
// act_q8_planes in exact mode) for block types, but f32 rows for exact-mode prefill where the table
// dequantizes (exact_gemm_f32); f32 rows for plain types, except fast-mode prefill (gemm) on BF16
// weights, which takes ACT_BF16 where the table has that kernel (AVX512-BF16 CPUs).
inline ActFormat packed_act(const KernelTable& k, int dtype, bool fast, bool gemm) {
  if (dtype == T_F32 || dtype == T_F16) return ACT_F32;
  if (dtype == T_BF16) return fast && gemm && k.quantize_bf16 ? ACT_BF16 : ACT_F32;
  if (!fast && gemm && k.exact_gemm_f32[dtype]) return ACT_F32;
  return fast ? ACT_Q8_32 : ACT_Q8_PLANES;
}

// the table's quantizer for activation format f (null for ACT_F32)
inline QuantizeFn act_quantizer(const KernelTable& k, ActFormat f) {
  switch (f) {
    case ACT_Q8_32: return k.quantize_q8_32;
    case ACT_Q8_K: return k.quantize_q8_K;
    case ACT_Q8_PLANES: return k.quantize_planes;
    case ACT_BF16: return k.quantize_bf16;
    case ACT_I16: return k.quantize_i16;
    case ACT_I16X2: return k.quantize_i16x2;
    case ACT_I16_K: return k.quantize_i16_K;
    default: return nullptr;
  }
}

inline size_t act_row_bytes(ActFormat f, int K) {
  switch (f) {
    case ACT_Q8_32: return (size_t)(K / QK) * sizeof(act_q8_32);
    case ACT_Q8_K: return (size_t)(K / QK_K) * sizeof(act_q8_K);
    case ACT_Q8_PLANES: return (size_t)(K / QK) * sizeof(act_q8_planes);
    case ACT_BF16: return (size_t)(K + 31) / 32 * 64;  // zero-padded to whole 32-element steps
    case ACT_I16: return (size_t)(K / QK) * sizeof(act_i16<1>);
    case ACT_I16X2: return (size_t)(K / QK) * sizeof(act_i16<2>);
    case ACT_I16_K: return (size_t)(K / QK_K) * sizeof(act_i16_K);
    default: return (size_t)K * 4;
  }
}

}  // namespace ix
