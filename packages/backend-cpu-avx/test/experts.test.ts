import { errorLog, expertsSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { bestIsa, bytesOf, isaMatrix, makeBackend, randomF32, rng, run, tensorOn } from './helpers.js';

// every weight type the fused kernels decode, through the repacked and the plain paths
const DTYPES = ['F32', 'F16', 'BF16', 'Q4_0', 'Q8_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'Q2_K'] as const;
const log = errorLog('backend-cpu-avx', 'mixture of experts');
afterAll(() => log.print());

// exact mode: f32 sums against the reference's f64 ones; the other ISAs on a few types of each kernel family
for (const { isa, supported } of isaMatrix()) {
  const dtypes = isa === bestIsa() ? DTYPES : (['F32', 'Q4_0', 'Q8_0', 'Q4_K'] as const);
  expertsSuite({ label: `${isa}, exact`, hasDevice: supported, skipReason: supported ? undefined : 'not on this CPU', make: () => makeBackend(isa), log, dtypes, tolerance: () => 2e-5 });
}
// fast mode: 8-bit activations (bf16 for BF16 weights), a few parts in a thousand per matmul, two chained
expertsSuite({ label: `${bestIsa()}, fast`, hasDevice: true, make: () => makeBackend(bestIsa(), 'fast'), log, dtypes: DTYPES, tolerance: () => 3e-2 });

describe('mul_mat_id and gather on bad ids', () => {
  it('reject an expert or column outside the tensor with a clear error, before reading anything', async () => {
    const be = makeBackend(bestIsa());
    try {
      const w = tensorOn(be, [3, 4, 32], 'F32', bytesOf(randomF32(3 * 4 * 32, rng(1))));
      for (const bad of [3, -1, 1 << 30]) {
        await expect(run(be, (g) => [g.mulMatId(g.input('x', [1, 32]), g.constant(w), g.input('ids', [1, 2], 'I32'))], { x: randomF32(32, rng(2)), ids: Int32Array.from([0, bad]) })).rejects.toThrow(/mul_mat_id: id .* outside 0\.\.2/);
        await expect(run(be, (g) => [g.gather(g.input('x', [1, 3]), g.input('ids', [1, 1], 'I32'))], { x: randomF32(3, rng(2)), ids: Int32Array.from([bad]) })).rejects.toThrow(/gather: id .* outside 0\.\.2/);
      }
    } finally {
      be.dispose();
    }
  });
});
