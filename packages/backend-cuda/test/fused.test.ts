import { quantize, type DTypeName } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/**
 * The fused launches (src/plan/fuse.ts) against the reference computing the same nodes one by one:
 * each graph here plans into exactly one launch, which the program's launch count confirms.
 */
const log = errorLog('fused');
afterAll(() => log.print());

const K = 512, N = 96;

describe.skipIf(!hasDevice).each(['exact', 'fast'] as const)(`fused launches on CUDA, %s${skipReason ? ` (${skipReason})` : ''}`, (accuracy) => {
  const be = hasDevice ? makeCuda({ accuracy }) : undefined!;
  afterAll(() => be?.dispose());
  const launchesOf = async (run: () => Promise<unknown>) => {
    const before = be.programStats.launches;
    await run();
    return be.programStats.launches - before;
  };
  const weights = (dtype: DTypeName, seed: number) => ({ shape: [N, K], dtype, bytes: quantize(dtype, randomF32(N * K, rng(seed), 1)) });

  it.each([1, 5, 40])('matmul + residual, %i rows', async (m) => {
    const x = randomF32(m * K, rng(m), 1), r = randomF32(m * N, rng(m + 50), 3);
    let out!: Awaited<ReturnType<typeof runBoth>>;
    const n = await launchesOf(async () => {
      out = await runBoth(be, [weights('Q4_K', 1)], (g, c) => [g.add(g.input('r', [m, N]), g.matmul(g.input('x', [m, K]), c(0)))], { x, r });
    });
    expect(n).toBe(1);
    log.add(`${accuracy} matmul+residual M=${m}`, expectClose(out.ours[0]!, out.ref[0]!, m > 8 && accuracy === 'fast' ? 3e-3 : 2e-6, `M=${m}`));
  });

  it.each([1, 3, 8])('gate, up and swiglu in one matvec, %i rows', async (m) => {
    const x = randomF32(m * K, rng(m + 7), 1);
    let out!: Awaited<ReturnType<typeof runBoth>>;
    const n = await launchesOf(async () => {
      out = await runBoth(be, [weights('Q4_0', 2), weights('Q4_0', 3)], (g, c) => {
        const f = g.input('x', [m, K]);
        return [g.swiglu(g.matmul(f, c(0)), g.matmul(f, c(1)))];
      }, { x });
    });
    expect(n).toBe(1);
    log.add(`${accuracy} glu M=${m}`, expectClose(out.ours[0]!, out.ref[0]!, 2e-6, `M=${m}`));
  });

  it('rms_norm times a weight row, in place of the mul', async () => {
    const x = randomF32(6 * K, rng(9), 4), w = randomF32(K, rng(10), 1);
    let out!: Awaited<ReturnType<typeof runBoth>>;
    const n = await launchesOf(async () => {
      out = await runBoth(be, [{ shape: [K], dtype: 'F32', bytes: new Uint8Array(w.buffer) }], (g, c) => [g.mul(g.rmsNorm(g.input('x', [6, K]), 1e-6), c(0))], { x });
    });
    expect(n).toBe(1);
    log.add(`${accuracy} rms_norm·w`, expectClose(out.ours[0]!, out.ref[0]!, 1e-6, 'rms_norm·w'));
  });
});
