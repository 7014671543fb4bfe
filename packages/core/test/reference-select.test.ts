import { describe, expect, it } from 'vitest';
import { Graph } from '../src/graph.js';
import { run } from './helpers/run-graph.js';

async function select(kind: 'argmax' | number, x: number[], shape: number[]) {
  const g = new Graph();
  const a = g.input('x', shape);
  const y = kind === 'argmax' ? g.argmax(a) : g.topK(a, kind);
  const [out] = await run(g, { x: Float32Array.from(x) }, [y]);
  return { shape: y.shape, values: Array.from(out!) };
}

describe('reference argmax', () => {
  it('per row, first index of the maximum', async () => {
    expect(await select('argmax', [1, 5, 5, 2, -3, -1, -1, -2], [2, 4])).toEqual({ shape: [2], values: [1, 1] });
  });

  it('handles -Infinity and a single column', async () => {
    expect((await select('argmax', [-Infinity, -Infinity, -1e30], [3])).values).toEqual([2]);
    expect((await select('argmax', [7, 8], [2, 1])).values).toEqual([0, 0]);
  });
});

describe('reference top_k', () => {
  it('largest first; equal values in index order', async () => {
    expect(await select(4, [3, 1, 3, 2, 3], [5])).toEqual({ shape: [4], values: [0, 2, 4, 3] });
  });

  it('per row, with negatives and -Infinity', async () => {
    const { shape, values } = await select(2, [-5, -Infinity, -1, -Infinity, 0, -Infinity], [2, 3]);
    expect(shape).toEqual([2, 2]);
    expect(values).toEqual([2, 0, 1, 0]);
  });

  it('k = C sorts the whole row', async () => {
    expect((await select(3, [0.5, 0.25, 0.75], [3])).values).toEqual([2, 0, 1]);
  });
});
