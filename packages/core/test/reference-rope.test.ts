import { describe, expect, it } from 'vitest';
import { Graph, type RopeParams } from '../src/graph.js';
import { expectClose, randomValues, run } from './helpers/run-graph.js';

async function rope(x: Float32Array, shape: [number, number, number], pos: number[], params: RopeParams, freqFactors?: number[]) {
  const g = new Graph();
  const ff = freqFactors ? g.input('ff', [freqFactors.length]) : undefined;
  const y = g.rope(g.input('x', shape), g.input('pos', [pos.length], 'I32'), params, ff);
  const inputs = { x, pos: Int32Array.from(pos), ...(freqFactors ? { ff: Float32Array.from(freqFactors) } : {}) };
  const [out] = await run(g, inputs, [y]);
  return Array.from(out!);
}

/** (re + i·im) · e^{iθ}, as complex multiplication */
function turn(re: number, im: number, theta: number): [number, number] {
  const [c, s] = [Math.cos(theta), Math.sin(theta)];
  return [re * c - im * s, re * s + im * c];
}

/** Truth: each pair (re, im) of a head, picked per mode, multiplied by e^{iθ_i}; the rest unchanged. */
function expected(x: Float32Array, [t, h, d]: [number, number, number], pos: number[], p: RopeParams, ff?: number[]): number[] {
  const out = Array.from(x);
  const half = p.dims / 2;
  for (let ti = 0; ti < t; ti++) {
    for (let hi = 0; hi < h; hi++) {
      const o = (ti * h + hi) * d;
      for (let i = 0; i < half; i++) {
        const theta = (pos[ti]! * p.freqScale) / p.base ** ((2 * i) / p.dims) / (ff?.[i] ?? 1);
        const [re, im] = p.mode === 'normal' ? [o + 2 * i, o + 2 * i + 1] : [o + i, o + i + half];
        [out[re], out[im]] = turn(x[re]!, x[im]!, theta);
      }
    }
  }
  return out;
}

describe('reference rope', () => {
  it('hand values: pair 0 turns by pos, pair 1 by pos/sqrt(base); elements past dims pass through', async () => {
    const x = Float32Array.from([1, 0, 1, 0, 7, 8]);
    const y = await rope(x, [1, 1, 6], [1], { mode: 'normal', dims: 4, base: 10000, freqScale: 1 });
    expectClose(y, [Math.cos(1), Math.sin(1), Math.cos(0.01), Math.sin(0.01), 7, 8], 1e-7);
    const n = await rope(x, [1, 1, 6], [1], { mode: 'neox', dims: 4, base: 10000, freqScale: 1 });
    // neox pairs (0, 2) and (1, 3): (1 + 1i)·e^{i} and (0 + 0i)·e^{0.01i}
    expectClose(n, [Math.cos(1) - Math.sin(1), 0, Math.sin(1) + Math.cos(1), 0, 7, 8], 1e-7);
  });

  for (const mode of ['normal', 'neox'] as const) {
    it(`${mode}: matches complex rotation with freqScale, freqFactors and partial dims`, async () => {
      const shape: [number, number, number] = [3, 2, 8];
      const x = randomValues(48, mode === 'normal' ? 3 : 4);
      const pos = [0, 5, 17];
      const params: RopeParams = { mode, dims: 6, base: 10000, freqScale: 0.5 };
      const ff = [1, 2, 4];
      const y = await rope(x, shape, pos, params, ff);
      expectClose(y, expected(x, shape, pos, params, ff), 1e-6);
      // position 0 is the identity
      expect(y.slice(0, 16)).toEqual(Array.from(x.subarray(0, 16)));
    });
  }

  it('neox on x equals normal on x with each head interleaved (first half, second half)', async () => {
    const shape: [number, number, number] = [2, 1, 4];
    const x = randomValues(8, 9);
    const interleave = (v: ArrayLike<number>) => [v[0]!, v[2]!, v[1]!, v[3]!, v[4]!, v[6]!, v[5]!, v[7]!];
    const p = { dims: 4, base: 500, freqScale: 1 };
    const neox = await rope(x, shape, [3, 11], { mode: 'neox', ...p });
    const normal = await rope(Float32Array.from(interleave(x)), shape, [3, 11], { mode: 'normal', ...p });
    expect(interleave(neox)).toEqual(normal);
  });
});
