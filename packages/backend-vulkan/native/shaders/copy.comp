#version 450
// y[yBase + i] = convert(x[xBase + i]) for i < n: F32/I32 words (view, copy, write_rows into an F32
// cache) or F16 halves. An F16 destination is written a 32-bit word at a time, each word by one
// invocation, keeping the neighbouring half of partial words at either end.
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint n, xBase, yBase;
} p;

#if defined(SRC_32) && defined(DST_F16)
uint srcHalf(uint i) { return floatToHalf(uintBitsToFloat(X[p.xBase + i])); }
#elif defined(SRC_F16) && defined(DST_F16)
uint srcHalf(uint i) { return HALFBITS(X, p.xBase + i); }
#endif

void main() {
  const uint g = groupIndex() * WG + gl_LocalInvocationID.x;
#if defined(DST_32)
  if (g >= p.n) return;
#if defined(SRC_32)
  Y[p.yBase + g] = X[p.xBase + g];
#else
  Y[p.yBase + g] = floatBitsToUint(HALFAT(X, p.xBase + g));
#endif
#else
  if (p.n == 0u) return;
  const uint firstWord = p.yBase >> 1, lastWord = (p.yBase + p.n - 1u) >> 1;
  const uint w = firstWord + g;
  if (w > lastWord) return;
  uint word = Y[w];
  for (uint s = 0u; s < 2u; s++) {
    const uint e = 2u * w + s;  // destination half index
    if (e >= p.yBase && e < p.yBase + p.n) {
      const uint sh = s * 16u;
      word = (word & ~(0xFFFFu << sh)) | (srcHalf(e - p.yBase) << sh);
    }
  }
  Y[w] = word;
#endif
}
