#version 450
// scale: x * s; silu: x / (1 + e^-x); sigmoid: 1 / (1 + e^-x); gelu: ggml's tanh approximation
#define WG 256
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer BX { uint X[]; };
layout(std430, binding = 1) writeonly buffer BY { uint Y[]; };
layout(push_constant) uniform Push {
  uint n, xBase, yBase;
  float scale;
} p;

void main() {
  const uint i = groupIndex() * WG + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const float x = F32AT(X, p.xBase + i);
#if defined(OP_SCALE)
  const float y = x * p.scale;
#elif defined(OP_SILU)
  const float y = x / (1.0 + exp(-x));
#elif defined(OP_SIGMOID)
  const float y = 1.0 / (1.0 + exp(-x));
#elif defined(OP_GELU)
  // tanh saturates to +-1 in f32 well before |u| = 10; clamping keeps drivers' exp-based tanh finite
  const float u = clamp(0.7978845608028654 * (x + 0.044715 * x * x * x), -10.0, 10.0);
  const float y = 0.5 * x * (1.0 + tanh(u));
#endif
  Y[p.yBase + i] = floatBitsToUint(y);
}
