import { f32ToF16Bytes, type Backend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { expectClose, randomF32, rng, runBoth, type ErrorLog } from '../helpers.js';
import { ATTENTION_CASES, attentionProblem, ROPE_CASES, ropeProblem } from '../rope-attention-cases.js';

export interface SuiteOptions<B extends Backend> {
  /** how the device is named in test titles */
  label: string;
  hasDevice: boolean;
  skipReason?: string;
  make(): B;
  log: ErrorLog;
}

/** rope, write_rows into F32/F16 caches and attention (GQA, causal, pos0, kvLen) against the reference. */
export function ropeAttentionSuite<B extends Backend>(opts: SuiteOptions<B> & { /** of rope, relative to max |y| */ ropeTolerance: number }): void {
  describe.skipIf(!opts.hasDevice)(`rope and attention on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    const be = opts.hasDevice ? opts.make() : undefined!;
    afterAll(() => be?.dispose());

    it.each(ROPE_CASES)('rope $mode, freq factors: $withFactors; partial rotation; positions up to 300', async (c) => {
      const { x, T, H, D, dims, constants, build, inputs } = ropeProblem(c);
      const { ours, ref } = await runBoth(be, constants, build, inputs);
      opts.log.add(`rope ${c.mode}${c.withFactors ? ' + factors' : ''}`, expectClose(ours[0]!, ref[0]!, opts.ropeTolerance, `rope ${c.mode}`));
      const o = ours[0]!;
      for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let d = dims; d < D; d++) expect(o[(t * H + h) * D + d]).toBe(x[(t * H + h) * D + d]);
    });

    describe.each(['F32', 'F16'] as const)('%s cache', (cacheType) => {
      const toCache = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : new Uint8Array(a.buffer));

      it.each(ATTENTION_CASES)('write_rows then attention: $name', async (c) => {
        const { constants, build, inputs } = attentionProblem(c, cacheType);
        const { ours, ref } = await runBoth(be, constants, build, inputs);
        opts.log.add(`attention ${cacheType} T=${c.T} Hq=${c.Hq} Hkv=${c.Hkv} D=${c.D} kvLen=${c.kvLen}`, expectClose(ours[0]!, ref[0]!, 2e-6, 'attention'));
        expect([...ours[1]!]).toEqual([...ref[1]!]); // the written caches, bit for bit
        expect([...ours[2]!]).toEqual([...ref[2]!]);
      });

      it('write_rows of odd-length rows keeps the neighbouring elements', async () => {
        const S = 9, C = 7;
        const cache = randomF32(S * C, rng(7));
        const src = randomF32(3 * C, rng(8));
        const { ours, ref } = await runBoth(be, [{ shape: [S, C], dtype: cacheType, bytes: toCache(cache) }], (g, c) => {
          const w = g.writeRows(c(0), g.input('src', [3, C]), 3);
          return [cacheType === 'F16' ? g.copy(w, 'F32') : w];
        }, { src });
        expect([...ours[0]!]).toEqual([...ref[0]!]);
      });
    });
  });
}
