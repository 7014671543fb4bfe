import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError } from '../src/errors.js';
import { Graph } from '../src/graph.js';

const rope = { mode: 'normal' as const, dims: 4, base: 10000, freqScale: 1 };
const attn = { pos0: 0, kvLen: 4, scale: 1, causal: true };

describe('Graph builder: result shapes', () => {
  it('computes the shape and dtype of each op', () => {
    const g = new Graph();
    const x = g.input('x', [5, 8]);
    const w = g.input('w', [3, 8]);
    expect(g.matmul(x, w).shape).toEqual([5, 3]);
    expect(g.matmul(g.input('x3', [2, 5, 8]), w).shape).toEqual([2, 5, 3]);
    const ids = g.input('ids', [6], 'I32');
    expect(g.getRows(w, ids).shape).toEqual([6, 8]);
    expect(g.concat(x, g.input('y', [5, 2]), 1).shape).toEqual([5, 10]);
    const am = g.argmax(x);
    expect([am.shape, am.dtype]).toEqual([[5], 'I32']);
    expect(g.topK(x, 3).shape).toEqual([5, 3]);
    expect(g.view(x, [4, 2], 32).shape).toEqual([4, 2]);
    const cache = g.input('cache', [10, 2, 4]);
    const wr = g.writeRows(cache, g.input('kv', [3, 2, 4]), 7);
    expect([wr.shape, wr.dtype]).toEqual([[10, 2, 4], 'F32']);
    expect(g.attention(g.input('q', [3, 6, 4]), wr, wr, { ...attn, kvLen: 10 }).shape).toEqual([3, 6, 4]);
    expect(g.copy(x, 'F16').dtype).toBe('F16');
  });
});

describe('Graph builder: mismatches throw ShapeError where they are made', () => {
  const g = new Graph();
  const x = g.input('x', [2, 8]);
  const ids = g.input('ids', [2], 'I32');

  const cases: [string, () => unknown][] = [
    ['matmul K mismatch', () => g.matmul(x, g.input('w', [3, 7]))],
    ['matmul 3-D weight', () => g.matmul(x, g.input('w', [1, 3, 8]))],
    ['matmul I32 activation', () => g.matmul(ids, g.input('w', [3, 2]))],
    ['get_rows 1-D table', () => g.getRows(g.input('t', [8]), ids)],
    ['get_rows F32 ids', () => g.getRows(x, g.input('f', [2]))],
    ['add: b not a suffix of a', () => g.add(x, g.input('b', [2]))],
    ['add: b longer than a', () => g.add(g.input('a', [8]), x)],
    ['mul: I32 b', () => g.mul(g.input('a', [2]), ids)],
    ['swiglu shapes differ', () => g.swiglu(x, g.input('u', [2, 4]))],
    ['rope on 2-D x', () => g.rope(x, ids, rope)],
    ['rope pos length', () => g.rope(g.input('r', [3, 1, 8]), ids, rope)],
    ['rope odd dims', () => g.rope(g.input('r', [2, 1, 8]), ids, { ...rope, dims: 3 })],
    ['rope dims > head dim', () => g.rope(g.input('r', [2, 1, 8]), ids, { ...rope, dims: 10 })],
    ['rope freqFactors length', () => g.rope(g.input('r', [2, 1, 8]), ids, rope, g.input('ff', [4]))],
    ['write_rows past the end', () => g.writeRows(g.input('c', [4, 8]), x, 3)],
    ['write_rows negative row', () => g.writeRows(g.input('c', [4, 8]), x, -1)],
    ['write_rows fractional row', () => g.writeRows(g.input('c', [4, 8]), x, 0.5)],
    ['write_rows row shape', () => g.writeRows(g.input('c', [4, 4]), x, 0)],
    ['write_rows I32 cache', () => g.writeRows(g.input('c', [4, 8], 'I32'), x, 0)],
    ['attention kvLen > cache rows', () => g.attention(g.input('q', [1, 2, 4]), g.input('k', [3, 2, 4]), g.input('v', [3, 2, 4]), attn)],
    ['attention kvLen 0', () => g.attention(g.input('q', [1, 2, 4]), g.input('k', [4, 2, 4]), g.input('v', [4, 2, 4]), { ...attn, kvLen: 0 })],
    ['attention fractional kvLen', () => g.attention(g.input('q', [1, 2, 4]), g.input('k', [4, 2, 4]), g.input('v', [4, 2, 4]), { ...attn, kvLen: 2.5 })],
    ['attention negative pos0', () => g.attention(g.input('q', [1, 2, 4]), g.input('k', [4, 2, 4]), g.input('v', [4, 2, 4]), { ...attn, pos0: -1 })],
    ['attention heads not a multiple', () => g.attention(g.input('q', [1, 3, 4]), g.input('k', [4, 2, 4]), g.input('v', [4, 2, 4]), attn)],
    ['attention head dims differ', () => g.attention(g.input('q', [1, 2, 8]), g.input('k', [4, 2, 4]), g.input('v', [4, 2, 4]), attn)],
    ['attention k and v differ', () => g.attention(g.input('q', [1, 2, 4]), g.input('k', [4, 2, 4]), g.input('v', [5, 2, 4]), attn)],
    ['concat dtypes differ', () => g.concat(x, g.input('i', [2, 8], 'I32'), 0)],
    ['concat off-axis dims differ', () => g.concat(x, g.input('y', [3, 4]), 0)],
    ['concat axis out of range', () => g.concat(x, x, 2)],
    ['copy of an I32 value', () => g.copy(ids, 'F32')],
    ['view past the end', () => g.view(x, [4, 4], 1)],
    ['view of an F16 value', () => g.view(g.copy(x, 'F16'), [16])],
    ['top_k k > C', () => g.topK(x, 9)],
    ['top_k k = 0', () => g.topK(x, 0)],
    ['a negative dimension', () => g.input('bad', [2, -1])],
  ];

  it.each(cases)('%s', (_name, build) => {
    expect(build).toThrow(ShapeError);
  });
});

describe('Graph.reposition', () => {
  const build = () => {
    const g = new Graph();
    const cache = g.input('cache', [8, 2, 4]);
    const k = g.input('k', [2, 2, 4]);
    const w = g.writeRows(cache, k, 0);
    const a = g.attention(g.input('q', [2, 4, 4]), w, w, { pos0: 0, kvLen: 2, scale: 1, causal: true });
    return { g, w, a };
  };

  it('moves write_rows rows and attention positions, leaving the other params', () => {
    const { g, w, a } = build();
    g.reposition(w, { row: 6 });
    g.reposition(a, { pos0: 6, kvLen: 8 });
    expect(w.params).toEqual({ row: 6 });
    expect(a.params).toEqual({ pos0: 6, kvLen: 8, scale: 1, causal: true });
  });

  it('checks the new positions as the builder does', () => {
    const { g, w, a } = build();
    expect(() => g.reposition(w, { row: 7 })).toThrow(ShapeError);
    expect(() => g.reposition(w, { row: -1 })).toThrow(ShapeError);
    expect(() => g.reposition(a, { pos0: 0, kvLen: 9 })).toThrow(ShapeError);
    expect(() => g.reposition(a, { pos0: 1.5, kvLen: 4 })).toThrow(ShapeError);
    expect(w.params).toEqual({ row: 0 });
    const other = build();
    expect(() => g.reposition(other.w, { row: 1 })).toThrow(InvalidArgumentError);
    expect(() => g.reposition(g.node(0) as never, { row: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('Graph builder: misuse', () => {
  it('a node of another graph is InvalidArgumentError', () => {
    const a = new Graph();
    const b = new Graph();
    const x = a.input('x', [2]);
    b.input('y', [2]);
    expect(() => b.silu(x)).toThrow(InvalidArgumentError);
    expect(() => b.node(5)).toThrow(InvalidArgumentError);
  });
});
