import { Executor, f32ToF16Bytes, Graph, type Backend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { expectClose, randomF32, reference, rng, runBoth, tensorOn } from '../helpers.js';
import type { SuiteOptions } from './rope-attention.js';

/**
 * What the rope/attention suite leaves out (the Vulkan and CUDA backends hand it to the fallback):
 * Gemma's soft-capped scores and sliding windows, gpt-oss's sinks, each alone and together, on F32
 * and F16 caches, against the reference; and a decode graph replayed at moving positions.
 */
export function attentionOptionsSuite<B extends Backend>(opts: SuiteOptions<B>): void {
  describe.skipIf(!opts.hasDevice)(`attention options on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    const be = opts.hasDevice ? opts.make() : undefined!;
    afterAll(() => be?.dispose());
    const log = opts.log;

    const T = 3, Hq = 4, Hkv = 2, D = 40, S = 150, pos0 = 120, kvLen = 123;
    it.each([
      { name: 'soft-capped', softcap: 2 },
      { name: 'sliding window of 70 (crosses a key tile)', window: 70 },
      { name: 'window of 1 (each query sees itself)', window: 1 },
      { name: 'sinks', sinks: true },
      { name: 'all three', softcap: 3, window: 50, sinks: true },
      { name: 'symmetric window of 9, not causal (EmbeddingGemma)', window: 9, causal: false },
      { name: 'symmetric window of 70, not causal (crosses a key tile)', window: 70, causal: false, softcap: 2 },
    ])('$name', async ({ softcap, window, sinks, causal }) => {
      for (const cacheType of ['F32', 'F16'] as const) {
        const kc = randomF32(S * Hkv * D, rng(2), 3);
        const vc = randomF32(S * Hkv * D, rng(3), 1);
        const q = randomF32(T * Hq * D, rng(4), 3);
        const sk = Float32Array.from({ length: Hq }, (_, h) => [-2, 0.5, 3, 8][h]!);
        const bytes = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : new Uint8Array(a.buffer));
        const { ours, ref } = await runBoth(
          be,
          [{ shape: [S, Hkv, D], dtype: cacheType, bytes: bytes(kc) }, { shape: [S, Hkv, D], dtype: cacheType, bytes: bytes(vc) }],
          (g, c) => [g.attention(g.input('q', [T, Hq, D]), c(0), c(1), { pos0, kvLen, scale: 1 / Math.sqrt(D), causal: causal ?? true, softcap, window }, sinks ? g.input('sinks', [Hq]) : undefined)],
          { q, ...(sinks ? { sinks: sk } : {}) },
        );
        log.add(`${cacheType} softcap ${softcap ?? '-'} window ${window ?? '-'}${causal === false ? ' (symmetric)' : ''} sinks ${!!sinks}`, expectClose(ours[0]!, ref[0]!, 2e-6, 'attention'));
      }
    });

    it('one decode graph replayed at moving positions (write_rows row, attention pos0/kvLen) matches fresh reference runs', async () => {
      const D2 = 16, S2 = 40;
      const cache = () => new Uint8Array(new Float32Array(S2 * D2).buffer);
      // the same step graph on both backends; reposition between runs
      const run = async (backend: Backend) => {
        const k = tensorOn(backend, [S2, 1, D2], 'F32', cache());
        const v = tensorOn(backend, [S2, 1, D2], 'F32', cache());
        const g = new Graph();
        const kw = g.writeRows(g.constant(k), g.input('k', [1, 1, D2]), 0);
        const vw = g.writeRows(g.constant(v), g.input('v', [1, 1, D2]), 0);
        const a = g.attention(g.input('q', [1, 1, D2]), kw, vw, { pos0: 0, kvLen: 1, scale: 0.25, causal: true });
        const exec = new Executor(backend);
        const outs: Float32Array[] = [];
        for (let p = 0; p < 12; p++) {
          g.reposition(kw, { row: p });
          g.reposition(vw, { row: p });
          g.reposition(a, { pos0: p, kvLen: p + 1 });
          const [y] = await exec.run(g, { q: randomF32(D2, rng(100 + p)), k: randomF32(D2, rng(200 + p)), v: randomF32(D2, rng(300 + p)) }, [a]);
          outs.push(y as Float32Array);
        }
        return outs;
      };
      const ours = await run(be);
      const theirs = await run(reference);
      ours.forEach((o, i) => expectClose(o, theirs[i]!, 2e-6, `step ${i}`));
      expect(ours[11]).not.toEqual(ours[10]);
    });
  });
}
