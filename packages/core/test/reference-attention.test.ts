import { describe, expect, it } from 'vitest';
import type { DTypeName } from '../src/dtype.js';
import { Graph, type OpParams } from '../src/graph.js';
import { f16ToF32, f32ToF16 } from '../src/quant/index.js';
import { ReferenceBackend } from '../src/reference/index.js';
import { constantBytes, expectClose, f16Bytes, f32Bytes, randomValues, run } from './helpers/run-graph.js';

const ref = new ReferenceBackend();

interface Case {
  q: Float32Array;
  k: ArrayLike<number>;
  v: ArrayLike<number>;
  t: number;
  hq: number;
  s: number;
  hkv: number;
  d: number;
  params: OpParams['attention'];
  cache?: DTypeName;
}

async function attention(c: Case): Promise<number[]> {
  const g = new Graph();
  const kvShape = [c.s, c.hkv, c.d];
  const bytes = c.cache === 'F16' ? f16Bytes : f32Bytes;
  const cache = c.cache ?? 'F32';
  const k = g.constant(constantBytes(ref, kvShape, cache, bytes(c.k)));
  const v = g.constant(constantBytes(ref, kvShape, cache, bytes(c.v)));
  const y = g.attention(g.input('q', [c.t, c.hq, c.d]), k, v, c.params);
  const [out] = await run(g, { q: c.q }, [y]);
  return Array.from(out!);
}

/** Truth: the full masked score matrix (-Infinity where hidden), a plain softmax, then probabilities · v. */
function naiveAttention(c: Case): number[] {
  const { t, hq, s, hkv, d } = c;
  const { pos0, kvLen, scale, causal, softcap, window } = c.params;
  const out: number[] = [];
  for (let ti = 0; ti < t; ti++) {
    for (let h = 0; h < hq; h++) {
      const g = Math.floor((h * hkv) / hq);
      const at = (j: number, i: number) => (j * hkv + g) * d + i;
      const scores = Array.from({ length: s }, (_, j) => {
        // windows: causal ones hide keys `window` or more behind; others keys beyond window / 2 either side (llama.cpp's is_masked_swa)
        const hidden = window && (causal ? pos0 + ti - j >= window : Math.abs(j - (pos0 + ti)) > Math.floor(window / 2));
        if (j >= kvLen || (causal && j > pos0 + ti) || hidden) return -Infinity;
        let sum = 0;
        for (let i = 0; i < d; i++) sum += c.q[(ti * hq + h) * d + i]! * c.k[at(j, i)]!;
        return softcap ? softcap * Math.tanh((sum * scale) / softcap) : sum * scale;
      });
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const total = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let j = 0; j < s; j++) if (e[j]! > 0) acc += (e[j]! / total) * c.v[at(j, i)]!;
        out.push(acc);
      }
    }
  }
  return out;
}

describe('reference attention', () => {
  it('hand values: a zero query averages the visible values (GQA, causal, pos0, kvLen; hidden rows are NaN)', async () => {
    const [s, hkv, d] = [5, 2, 2];
    const v = new Float32Array(s * hkv * d);
    for (let j = 0; j < s; j++) for (let g = 0; g < hkv; g++) v.set(j < 4 ? [10 * j + g, -j] : [NaN, NaN], (j * hkv + g) * d);
    const k = v.map((x) => (Number.isNaN(x) ? NaN : 0.3 * x));
    const y = await attention({ q: new Float32Array(2 * 4 * d), k, v, t: 2, hq: 4, s, hkv, d, params: { pos0: 2, kvLen: 4, scale: 1, causal: true } });
    // query 0 (position 2) sees rows 0..2: mean [10 + g, -1]; query 1 (position 3) sees rows 0..3: mean [15 + g, -1.5]
    // query heads 0, 1 read kv head 0; heads 2, 3 read kv head 1
    expectClose(y, [10, -1, 10, -1, 11, -1, 11, -1, 15, -1.5, 15, -1.5, 16, -1.5, 16, -1.5], 1e-6);
  });

  it('one visible key returns its value exactly', async () => {
    const y = await attention({ q: Float32Array.from([3, -4]), k: [1, 2, 9, 9], v: [5, 6, 7, 8], t: 1, hq: 1, s: 2, hkv: 1, d: 2, params: { pos0: 0, kvLen: 2, scale: 1, causal: true } });
    expect(y).toEqual([5, 6]);
  });

  const sizes = { t: 3, hq: 6, s: 8, hkv: 2, d: 4 };
  for (const causal of [true, false]) {
    it(`matches the masked-matrix formula (${causal ? 'causal' : 'not causal'}, 3 query heads per kv head)`, async () => {
      const c: Case = {
        ...sizes,
        q: randomValues(3 * 6 * 4, 21),
        k: randomValues(8 * 2 * 4, 22),
        v: randomValues(8 * 2 * 4, 23),
        params: { pos0: 2, kvLen: 6, scale: 0.5, causal },
      };
      expectClose(await attention(c), naiveAttention(c), 1e-6);
    });
  }

  it('soft-capped scores and a sliding window (Gemma 2): the masked-matrix formula', async () => {
    const c: Case = { ...sizes, q: randomValues(72, 41), k: randomValues(64, 42), v: randomValues(64, 43), params: { pos0: 4, kvLen: 7, scale: 2, causal: true, softcap: 0.7, window: 3 } };
    expectClose(await attention(c), naiveAttention(c), 1e-6);
  });

  it('a window of 1 sees only its own position', async () => {
    const y = await attention({ q: Float32Array.from([3, -4, 1, 1]), k: [1, 2, 9, 9], v: [5, 6, 7, 8], t: 2, hq: 1, s: 2, hkv: 1, d: 2, params: { pos0: 0, kvLen: 2, scale: 1, causal: true, window: 1 } });
    expect(y).toEqual([5, 6, 7, 8]);
  });

  it.each([2, 3, 5, 16])('a symmetric window of %i on non-causal attention (EmbeddingGemma): the masked-matrix formula', async (window) => {
    const c: Case = { ...sizes, q: randomValues(72, 51), k: randomValues(64, 52), v: randomValues(64, 53), params: { pos0: 1, kvLen: 8, scale: 0.5, causal: false, window } };
    expectClose(await attention(c), naiveAttention(c), 1e-6);
  });

  it('a symmetric window of 2 sees one key either side', async () => {
    const y = await attention({ q: Float32Array.from([0, 0, 0]), k: [1, 1, 1], v: [3, 6, 9], t: 3, hq: 1, s: 3, hkv: 1, d: 1, params: { pos0: 0, kvLen: 3, scale: 1, causal: false, window: 2 } });
    // equal scores: each output is the mean of the values it sees
    expect(y).toEqual([4.5, 6, 7.5]);
  });

  it('refuses a window that is not a positive integer, and a non-positive cap', () => {
    const g = new Graph();
    const q = g.input('q', [1, 1, 2]);
    const k = g.input('k', [2, 1, 2]);
    expect(() => g.attention(q, k, k, { pos0: 0, kvLen: 2, scale: 1, causal: false, window: 0 })).toThrow(/window/);
    expect(() => g.attention(q, k, k, { pos0: 0, kvLen: 2, scale: 1, causal: true, window: 2.5 })).toThrow(/window/);
    expect(() => g.attention(q, k, k, { pos0: 0, kvLen: 2, scale: 1, causal: true, softcap: 0 })).toThrow(/softcap/);
    expect(() => g.softcap(q, -1)).toThrow(/cap/);
  });

  it('F16 caches read as their f16 values', async () => {
    const c: Case = { ...sizes, q: randomValues(72, 31), k: randomValues(64, 32), v: randomValues(64, 33), params: { pos0: 0, kvLen: 8, scale: 0.5, causal: true } };
    const f16 = (a: ArrayLike<number>) => Array.from(a, (x) => f16ToF32(f32ToF16(x)));
    expectClose(await attention({ ...c, cache: 'F16' }), naiveAttention({ ...c, k: f16(c.k), v: f16(c.v) }), 1e-6);
  });

  it('large scores stay finite (softmax subtracts the maximum)', async () => {
    const y = await attention({ q: Float32Array.from([100, 0]), k: [100, 0, 99, 0], v: [1, 0, 0, 1], t: 1, hq: 1, s: 2, hkv: 1, d: 2, params: { pos0: 1, kvLen: 2, scale: 1, causal: true } });
    // scores 10000 and 9900: weights 1/(1+e^-100) and e^-100/(1+e^-100)
    expectClose(y, [1, Math.exp(-100)], 1e-12);
  });
});
