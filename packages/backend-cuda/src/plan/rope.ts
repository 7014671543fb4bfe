import type { RopeParams } from '@ix/core';

import { BLOCK, f64 } from '../program.js';
import type { PlanContext } from './context.js';

/** angles are computed on the device in double precision from base and freqScale (and YaRN's mix), as the reference does */
export function planRope({ b, node, input, out }: PlanContext): void {
  const x = input(0), pos = input(1);
  const p = node.params as RopeParams;
  const [t, h, d] = x.shape as [number, number, number];
  const n = x.numElements;
  if (n === 0) return;
  const factors = node.inputs.length > 2 ? b.ptr(input(2), 4) : b.none();
  const y = p.yarn;
  b.launch('rope', Math.ceil(n / BLOCK), BLOCK, [b.ptr(x, 4), b.ptr(pos, 4), b.ptr(out, 4), factors], [
    t, h, d, p.dims, p.mode === 'neox' ? 1 : 0, f64(p.base), f64(p.freqScale),
    y ? 1 : 0, f64(y?.extFactor ?? 0), f64(y?.attnFactor ?? 1), f64(y?.corrDims[0] ?? 0), f64(y?.corrDims[1] ?? 0),
  ]);
}
