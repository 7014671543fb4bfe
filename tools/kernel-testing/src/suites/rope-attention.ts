import { f32ToF16Bytes, type Backend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { expectClose, randomF32, rng, runBoth, type ErrorLog } from '../helpers.js';

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

    describe.each(['normal', 'neox'] as const)('rope %s', (mode) => {
      it.each([false, true])('freq factors: %s; partial rotation; positions up to 300', async (withFactors) => {
        const T = 6, H = 3, D = 20, dims = 16;
        const x = randomF32(T * H * D, rng(1), 2);
        const pos = Int32Array.from([0, 1, 7, 64, 129, 300]);
        const ff = Float32Array.from({ length: dims / 2 }, (_, i) => 1 + i * 0.7);
        const params = { mode, dims, base: 10000, freqScale: 0.5 };
        const { ours, ref } = await runBoth(be, [], (g) => {
          const xi = g.input('x', [T, H, D]);
          const pi = g.input('pos', [T], 'I32');
          return [g.rope(xi, pi, params, withFactors ? g.input('ff', [dims / 2]) : undefined)];
        }, { x, pos, ...(withFactors ? { ff } : {}) });
        opts.log.add(`rope ${mode}${withFactors ? ' + factors' : ''}`, expectClose(ours[0]!, ref[0]!, opts.ropeTolerance, `rope ${mode}`));
        const o = ours[0]!;
        for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let d = dims; d < D; d++) expect(o[(t * H + h) * D + d]).toBe(x[(t * H + h) * D + d]);
      });
    });

    describe.each(['F32', 'F16'] as const)('%s cache', (cacheType) => {
      const toCache = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : new Uint8Array(a.buffer));

      it.each([
        { name: 'decode, GQA 6/2, causal, long cache', T: 1, Hq: 6, Hkv: 2, D: 40, S: 300, pos0: 260, causal: true, kvLen: 261 },
        { name: 'prefill over a tile boundary, causal', T: 5, Hq: 4, Hkv: 4, D: 24, S: 140, pos0: 125, causal: true, kvLen: 130 },
        { name: 'not causal, kvLen < cache, wide head', T: 3, Hq: 2, Hkv: 1, D: 200, S: 50, pos0: 10, causal: false, kvLen: 31 },
        { name: 'head dim 512, several key tiles', T: 2, Hq: 2, Hkv: 2, D: 512, S: 400, pos0: 300, causal: true, kvLen: 302 },
        // caches of 512 rows and more: GPU backends may split a head's keys over several blocks
        { name: 'decode over a long cache', T: 1, Hq: 4, Hkv: 2, D: 64, S: 1100, pos0: 1000, causal: true, kvLen: 1001 },
        { name: 'a few queries over a long, mostly empty cache', T: 3, Hq: 2, Hkv: 1, D: 48, S: 2000, pos0: 300, causal: true, kvLen: 303 },
      ])('write_rows then attention: $name', async ({ T, Hq, Hkv, D, S, pos0, causal, kvLen }) => {
        const kc = randomF32(S * Hkv * D, rng(2), 1.5);
        const vc = randomF32(S * Hkv * D, rng(3), 1);
        const q = randomF32(T * Hq * D, rng(4), 1.5);
        const k = randomF32(T * Hkv * D, rng(5), 1.5);
        const v = randomF32(T * Hkv * D, rng(6), 1);
        const { ours, ref } = await runBoth(
          be,
          [{ shape: [S, Hkv, D], dtype: cacheType, bytes: toCache(kc) }, { shape: [S, Hkv, D], dtype: cacheType, bytes: toCache(vc) }],
          (g, c) => {
            const kw = g.writeRows(c(0), g.input('k', [T, Hkv, D]), pos0);
            const vw = g.writeRows(c(1), g.input('v', [T, Hkv, D]), pos0);
            const a = g.attention(g.input('q', [T, Hq, D]), kw, vw, { pos0, kvLen, scale: 1 / Math.sqrt(D), causal });
            return [a, cacheType === 'F16' ? g.copy(kw, 'F32') : kw, cacheType === 'F16' ? g.copy(vw, 'F32') : vw];
          },
          { q, k, v },
        );
        opts.log.add(`attention ${cacheType} T=${T} Hq=${Hq} Hkv=${Hkv} D=${D} kvLen=${kvLen}`, expectClose(ours[0]!, ref[0]!, 2e-6, 'attention'));
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
