import { attentionOptionsSuite, ropeAttentionSuite, rowOpsSuite } from '@ix/kernel-testing';
import { f32ToF16Bytes, yarnCorrDims, type RopeParams } from '@ix/core';
import { afterAll, describe, it } from 'vitest';

import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * rope, write_rows into F32/F16 caches and attention against the reference (the shared suites: plain,
 * with soft-capping / sliding windows / sinks, Gemma 3n's row ops), and what those leave out: YaRN
 * rope, and the options on a cache long enough for decode's split attention.
 */
const log = errorLog('rope / write_rows / attention');
afterAll(() => log.print());

// angles in double precision, as the reference
ropeAttentionSuite({ label: 'CUDA', hasDevice, skipReason, make: () => makeCuda(), log, ropeTolerance: 1e-6 });
attentionOptionsSuite({ label: 'CUDA', hasDevice, skipReason, make: () => makeCuda(), log });
rowOpsSuite({ label: 'CUDA', hasDevice, skipReason, make: () => makeCuda(), log });

describe.skipIf(!hasDevice)(`YaRN rope and split attention with options on CUDA${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeCuda() : undefined!;
  afterAll(() => be?.dispose());

  it.each(['normal', 'neox'] as const)('YaRN rope (%s), with freq factors, at large positions', async (mode) => {
    const [T, H, D, dims] = [5, 3, 16, 12];
    const params: RopeParams = { mode, dims, base: 150000, freqScale: 1 / 32, yarn: { extFactor: 1, attnFactor: 1.2, corrDims: yarnCorrDims(dims, 4096, 150000, 32, 1) } };
    const x = randomF32(T * H * D, rng(41), 2);
    const pos = Int32Array.from([0, 7, 4095, 40000, 131071]);
    const ff = Float32Array.from({ length: dims / 2 }, (_, i) => 1 + i / 3);
    const { ours, ref } = await runBoth(be, [], (g) => [g.rope(g.input('x', [T, H, D]), g.input('pos', [T], 'I32'), params, g.input('ff', [dims / 2]))], { x, pos, ff });
    log.add(`rope yarn ${mode}`, expectClose(ours[0]!, ref[0]!, 1e-6, `rope yarn ${mode}`));
  });

  // S >= 512 rows and one query: attention_split + attention_merge (the shared suites use short caches)
  it.each([
    { name: 'window of 700 over 1200 rows, sinks, soft-capped', window: 700, sinks: true, softcap: 4 },
    { name: 'sinks alone over 1200 rows', sinks: true },
    { name: 'symmetric window of 601, not causal', window: 601, causal: false },
  ])('split decode attention: $name', async ({ window, sinks, softcap, causal }) => {
    const [Hq, Hkv, D, S] = [4, 2, 64, 1300];
    const pos0 = 1199, kvLen = 1200;
    for (const cacheType of ['F32', 'F16'] as const) {
      const kc = randomF32(S * Hkv * D, rng(51), 2);
      const vc = randomF32(S * Hkv * D, rng(52), 1);
      const q = randomF32(Hq * D, rng(53), 2);
      const sk = Float32Array.from([-1, 2, 6, 0.5]);
      const bytes = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : new Uint8Array(a.buffer));
      const { ours, ref } = await runBoth(
        be,
        [{ shape: [S, Hkv, D], dtype: cacheType, bytes: bytes(kc) }, { shape: [S, Hkv, D], dtype: cacheType, bytes: bytes(vc) }],
        (g, c) => [g.attention(g.input('q', [1, Hq, D]), c(0), c(1), { pos0: causal === false ? 600 : pos0, kvLen, scale: 1 / 8, causal: causal ?? true, softcap, window }, sinks ? g.input('sinks', [Hq]) : undefined)],
        { q, ...(sinks ? { sinks: sk } : {}) },
      );
      log.add(`split ${cacheType} softcap ${softcap ?? '-'} window ${window ?? '-'} sinks ${!!sinks}`, expectClose(ours[0]!, ref[0]!, 2e-6, 'attention'));
    }
  });
});
