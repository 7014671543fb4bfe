import type { Backend, GraphNode } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { expectClose, randomF32, rng, runBoth, type ErrorLog } from '../helpers.js';

/**
 * The elementwise, normalisation, selection and data-movement ops against the reference backend,
 * in one graph (one split), with odd sizes; broadcasting over several leading dims; top_k's order.
 * `variants`: the backend's configurations to run the first test on (the others take the first).
 */
export function opsSuite<B extends Backend>(opts: {
  label: string;
  hasDevice: boolean;
  skipReason?: string;
  variants: readonly (readonly [string, B])[];
  log: ErrorLog;
  /** false where the backend does not promise NaN's place in top_k (ONNX leaves it open) */
  nanInTopK?: boolean;
}): void {
  const first = () => opts.variants[0]![1];
  describe.skipIf(!opts.hasDevice)(`ops on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    it.each(opts.variants)('elementwise, norms, softmax, argmax, copy, view and concat equal the reference (%s)', async (_, be) => {
      const R = 5, C = 267;
      const x = randomF32(R * C, rng(11), 4);
      const u = randomF32(R * C, rng(12), 2);
      const b = randomF32(C, rng(13));
      x[2 * C + 9] = x[2 * C + 140] = 50; // a tie for argmax: the lower index
      x[4 * C + 3] = 100; // large gelu/silu/tanh arguments
      x[4 * C + 4] = -100;
      const { ours, ref } = await runBoth(
        be,
        [],
        (g) => {
          const xi = g.input('x', [R, C]);
          const ui = g.input('u', [R, C]);
          const bi = g.input('b', [C]);
          const half = g.copy(xi, 'F16');
          return [
            g.add(xi, bi), g.mul(xi, bi), g.add(xi, ui), g.scale(xi, 0.37), g.silu(xi), g.gelu(xi), g.swiglu(xi, ui),
            g.rmsNorm(xi, 1e-5), g.layerNorm(xi, 1e-5), g.softmax(xi, 0.5), g.softmax(g.scale(xi, 30), 1),
            g.argmax(xi), g.copy(half, 'F32'), g.copy(g.copy(half, 'F16'), 'F32'),
            g.view(xi, [2, 10], 33), g.view(xi, [7], 1), g.copy(g.view(xi, [3, 5], 7), 'F16'),
            g.concat(xi, ui, 0), g.concat(xi, ui, 1), g.concat(g.view(xi, [R, 3, 89]), g.view(ui, [R, 3, 89]), 1),
            g.concat(g.argmax(xi), g.argmax(ui), 0),
            g.sigmoid(xi), g.softcap(xi, 3), g.swigluOai(xi, ui, 1.702, 7),
          ].map((n) => (n.dtype === 'F16' ? g.copy(n, 'F32') : n)) as GraphNode[];
        },
        { x, u, b },
      );
      const names = ['add', 'mul', 'add same shape', 'scale', 'silu', 'gelu', 'swiglu', 'rms_norm', 'layer_norm', 'softmax', 'softmax peaked',
        'argmax', 'F32->F16->F32', 'F16->F16', 'view', 'view odd', 'view to F16 at an odd element', 'concat 0', 'concat 1', 'concat 3-D', 'concat I32',
        'sigmoid', 'softcap', 'swiglu_oai'];
      const exact = new Set(['add', 'mul', 'add same shape', 'argmax', 'F32->F16->F32', 'F16->F16', 'view', 'view odd', 'view to F16 at an odd element',
        'concat 0', 'concat 1', 'concat 3-D', 'concat I32']);
      expect(ours.length).toBe(names.length);
      names.forEach((name, i) => {
        if (exact.has(name)) expect([...ours[i]!], name).toEqual([...ref[i]!]);
        else opts.log.add(name, expectClose(ours[i]!, ref[i]!, 2e-6, name));
      });
      expect(ours[11]![2]).toBe(9); // the tie
    });

    it('broadcasts b over several leading dims and handles one-element rows', async () => {
      const x = randomF32(3 * 4 * 5, rng(21));
      const b = randomF32(4 * 5, rng(22));
      const { ours, ref } = await runBoth(first(), [], (g) => {
        const xi = g.input('x', [3, 4, 5]);
        const one = g.view(xi, [60, 1]);
        return [g.add(xi, g.input('b', [4, 5])), g.softmax(one), g.rmsNorm(one, 1e-6), g.argmax(one)];
      }, { x, b });
      ours.slice(0, 3).forEach((o, i) => expectClose(o, ref[i]!, 2e-6, `case ${i}`));
      expect([...ours[3]!]).toEqual(new Array(60).fill(0));
    });

    it(`top_k: largest first, ties to the lower index${opts.nanInTopK === false ? '' : ', NaN last'}; k = C sorts the whole row; and of a 32000-wide row`, async () => {
      const x = randomF32(2 * 33, rng(31));
      x[5] = x[6] = x[7] = 0.25;
      if (opts.nanInTopK !== false) x[40] = NaN;
      x[41] = -Infinity;
      const wide = randomF32(32000, rng(32));
      wide[31999] = wide[17] = 9;
      const { ours, ref } = await runBoth(first(), [], (g) => [g.topK(g.input('x', [2, 33]), 33), g.topK(g.input('x', [2, 33]), 4), g.topK(g.input('w', [1, 32000]), 40)], { x, w: wide });
      ours.forEach((o, i) => expect([...o], `case ${i}`).toEqual([...ref[i]!]));
      expect([...ours[2]!.subarray(0, 2)]).toEqual([17, 31999]);
    });
  });
}
