import { describe, expect, it } from 'vitest';
import type { DTypeName } from '../src/dtype.js';
import { InvalidArgumentError, ShapeError } from '../src/errors.js';
import { Graph } from '../src/graph.js';
import { quantize } from '../src/quant/index.js';
import { ReferenceBackend } from '../src/reference/index.js';
import { tensorByteSize } from '../src/tensor.js';
import { constantBytes, expectClose, f32Bytes, randomValues, run } from './helpers/run-graph.js';

const ref = new ReferenceBackend();

/**
 * mul_mat_id against its definition: for every slot (t, j), the plain matmul of that slot's row by
 * expert ids[t, j]'s matrix, given to matmul as a 2-D constant of its own.
 */
describe('mul_mat_id', () => {
  const [E, N, K, T, U] = [5, 7, 256, 6, 3];
  const ids = Int32Array.from({ length: T * U }, (_, s) => (s * 7 + Math.floor(s / U)) % E);

  it.each(['F32', 'F16', 'Q8_0', 'Q4_K'] as DTypeName[])('%s experts, shared and per-slot rows: each slot is its expert\'s matmul', async (dtype) => {
    const bytes = quantize(dtype, randomValues(E * N * K, 3));
    const perExpert = tensorByteSize([N, K], dtype);
    const x = randomValues(T * K, 4);
    const xs = randomValues(T * U * K, 5);
    const g = new Graph();
    const w = g.constant(constantBytes(ref, [E, N, K], dtype, bytes));
    const idsIn = g.input('ids', [T, U], 'I32');
    const shared = g.mulMatId(g.input('x', [T, K]), w, idsIn);
    const slots = g.mulMatId(g.input('xs', [T, U, K]), w, idsIn);
    expect(shared.shape).toEqual([T, U, N]);
    const [a, b] = await run(g, { x, xs, ids }, [shared, slots]);

    for (let s = 0; s < T * U; s++) {
      const e = ids[s]!;
      const h = new Graph();
      const we = h.constant(constantBytes(ref, [N, K], dtype, bytes.slice(e * perExpert, (e + 1) * perExpert)));
      const [one, own] = await run(h, { x: x.slice(Math.floor(s / U) * K, (Math.floor(s / U) + 1) * K), xs: xs.slice(s * K, (s + 1) * K) }, [
        h.matmul(h.input('x', [1, K]), we),
        h.matmul(h.input('xs', [1, K]), we),
      ]);
      expect(Array.from(a!.slice(s * N, (s + 1) * N))).toEqual(Array.from(one!));
      expect(Array.from(b!.slice(s * N, (s + 1) * N))).toEqual(Array.from(own!));
    }
  });

  it('refuses ids outside the experts and shapes that do not fit', async () => {
    const g = new Graph();
    const w = g.constant(constantBytes(ref, [E, N, K], 'F32', f32Bytes(randomValues(E * N * K, 1))));
    const y = g.mulMatId(g.input('x', [1, K]), w, g.input('ids', [1, 2], 'I32'));
    await expect(run(g, { x: randomValues(K, 2), ids: Int32Array.from([1, E]) }, [y])).rejects.toThrow(InvalidArgumentError);
    await expect(run(g, { x: randomValues(K, 2), ids: Int32Array.from([-1, 0]) }, [y])).rejects.toThrow(/outside/);
    expect(() => g.mulMatId(g.input('x2', [2, K]), w, g.input('ids2', [1, 2], 'I32'))).toThrow(ShapeError);
    expect(() => g.mulMatId(g.input('x3', [1, 3, K]), w, g.input('ids3', [1, 2], 'I32'))).toThrow(ShapeError);
    expect(() => g.mulMatId(g.input('x4', [1, K]), g.input('w4', [N, K]), g.input('ids4', [1, 2], 'I32'))).toThrow(ShapeError);
  });
});

describe('gather, weighted_sum, sigmoid', () => {
  it('gather picks each row\'s entries by index, in the order of the ids', async () => {
    const g = new Graph();
    const x = randomValues(3 * 6, 7);
    const ids = Int32Array.from([5, 0, 2, 2, 1, 4]);
    const [y] = await run(g, { x, ids }, [g.gather(g.input('x', [3, 6]), g.input('ids', [3, 2], 'I32'))]);
    expect(Array.from(y!)).toEqual([x[5], x[0], x[6 + 2], x[6 + 2], x[12 + 1], x[12 + 4]]);
    const bad = new Graph();
    const out = bad.gather(bad.input('x', [1, 6]), bad.input('ids', [1, 1], 'I32'));
    await expect(run(bad, { x: x.slice(0, 6), ids: Int32Array.from([6]) }, [out])).rejects.toThrow(/outside/);
  });

  it('weighted_sum mixes each token\'s rows by its weights', async () => {
    const [T, U, N] = [2, 3, 5];
    const x = randomValues(T * U * N, 8);
    const w = randomValues(T * U, 9);
    const g = new Graph();
    const [y] = await run(g, { x, w }, [g.weightedSum(g.input('x', [T, U, N]), g.input('w', [T, U]))]);
    const want = Array.from({ length: T * N }, (_, i) => {
      const [t, n] = [Math.floor(i / N), i % N];
      let s = 0;
      for (let j = 0; j < U; j++) s += w[t * U + j]! * x[(t * U + j) * N + n]!;
      return s;
    });
    expectClose(y!, want, 1e-6);
    expect(() => g.weightedSum(g.input('a', [T, U, N]), g.input('b', [T, U + 1]))).toThrow(ShapeError);
  });

  it('sigmoid is 1 / (1 + e^-x), saturating without NaN', async () => {
    const x = Float32Array.from([0, 1, -1, 5, -30, 100, -100]);
    const g = new Graph();
    const [y] = await run(g, { x }, [g.sigmoid(g.input('x', [x.length]))]);
    expectClose(y!, Array.from(x, (v) => 1 / (1 + Math.exp(-v))), 1e-7);
  });
});
