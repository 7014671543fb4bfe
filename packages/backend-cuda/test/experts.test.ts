import { quantize } from '@ix/core';
import { bytesOf, expectClose, expectZeroSlotsForOutOfRangeIds, expertsSuite, randomF32, rng, runBoth } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { errorLog, hasDevice, makeCuda, skipReason } from './helpers.js';
import { WEIGHT_DTYPES } from '../src/ops.js';

const log = errorLog('mixture of experts');
afterAll(() => log.print());
let fused: ReturnType<typeof makeCuda> | undefined;
const makeFused = () => (fused ??= makeCuda());
afterAll(() => fused?.dispose());

// f32 sums in another order than the reference's f64 ones
expertsSuite({ label: 'cuda', hasDevice, skipReason, make: () => makeCuda(), log, dtypes: WEIGHT_DTYPES, tolerance: () => 2e-5 });

describe.skipIf(!hasDevice)(`expert ids outside the experts on cuda${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('mul_mat_id and gather write zeros there instead of reading out of bounds (the reference refuses them)', async () => {
    const be = makeCuda();
    try {
      await expectZeroSlotsForOutOfRangeIds(be);
    } finally {
      be.dispose();
    }
  });
});

describe.skipIf(!hasDevice)(`fused expert FFN on cuda${skipReason ? ` (${skipReason})` : ''}`, () => {
  // gate/up/swiglu in one launch (fuse.ts) and one route for the layer: only the mixed result is handed back
  it.each([
    { dtype: 'Q4_K', T: 1 },
    { dtype: 'Q8_0', T: 19 },
    { dtype: 'F16', T: 3 },
  ] as const)('$dtype experts, $T tokens: equal to the reference', async ({ dtype, T }) => {
    const [E, U, H, F] = [6, 2, 256, 96];
    const r = rng(T + 7);
    const constants = [
      { shape: [E, H], dtype: 'F32' as const, bytes: bytesOf(randomF32(E * H, r, 0.5)) },
      { shape: [E, F, H], dtype, bytes: quantize(dtype, randomF32(E * F * H, r, 0.1)) },
      { shape: [E, F, H], dtype, bytes: quantize(dtype, randomF32(E * F * H, r, 0.1)) },
      { shape: [E, H, F], dtype: 'F32' as const, bytes: bytesOf(randomF32(E * H * F, r, 0.1)) },
    ];
    const { ours, ref } = await runBoth(makeFused(), constants, (g, c) => {
      const x = g.input('x', [T, H]);
      const logits = g.matmul(x, c(0));
      const ids = g.topK(logits, U);
      const act = g.swiglu(g.mulMatId(x, c(1), ids), g.mulMatId(x, c(2), ids));
      return [g.weightedSum(g.mulMatId(act, c(3), ids), g.softmax(g.gather(logits, ids)))];
    }, { x: randomF32(T * H, r, 1) });
    log.add(`fused ${dtype} T=${T}`, expectClose(ours[0]!, ref[0]!, 2e-5, `fused ${dtype}`));
  });
});
