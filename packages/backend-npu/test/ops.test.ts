import { Executor, Graph } from '@ix/core';
import { opsSuite } from '@ix/kernel-testing';
import { afterAll, describe, expect, it } from 'vitest';

import { device as be, errorLog, expectClose, hasDevice, randomF32, rng, skipReason, variants } from './helpers.js';

/**
 * The elementwise, normalisation, selection and data-movement ops lowered to ONNX against the
 * reference (the shared suite; both lowerings), and a split made into a session once.
 */
const log = errorLog('ops');
afterAll(() => log.print());
afterAll(() => variants.forEach(([, b]) => b.dispose()));

// ONNX's TopK leaves NaN's place open
opsSuite({ label: 'ONNX Runtime', hasDevice, skipReason, variants, log, nanInTopK: false });

describe.skipIf(!hasDevice)(`sessions on ONNX Runtime${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('a split is lowered and made into a session once, then replayed', async () => {
    const g = new Graph();
    const x = g.input('x', [3, 33]);
    const y = g.rmsNorm(g.add(x, x), 1e-5);
    const exec = new Executor(be);
    const before = be.sessionsCreated;
    for (let i = 0; i < 3; i++) await exec.run(g, { x: randomF32(99, rng(i)) }, [y]);
    expect(be.sessionsCreated - before).toBe(1);
    const [again] = await exec.run(g, { x: Float32Array.from({ length: 99 }, () => 1) }, [y]);
    expectClose(again!, new Float32Array(99).fill(1), 2e-6, 'replayed');
  });
});
