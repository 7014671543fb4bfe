import { f32ToF16Bytes, type Graph, type GraphNode, type HostArray } from '@ix/core';

import { randomF32, rng, type Constant, type GraphBuilder } from './helpers.js';

/**
 * The rope and write_rows → attention problems every backend is checked on (suites/rope-attention.ts
 * under vitest, tools/browser-test's kernel page in a browser): graphs, constants and inputs only,
 * no test framework, so a page can run them too.
 */
export interface Problem {
  constants: Constant[];
  build: GraphBuilder;
  inputs: Record<string, HostArray>;
}

export const ROPE_CASES = (['normal', 'neox'] as const).flatMap((mode) => [false, true].map((withFactors) => ({ mode, withFactors })));

/** rope over 6 tokens x 3 heads x 20 dims, 16 of them rotated, positions up to 300 */
export function ropeProblem({ mode, withFactors }: (typeof ROPE_CASES)[number]): Problem & { x: Float32Array; T: number; H: number; D: number; dims: number } {
  const T = 6, H = 3, D = 20, dims = 16;
  const x = randomF32(T * H * D, rng(1), 2);
  const pos = Int32Array.from([0, 1, 7, 64, 129, 300]);
  const ff = Float32Array.from({ length: dims / 2 }, (_, i) => 1 + i * 0.7);
  const params = { mode, dims, base: 10000, freqScale: 0.5 };
  return {
    x, T, H, D, dims,
    constants: [],
    build: (g: Graph) => [g.rope(g.input('x', [T, H, D]), g.input('pos', [T], 'I32'), params, withFactors ? g.input('ff', [dims / 2]) : undefined)],
    inputs: { x, pos, ...(withFactors ? { ff } : {}) },
  };
}

export const ATTENTION_CASES = [
  { name: 'decode, GQA 6/2, causal, long cache', T: 1, Hq: 6, Hkv: 2, D: 40, S: 300, pos0: 260, causal: true, kvLen: 261 },
  { name: 'prefill over a tile boundary, causal', T: 5, Hq: 4, Hkv: 4, D: 24, S: 140, pos0: 125, causal: true, kvLen: 130 },
  { name: 'not causal, kvLen < cache, wide head', T: 3, Hq: 2, Hkv: 1, D: 200, S: 50, pos0: 10, causal: false, kvLen: 31 },
  { name: 'head dim 512, several key tiles', T: 2, Hq: 2, Hkv: 2, D: 512, S: 400, pos0: 300, causal: true, kvLen: 302 },
  // caches of 512 rows and more: GPU backends may split a head's keys over several blocks
  { name: 'decode over a long cache', T: 1, Hq: 4, Hkv: 2, D: 64, S: 1100, pos0: 1000, causal: true, kvLen: 1001 },
  { name: 'a few queries over a long, mostly empty cache', T: 3, Hq: 2, Hkv: 1, D: 48, S: 2000, pos0: 300, causal: true, kvLen: 303 },
];

/** write T rows into K and V caches at pos0, then attention over them; outputs: attention, K, V (as F32) */
export function attentionProblem({ T, Hq, Hkv, D, S, pos0, causal, kvLen }: (typeof ATTENTION_CASES)[number], cacheType: 'F32' | 'F16'): Problem {
  const toCache = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : new Uint8Array(a.buffer));
  const kc = randomF32(S * Hkv * D, rng(2), 1.5);
  const vc = randomF32(S * Hkv * D, rng(3), 1);
  const q = randomF32(T * Hq * D, rng(4), 1.5);
  const k = randomF32(T * Hkv * D, rng(5), 1.5);
  const v = randomF32(T * Hkv * D, rng(6), 1);
  return {
    constants: [{ shape: [S, Hkv, D], dtype: cacheType, bytes: toCache(kc) }, { shape: [S, Hkv, D], dtype: cacheType, bytes: toCache(vc) }],
    build: (g: Graph, c: (i: number) => GraphNode) => {
      const kw = g.writeRows(c(0), g.input('k', [T, Hkv, D]), pos0);
      const vw = g.writeRows(c(1), g.input('v', [T, Hkv, D]), pos0);
      const a = g.attention(g.input('q', [T, Hq, D]), kw, vw, { pos0, kvLen, scale: 1 / Math.sqrt(D), causal });
      return [a, cacheType === 'F16' ? g.copy(kw, 'F32') : kw, cacheType === 'F16' ? g.copy(vw, 'F32') : vw];
    },
    inputs: { q, k, v },
  };
}
