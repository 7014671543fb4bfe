import type { RopeParams } from '@ix/core';

import type { PlanContext } from './context.js';

export function planRope({ b, node, input, out, ropeTable }: PlanContext): void {
  const x = input(0), pos = input(1);
  const p = node.params as RopeParams;
  const [t, h, d] = x.shape as [number, number, number];
  const n = x.numElements;
  if (n === 0) return;
  const table = ropeTable(p.dims, p.base, p.freqScale);
  const xb = b.bind(x, 4), pb = b.bind(pos, 4), fb = b.bind(table, 4), yb = b.bind(out, 4);
  const ff = node.inputs.length > 2 ? b.bind(input(2), 4) : fb; // unused when absent
  b.dispatch('rope', b.grid(Math.ceil(n / 256)), [xb.binding, pb.binding, fb.binding, ff.binding, yb.binding], [
    t, h, d, p.dims, p.mode === 'neox' ? 1 : 0, xb.base, pb.base, fb.base, ff.base, node.inputs.length > 2 ? 1 : 0, yb.base,
  ]);
}

/** freqScale * base^(-2i/dims) for i < dims/2, rounded once to f32 */
export function ropeInvFreq(dims: number, base: number, freqScale: number): Float32Array {
  return Float32Array.from({ length: dims / 2 }, (_, i) => freqScale * Math.pow(base, (-2 * i) / dims));
}
