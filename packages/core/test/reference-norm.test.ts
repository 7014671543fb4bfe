import { describe, it } from 'vitest';
import { Graph } from '../src/graph.js';
import { expectClose, run } from './helpers/run-graph.js';

async function norm(kind: 'rms' | 'layer', x: number[], shape: number[], eps: number) {
  const g = new Graph();
  const a = g.input('x', shape);
  const y = kind === 'rms' ? g.rmsNorm(a, eps) : g.layerNorm(a, eps);
  const [out] = await run(g, { x: Float32Array.from(x) }, [y]);
  return Array.from(out!);
}

describe('reference rms_norm', () => {
  it('x / sqrt(mean(x²) + eps), per row', async () => {
    // row 0: mean(x²) = 30/4 = 7.5; row 1: mean(x²) = 4
    const eps = 1e-5;
    const y = await norm('rms', [1, 2, 3, 4, 2, -2, 2, -2], [2, 4], eps);
    const r0 = Math.sqrt(7.5 + eps);
    const r1 = Math.sqrt(4 + eps);
    expectClose(y, [1 / r0, 2 / r0, 3 / r0, 4 / r0, 2 / r1, -2 / r1, 2 / r1, -2 / r1], 1e-7);
  });

  it('eps dominates a zero row instead of dividing by zero', async () => {
    expectClose(await norm('rms', [0, 0], [2], 1e-6), [0, 0], 0);
  });
});

describe('reference layer_norm', () => {
  it('(x - mean) / sqrt(var + eps) with the population variance', async () => {
    // mean 2.5, var = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    const eps = 1e-5;
    const s = Math.sqrt(1.25 + eps);
    expectClose(await norm('layer', [1, 2, 3, 4], [1, 4], eps), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], 1e-7);
  });

  it('is exact for rows far from zero (sums in float64)', async () => {
    // a row 1e4 + {1, 2, 3, 4}: same normalised values as {1, 2, 3, 4}
    const s = Math.sqrt(1.25);
    expectClose(await norm('layer', [10001, 10002, 10003, 10004], [4], 0), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], 1e-6);
  });
});
