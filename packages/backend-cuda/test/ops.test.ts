import { opsSuite } from '@ix/kernel-testing';
import type { GraphNode } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * The elementwise, normalisation, selection and data-movement kernels against the reference backend
 * (the shared suite), and what CUDA adds: a whole op list compiled into one program, F16 concat.
 */
const log = errorLog('ops');
afterAll(() => log.print());

const be = hasDevice ? makeCuda() : undefined!;
afterAll(() => be?.dispose());

opsSuite({ label: 'CUDA', hasDevice, skipReason, variants: hasDevice ? [['exact', be]] : [], log });

describe.skipIf(!hasDevice)(`programs on CUDA${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('one split of many ops is one program; top_k viewed, F16 concat', async () => {
    const R = 5, C = 267;
    const x = randomF32(R * C, rng(11), 4);
    const u = randomF32(R * C, rng(12), 2);
    x[2 * C + 9] = x[2 * C + 140] = 50; // a tie for top_k: the lower index first
    const before = be.programStats.programs;
    const { ours, ref } = await runBoth(
      be,
      [],
      (g) => {
        const xi = g.input('x', [R, C]);
        const ui = g.input('u', [R, C]);
        const half = g.copy(xi, 'F16');
        const halfU = g.copy(ui, 'F16');
        const top = g.topK(xi, 7);
        return [
          g.rmsNorm(g.add(xi, ui), 1e-5), top, g.view(top, [3, 5], 11),
          g.copy(g.concat(half, halfU, 1), 'F32'), g.copy(g.copy(g.concat(g.view(xi, [1, 7]), g.view(ui, [1, 4]), 1), 'F16'), 'F32'),
        ] as GraphNode[];
      },
      { x, u },
    );
    const names = ['add + rms_norm', 'top_k', 'view I32', 'concat F16', 'concat odd F16'];
    names.forEach((name, i) => {
      if (i === 0) log.add(name, expectClose(ours[i]!, ref[i]!, 2e-6, name));
      else expect([...ours[i]!], name).toEqual([...ref[i]!]);
    });
    expect(ours[1]![2 * 7]).toBe(9); // the tie
    expect(ours[1]![2 * 7 + 1]).toBe(140);
    expect(be.programStats.programs - before).toBe(1);
  });
});
