import type { GraphNode } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * The elementwise, normalisation, selection and data-movement kernels against the reference backend,
 * all in one graph: one split, compiled into one program. Odd sizes throughout.
 */
const log = errorLog('ops');
afterAll(() => log.print());

describe.skipIf(!hasDevice)(`ops on CUDA${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeCuda() : undefined!;
  afterAll(() => be?.dispose());

  it('elementwise, norms, softmax, selection, copy, view and concat: one program, equal to the reference', async () => {
    const R = 5, C = 267;
    const x = randomF32(R * C, rng(11), 4);
    const u = randomF32(R * C, rng(12), 2);
    const b = randomF32(C, rng(13));
    x[2 * C + 9] = x[2 * C + 140] = 50; // a tie for argmax / top_k: the lower index first
    x[4 * C + 3] = 100; // large gelu/silu argument
    x[4 * C + 4] = -100;
    const { ours, ref } = await runBoth(
      be,
      [],
      (g) => {
        const xi = g.input('x', [R, C]);
        const ui = g.input('u', [R, C]);
        const bi = g.input('b', [C]);
        const half = g.copy(xi, 'F16');
        const halfU = g.copy(ui, 'F16');
        const top = g.topK(xi, 7);
        return [
          g.add(xi, bi), g.mul(xi, bi), g.add(xi, ui), g.scale(xi, 0.37), g.silu(xi), g.gelu(xi), g.swiglu(xi, ui),
          g.rmsNorm(xi, 1e-5), g.layerNorm(xi, 1e-5), g.softmax(xi, 0.5), g.softmax(g.scale(xi, 30), 1),
          g.argmax(xi), top, g.view(top, [3, 5], 11),
          g.copy(half, 'F32'), g.copy(g.copy(half, 'F16'), 'F32'),
          g.view(xi, [2, 10], 33), g.view(xi, [7], 1),
          g.concat(xi, ui, 0), g.concat(xi, ui, 1), g.concat(g.view(xi, [R, 3, 89]), g.view(ui, [R, 3, 89]), 1),
          g.copy(g.concat(half, halfU, 1), 'F32'), g.copy(g.concat(g.view(xi, [1, 7]), g.view(ui, [1, 4]), 1), 'F16'),
          g.concat(g.argmax(xi), g.argmax(ui), 0),
        ].map((n) => (n.dtype === 'F16' ? g.copy(n, 'F32') : n)) as GraphNode[];
      },
      { x, u, b },
    );
    const names = ['add', 'mul', 'add same shape', 'scale', 'silu', 'gelu', 'swiglu', 'rms_norm', 'layer_norm', 'softmax', 'softmax peaked',
      'argmax', 'top_k', 'view I32', 'F32->F16->F32', 'F16->F16', 'view', 'view odd', 'concat 0', 'concat 1', 'concat 3-D', 'concat F16', 'concat odd F16', 'concat I32'];
    const exact = new Set(['add', 'mul', 'add same shape', 'argmax', 'top_k', 'view I32', 'F32->F16->F32', 'F16->F16', 'view', 'view odd',
      'concat 0', 'concat 1', 'concat 3-D', 'concat F16', 'concat odd F16', 'concat I32']);
    names.forEach((name, i) => {
      if (exact.has(name)) expect([...ours[i]!], name).toEqual([...ref[i]!]);
      else log.add(name, expectClose(ours[i]!, ref[i]!, 2e-6, name));
    });
    expect(ours[12]![2 * 7]).toBe(9); // the tie
    expect(ours[12]![2 * 7 + 1]).toBe(140);
    expect(be.programStats.programs).toBe(1);
  });

  it('broadcasts b over several leading dims and handles one-element rows', async () => {
    const x = randomF32(3 * 4 * 5, rng(21));
    const b = randomF32(4 * 5, rng(22));
    const { ours, ref } = await runBoth(be, [], (g) => {
      const xi = g.input('x', [3, 4, 5]);
      const one = g.view(xi, [60, 1]);
      return [g.add(xi, g.input('b', [4, 5])), g.softmax(one), g.rmsNorm(one, 1e-6), g.argmax(one), g.topK(one, 1)];
    }, { x, b });
    ours.slice(0, 3).forEach((o, i) => expectClose(o, ref[i]!, 2e-6, `case ${i}`));
    expect([...ours[3]!]).toEqual(new Array(60).fill(0)); // argmax and top_k of one-element rows
    expect([...ours[4]!]).toEqual(new Array(60).fill(0));
  });

  it('top_k with k = C sorts the whole row', async () => {
    const x = randomF32(2 * 33, rng(31));
    x[5] = x[6] = x[7] = 0.25;
    const { ours, ref } = await runBoth(be, [], (g) => [g.topK(g.input('x', [2, 33]), 33)], { x });
    expect([...ours[0]!]).toEqual([...ref[0]!]);
  });
});
