// Workgroup-wide sum and max: subgroup reductions, then one partial per subgroup through shared
// memory. Every invocation must call them (they contain barriers); all get the result.
shared float reducePartials[WG];

float wgSum(float v) {
  const float s = subgroupAdd(v);
  if (subgroupElect()) reducePartials[gl_SubgroupID] = s;
  barrier();
  float t = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; i++) t += reducePartials[i];
  barrier();
  return t;
}

float wgMax(float v) {
  const float s = subgroupMax(v);
  if (subgroupElect()) reducePartials[gl_SubgroupID] = s;
  barrier();
  float t = reducePartials[0];
  for (uint i = 1u; i < gl_NumSubgroups; i++) t = max(t, reducePartials[i]);
  barrier();
  return t;
}
