import { describe, expect, it } from 'vitest';
import { Graph, type GraphNode } from '../src/graph.js';
import { expectClose, run } from './helpers/run-graph.js';

/** run a one-op graph on F32 inputs a (and b) */
async function op(build: (g: Graph, a: GraphNode, b: GraphNode) => GraphNode, a: number[], aShape: number[], b: number[] = [0], bShape: number[] = [1]) {
  const g = new Graph();
  const out = build(g, g.input('a', aShape), g.input('b', bShape));
  const [y] = await run(g, { a: Float32Array.from(a), b: Float32Array.from(b) }, [out]);
  return Array.from(y!);
}

describe('reference add / mul broadcasting', () => {
  it('b of a\'s shape', async () => {
    expect(await op((g, a, b) => g.add(a, b), [1, 2, 3], [3], [10, 20, 30], [3])).toEqual([11, 22, 33]);
  });

  it('b repeated over one leading dim', async () => {
    expect(await op((g, a, b) => g.add(a, b), [1, 2, 3, 4, 5, 6], [2, 3], [10, 20, 30], [3])).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('b of two dims repeated over a third', async () => {
    const a = Array.from({ length: 12 }, (_, i) => i);
    const b = [1, 2, 3, 4, 5, 6];
    const expected = a.map((v, i) => v * b[i % 6]!);
    expect(await op((g, x, y) => g.mul(x, y), a, [2, 2, 3], b, [2, 3])).toEqual(expected);
  });

  it('a [T, D] times a per-channel weight [D] (rms_norm weight)', async () => {
    expect(await op((g, a, b) => g.mul(a, b), [1, 2, 3, 4], [2, 2], [0.5, -1], [2])).toEqual([0.5, -2, 1.5, -4]);
  });
});

describe('reference unary ops', () => {
  it('scale', async () => {
    expect(await op((g, a) => g.scale(a, -0.5), [2, 4, -6], [3])).toEqual([-1, -2, 3]);
  });

  it('silu(x) = x·sigmoid(x)', async () => {
    // sigmoid(1) = 1/(1+e^-1) = 0.7310585786300049, silu(-2) = -2/(1+e^2) = -0.23840584404423515
    expectClose(await op((g, a) => g.silu(a), [0, 1, -2, 20], [4]), [0, 0.7310585786300049, -0.23840584404423515, 20 / (1 + Math.exp(-20))], 1e-7);
  });

  it('gelu is the tanh approximation, not the erf form', async () => {
    const y = await op((g, a) => g.gelu(a), [0, 1, -1, 3], [4]);
    const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectClose(y, [0, tanhGelu(1), tanhGelu(-1), tanhGelu(3)], 1e-7);
    // published values: tanh form gelu(1) = 0.841191990607, exact erf form 0.841344746069
    expect(y[1]).toBeCloseTo(0.841192, 6);
    expect(Math.abs(y[1]! - 0.841344746)).toBeGreaterThan(1e-4);
  });

  it('swiglu(gate, up) = silu(gate)·up', async () => {
    const gate = [1, -2, 0, 3];
    const up = [2, 3, 5, -1];
    const y = await op((g, a, b) => g.swiglu(a, b), gate, [2, 2], up, [2, 2]);
    expectClose(y, gate.map((v, i) => (v / (1 + Math.exp(-v))) * up[i]!), 1e-7);
  });
});

describe('reference softmax', () => {
  const softmax = (xs: number[]) => {
    const e = xs.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };

  it('over the last dim of each row, with scale', async () => {
    const y = await op((g, a) => g.softmax(a, 0.5), [0, 2, 4, 1, 1, 1], [2, 3]);
    expectClose(y, [...softmax([0, 1, 2]), 1 / 3, 1 / 3, 1 / 3], 1e-7);
  });

  it('is numerically stable on large values', async () => {
    const y = await op((g, a) => g.softmax(a), [1000, 1001, 1002, -1e30, 0, 1e30], [2, 3]);
    expectClose(y, [...softmax([0, 1, 2]), 0, 0, 1], 1e-7);
  });

  it('gives -Infinity (masked) entries probability 0', async () => {
    expectClose(await op((g, a) => g.softmax(a), [-Infinity, 0, -Infinity, 0], [4]), [0, 0.5, 0, 0.5], 0);
  });
});
