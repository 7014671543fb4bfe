import { describe, expect, it } from 'vitest';
import { Graph, type GraphNode } from '../src/graph.js';
import { expectClose, run } from './helpers/run-graph.js';

/** run a one-op graph on an F32 input */
async function op(build: (g: Graph, x: GraphNode) => GraphNode, x: number[], shape: number[]): Promise<{ y: number[]; shape: readonly number[] }> {
  const g = new Graph();
  const out = build(g, g.input('x', shape));
  const [y] = await run(g, { x: Float32Array.from(x) }, [out]);
  return { y: Array.from(y!), shape: out.shape };
}

describe('reference row ops (Gemma 3n)', () => {
  it('sum_rows: one sum per row, the row dimension kept as 1', async () => {
    const r = await op((g, x) => g.sumRows(x), [1, 2, 3, -4, 0.5, 0.25], [2, 3]);
    expect(r.shape).toEqual([2, 1]);
    expect(r.y).toEqual([6, -3.25]);
  });

  it('sqrt elementwise', async () => {
    expect((await op((g, x) => g.sqrt(x), [0, 1, 2.25, 16], [4])).y).toEqual([0, 1, 1.5, 4]);
  });

  it('slice: the same columns of every row', async () => {
    const r = await op((g, x) => g.slice(x, 1, 2), [1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    expect(r.shape).toEqual([2, 2]);
    expect(r.y).toEqual([2, 3, 6, 7]);
    const g = new Graph();
    expect(() => g.slice(g.input('x', [2, 4]), 3, 2)).toThrow(/not inside rows of 4/);
  });

  it('gaussian_top_k: what is above mean + k·(sample std) of its row, shifted down by it', async () => {
    // row 1: mean 2.5, sample std sqrt(5/3); row 2: constant (std 0), nothing above the mean
    const r = await op((g, x) => g.gaussianTopK(x, 1), [1, 2, 3, 4, 7, 7, 7, 7], [2, 4]);
    const cutoff = 2.5 + Math.sqrt(5 / 3);
    expectClose(r.y, [0, 0, 0, 4 - cutoff, 0, 0, 0, 0]);
    // Gemma 3n's multiplier: the normal distribution's 95% quantile
    const xs = Array.from({ length: 40 }, (_, i) => (i === 7 ? 4 : i === 30 ? 2.5 : Math.sin(i * 1.7)));
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const k = 1.6448533535003662;
    const y = (await op((g, x) => g.gaussianTopK(x, k), xs, [40])).y;
    expectClose(y, xs.map((v) => Math.max(0, v - (mean + k * std))));
    expect(y.filter((v) => v > 0)).toHaveLength(2);
  });
});
