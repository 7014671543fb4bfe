#version 450
// x[T, H, D]: the first `dims` elements of each head rotate by pos[t] * invFreq[i] (/ freqFactors[i]);
// 'normal' pairs (2i, 2i+1), neox pairs (i, i + dims/2). One invocation per output element.
// invFreq[i] = freqScale * base^(-2i/dims) is computed on the host in double precision.
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) readonly buffer BP { uint POS[]; };
layout(std430, binding = 2) readonly buffer BF { uint F[]; };    // invFreq[dims/2]
layout(std430, binding = 3) readonly buffer BFF { uint FF[]; };  // freqFactors[dims/2] when hasFF
layout(std430, binding = 4) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint T, H, D, dims, neox, xBase, posBase, fBase, ffBase, hasFF, yBase;
} p;

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.T * p.H * p.D) return;
  const uint d = i % p.D, t = i / (p.H * p.D);
  if (d >= p.dims) {
    Y[p.yBase + i] = X[p.xBase + i];
    return;
  }
  const uint half_ = p.dims / 2u;
  uint pair, i0, i1;
  bool second;
  if (p.neox != 0u) {
    pair = d % half_;
    i0 = pair;
    i1 = pair + half_;
    second = d >= half_;
  } else {
    pair = d / 2u;
    i0 = 2u * pair;
    i1 = i0 + 1u;
    second = (d & 1u) != 0u;
  }
  float theta = float(int(POS[p.posBase + t])) * F32AT(F, p.fBase + pair);
  if (p.hasFF != 0u) theta /= F32AT(FF, p.ffBase + pair);
  const float c = cos(theta), s = sin(theta);
  const uint rowBase = p.xBase + i - d;
  const float x0 = F32AT(X, rowBase + i0), x1 = F32AT(X, rowBase + i1);
  Y[p.yBase + i] = floatBitsToUint(second ? x0 * s + x1 * c : x0 * c - x1 * s);
}
