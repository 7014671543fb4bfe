import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quantize, referenceBackend, Tensor, type Backend, type DTypeName } from '@ix/core';
import { errorLog, expectClose, expertsSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import type { Accuracy, Isa } from '../src/index.js';
import { bestIsa, bytesOf, isaMatrix, makeBackend, randomF32, REPACKING_ISAS, rng, run, tensorOn } from './helpers.js';

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

// Experts mapped from a file take the repacked kernels: each expert is repacked into its slot of one
// region (RepackCache::reserve_experts) when first used. Decode steps that pick a few experts, then a
// prefill over all of them (some already repacked, the rest now), against the reference backend.
describe('mapped experts (repacked one by one into one region)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ix-experts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const isas = isaMatrix().filter((i) => REPACKING_ISAS.includes(i.isa));
  const [E, N, K] = [8, 40, 256]; // 40 rows: two and a half 16-row groups per expert
  const cases = isas.flatMap(({ isa, supported }) => (['Q4_0', 'Q4_K', 'Q8_0'] as const).flatMap((dtype) => (['exact', 'fast'] as const).map((accuracy) => ({ isa, supported, dtype, accuracy }))));
  it.each(cases)('$isa $dtype $accuracy', async ({ isa, supported, dtype, accuracy }: { isa: Isa; supported: boolean; dtype: DTypeName; accuracy: Accuracy }) => {
    if (!supported) return;
    const bytes = quantize(dtype, randomF32(E * N * K, rng(11), 0.5));
    const file = path.join(dir, `${isa}-${dtype}-${accuracy}.bin`);
    writeFileSync(file, Buffer.concat([new Uint8Array(4099), bytes])); // an odd offset, as a GGUF's tensors may sit
    const be = makeBackend(isa, accuracy);
    try {
      const mapped = new Tensor([E, N, K], dtype, be.mapFile(file, 4099, bytes.byteLength), 0, 'experts');
      const ref = await referenceBackend.create();
      const inRef = new Tensor([E, N, K], dtype, ref.allocate(bytes.byteLength), 0, 'experts');
      ref.upload(inRef.buffer, 0, bytes);
      // two decode steps (3 experts each, one shared), then 48 tokens of 3 experts: 18 rows per
      // expert, so the many-row kernels
      const prefill = Array.from({ length: 48 }, (_, t) => [t % E, (t + 3) % E, (t + 5) % E]).flat();
      const steps: [number, number[]][] = [[1, [5, 2, 6]], [1, [2, 7, 0]], [48, prefill]];
      for (const [T, ids] of steps) {
        const U = ids.length / T;
        const x = randomF32(T * K, rng(T + ids[0]!), 1);
        const product = (b: Backend, w: Tensor) => run(b, (g) => [g.mulMatId(g.input('x', [T, K]), g.constant(w), g.input('ids', [T, U], 'I32'))], { x, ids: Int32Array.from(ids) });
        const [ours] = await product(be, mapped);
        const [theirs] = await product(ref, inRef);
        expectClose(ours!, theirs!, accuracy === 'exact' ? 2e-5 : 3e-2, `${isa} ${dtype} ${accuracy} T=${T}`);
      }
      ref.dispose();
    } finally {
      be.dispose();
    }
  });
});
