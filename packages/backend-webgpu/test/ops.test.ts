import { opsSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { device as be, errorLog, expectClose, hasDevice, randomF32, rng, skipReason, variants } from './helpers.js';

/** The elementwise, normalisation, selection and data-movement kernels against the reference (the shared suite), and program replay. */
const log = errorLog('ops');
afterAll(() => log.print());
afterAll(() => variants.forEach(([, b]) => b.dispose()));

opsSuite({ label: 'WebGPU', hasDevice, skipReason, variants, log });

describe.skipIf(!hasDevice)(`programs on WebGPU${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('a split is made into a program once and replayed', async () => {
    const { Executor, Graph } = await import('@ix/core');
    const g = new Graph();
    const x = g.input('x', [3, 33]);
    const y = g.rmsNorm(g.add(x, x), 1e-5);
    const exec = new Executor(be);
    const before = be.pipelinesCompiled;
    for (let i = 0; i < 3; i++) await exec.run(g, { x: randomF32(99, rng(i)) }, [y]);
    expect(be.pipelinesCompiled - before).toBeLessThanOrEqual(2); // add and rms_norm, compiled on the first run only
    const [again] = await exec.run(g, { x: Float32Array.from({ length: 99 }, () => 1) }, [y]);
    expectClose(again!, new Float32Array(99).fill(1), 2e-6, 'replayed');
  });
});
