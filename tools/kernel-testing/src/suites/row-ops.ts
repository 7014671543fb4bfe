import type { Backend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { expectClose, randomF32, rng, runBoth } from '../helpers.js';
import type { SuiteOptions } from './rope-attention.js';

/**
 * Gemma 3n's row ops against the reference, on the backend alone (no fallback): sum_rows and sqrt
 * (its magnitudes), slice at odd offsets (its per-layer inputs), gaussian_top_k with its multiplier
 * on wide rows and on rows of two (the sample standard deviation's smallest case).
 */
export function rowOpsSuite<B extends Backend>(opts: SuiteOptions<B>): void {
  describe.skipIf(!opts.hasDevice)(`row ops (Gemma 3n) on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    const be = opts.hasDevice ? opts.make() : undefined!;
    afterAll(() => be?.dispose());

    it('sum_rows, sqrt, slice and gaussian_top_k equal the reference', async () => {
      const R = 7, C = 267;
      const x = randomF32(R * C, rng(21), 3);
      x[3 * C + 11] = 40; // a row with an outlier far past the cutoff
      const pair = randomF32(R * 2, rng(22), 2);
      const { ours, ref } = await runBoth(
        be,
        [],
        (g) => {
          const xi = g.input('x', [R, C]);
          const pi = g.input('p', [R, 2]);
          return [g.sumRows(xi), g.sqrt(g.mul(xi, xi)), g.slice(xi, 5, 100), g.slice(xi, 0, C), g.slice(g.view(xi, [R, 3, 89]), 88, 1), g.gaussianTopK(xi, 1.6448533535003662), g.gaussianTopK(xi, -0.5), g.gaussianTopK(pi, 0.3)];
        },
        { x, p: pair },
      );
      const names = ['sum_rows', 'sqrt', 'slice 5..104', 'slice whole', 'slice 3-D last', 'gaussian_top_k 95%', 'gaussian_top_k k < 0', 'gaussian_top_k rows of 2'];
      names.forEach((name, i) => {
        if (name.startsWith('slice')) expect([...ours[i]!], name).toEqual([...ref[i]!]);
        else opts.log.add(name, expectClose(ours[i]!, ref[i]!, 2e-6, name));
      });
      // the 95% cutoff keeps a few of each row's 267 values, and the outlier
      const kept = [...ref[5]!].filter((v) => v > 0).length;
      expect(kept).toBeGreaterThan(R);
      expect(kept).toBeLessThan(R * C * 0.1);
      expect(ref[5]![3 * C + 11]).toBeGreaterThan(30);
    });
  });
}
