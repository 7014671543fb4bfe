// Workgroup arg-max: each invocation offers (value, index), NONE meaning no candidate; afterwards
// selValue[0] / selIndex[0] hold the largest value and, among equals, the lowest index.
shared float selValue[WG];
shared uint selIndex[WG];

void bestOfGroup(float v, uint i) {
  const uint tid = gl_LocalInvocationID.x;
  selValue[tid] = v;
  selIndex[tid] = i;
  barrier();
  for (uint stride = WG / 2u; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      const float ov = selValue[tid + stride];
      const uint oi = selIndex[tid + stride];
      const uint mi = selIndex[tid];
      if (oi != NONE && (mi == NONE || ov > selValue[tid] || (ov == selValue[tid] && oi < mi))) {
        selValue[tid] = ov;
        selIndex[tid] = oi;
      }
    }
    barrier();
  }
}
