import { describe, expect, it } from 'vitest';
import { Graph, yarnCorrDims, type RopeParams } from '../src/graph.js';
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

describe('rope with YaRN scaling', () => {
  /** Truth: transformers' _compute_yarn_parameters (inv_freq blended by a linear ramp, attention_factor on cos and sin). */
  function hfYarn(x: Float32Array, pos: number[], heads: number, headDim: number, dims: number, base: number, factor: number, originalContext: number): number[] {
    const corr = (rot: number) => (dims * Math.log(originalContext / (rot * 2 * Math.PI))) / (2 * Math.log(base));
    let low = Math.max(Math.floor(corr(32)), 0);
    let high = Math.min(Math.ceil(corr(1)), dims - 1);
    if (low === high) high += 0.001;
    const invFreq = Array.from({ length: dims / 2 }, (_, i) => {
      const extrap = 1 / base ** ((2 * i) / dims);
      const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
      const extrapFactor = 1 - ramp;
      return (extrap / factor) * (1 - extrapFactor) + extrap * extrapFactor;
    });
    const attention = 0.1 * Math.log(factor) + 1;
    const out = Array.from(x);
    pos.forEach((p, t) => {
      for (let h = 0; h < heads; h++) {
        const o = (t * heads + h) * headDim;
        for (let i = 0; i < dims / 2; i++) {
          const c = Math.cos(p * invFreq[i]!) * attention, s = Math.sin(p * invFreq[i]!) * attention;
          const [a, b] = [o + i, o + i + dims / 2];
          out[a] = x[a]! * c - x[b]! * s;
          out[b] = x[a]! * s + x[b]! * c;
        }
      }
    });
    return out;
  }

  it('matches transformers\' YaRN (neox, factor 4 over an original context of 512) with ext 1 and attnFactor 1', async () => {
    const [T, H, D] = [4, 2, 64];
    const x = randomValues(T * H * D, 12);
    const pos = [0, 7, 300, 2000];
    const base = 10000, factor = 4, original = 512;
    const g = new Graph();
    const y = g.rope(g.input('x', [T, H, D]), g.input('pos', [T], 'I32'), {
      mode: 'neox', dims: D, base, freqScale: 1 / factor,
      yarn: { extFactor: 1, attnFactor: 1, corrDims: yarnCorrDims(D, original, base, 32, 1) },
    });
    const [out] = await run(g, { x, pos: Int32Array.from(pos) }, [y]);
    expectClose(out!, hfYarn(x, pos, H, D, D, base, factor, original), 2e-5);
    // and differs from plain linear scaling (the ramp keeps high-frequency pairs unscaled)
    const lin = new Graph();
    const [plain] = await run(lin, { x, pos: Int32Array.from(pos) }, [lin.rope(lin.input('x', [T, H, D]), lin.input('pos', [T], 'I32'), { mode: 'neox', dims: D, base, freqScale: 1 / factor })]);
    expect(Math.max(...Array.from(out!, (v, i) => Math.abs(v - plain![i]!)))).toBeGreaterThan(0.1);
  });

  it('refuses non-finite YaRN parameters', () => {
    const g = new Graph();
    expect(() => g.rope(g.input('x', [1, 1, 8]), g.input('pos', [1], 'I32'), { mode: 'normal', dims: 8, base: 1e4, freqScale: 0.5, yarn: { extFactor: NaN, attnFactor: 1, corrDims: [0, 3] } })).toThrow(/finite/);
  });
});
