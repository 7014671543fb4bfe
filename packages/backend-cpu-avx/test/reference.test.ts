import { Executor, f32ToF16Bytes, Graph, quantize, ReferenceBackend, type Backend, type DTypeName, type GraphNode, type HostArray, type Tensor } from '@ix/core';
import { describe, expect, it } from 'vitest';

import type { Accuracy } from '../src/index.js';
import { bytesOf, isaMatrix, makeBackend, randomF32, rng, tensorOn } from './helpers.js';

/**
 * A Llama-style layer with every op, run as prefill (5 tokens) then one decode step on cpu-avx and
 * on @ix/core's ReferenceBackend, compared output by output. Weights use several quantized types,
 * the KV cache is F16.
 * Tolerance, relative to the largest |reference| value of each output: exact mode 1e-4 (f32 sums
 * against f64 through norms, softmax and five matmuls); fast mode 5e-2, a sanity bound: 8-bit
 * activations cost about 4e-3 relative RMS per matmul (bounded exactly in matmul.test.ts), the max
 * error is a few times that, five matmuls are chained and softmax amplifies logit errors
 * (measured worst: 2.8e-2, the single-token softmax).
 */
const [V, E, HQ, HKV, D, F, S] = [67, 256, 4, 2, 64, 96, 16];

interface Weights {
  [name: string]: { shape: number[]; dtype: DTypeName; bytes: Uint8Array };
}

function makeWeights(): Weights {
  const r = rng(99);
  const q = (name: string, shape: number[], dtype: DTypeName, scale = 1) => {
    const f = randomF32(shape[0]! * (shape[1] ?? 1), r, scale);
    return [name, { shape, dtype, bytes: quantize(dtype, f) }] as const;
  };
  const norm = (name: string) => [name, { shape: [E], dtype: 'F32' as DTypeName, bytes: bytesOf(Float32Array.from({ length: E }, () => 0.5 + r())) }] as const;
  return Object.fromEntries([
    q('tok', [V, E], 'Q8_0'), norm('attnNorm'), q('wq', [HQ * D, E], 'Q4_K', 0.1), q('wk', [HKV * D, E], 'Q3_K', 0.1),
    q('wv', [HKV * D, E], 'Q2_K'), q('wo', [E, HQ * D], 'Q5_K', 0.1), norm('ffnNorm'), q('w1', [F, E], 'Q4_0', 0.1),
    q('w3', [F, E], 'IQ4_XS', 0.1), q('w2', [E, F], 'Q5_1', 0.1), norm('outNorm'), q('out', [V, E], 'Q6_K', 0.1),
    q('wb', [8, E], 'BF16'), q('wn', [8, E], 'IQ4_NL'), q('w41', [8, E], 'Q4_1'), q('w50', [8, E], 'Q5_0'), q('wf', [8, E], 'F16'),
    ['ropeFreqs', { shape: [D / 2], dtype: 'F32', bytes: bytesOf(Float32Array.from({ length: D / 2 }, (_, i) => 1 + i / 8)) }],
  ]);
}

function layer(g: Graph, w: Record<string, GraphNode>, cache: { k: GraphNode; v: GraphNode }, pos0: number, T: number): GraphNode[] {
  const tokens = g.input('tokens', [T], 'I32');
  const pos = g.input('pos', [T], 'I32');
  const x = g.getRows(w.tok!, tokens);
  const h = g.mul(g.rmsNorm(x, 1e-5), w.attnNorm!);
  const q = g.rope(g.view(g.matmul(h, w.wq!), [T, HQ, D]), pos, { mode: 'neox', dims: D, base: 10000, freqScale: 1 }, w.ropeFreqs);
  const k = g.rope(g.view(g.matmul(h, w.wk!), [T, HKV, D]), pos, { mode: 'normal', dims: D / 2, base: 10000, freqScale: 0.5 });
  const v = g.view(g.matmul(h, w.wv!), [T, HKV, D]);
  const kc = g.writeRows(cache.k, k, pos0);
  const vc = g.writeRows(cache.v, v, pos0);
  const att = g.view(g.attention(q, kc, vc, { pos0, kvLen: pos0 + T, scale: 1 / Math.sqrt(D), causal: true }), [T, HQ * D]);
  const x1 = g.add(x, g.matmul(att, w.wo!));
  const h2 = g.mul(g.rmsNorm(x1, 1e-5), w.ffnNorm!);
  const x2 = g.add(x1, g.matmul(g.swiglu(g.matmul(h2, w.w1!), g.matmul(h2, w.w3!)), w.w2!));
  const hn = g.mul(g.rmsNorm(x2, 1e-5), w.outNorm!);
  const logits = g.matmul(hn, w.out!);
  const side = g.concat(g.concat(g.matmul(hn, w.wb!), g.matmul(hn, w.wn!), 1), g.concat(g.matmul(hn, w.w41!), g.matmul(hn, w.w50!), 1), 1);
  return [
    logits, g.softmax(g.scale(logits, 0.5), 2), g.gelu(g.layerNorm(x2, 1e-5)), g.silu(side), g.copy(g.copy(g.matmul(hn, w.wf!), 'F16'), 'F32'),
    g.argmax(logits), g.topK(logits, 5),
  ];
}

/** The weights and F16 KV caches on `home`, and the layer's graph at pos0 for T tokens over them. */
function layerOn(home: Backend, weights: Weights) {
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(weights)) tensors[name] = tensorOn(home, t.shape, t.dtype, t.bytes, name);
  const zeros = f32ToF16Bytes(new Float32Array(S * HKV * D));
  const cache = { k: tensorOn(home, [S, HKV, D], 'F16', zeros, 'k'), v: tensorOn(home, [S, HKV, D], 'F16', zeros, 'v') };
  return (pos0: number, T: number) => {
    const g = new Graph();
    const w = Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, g.constant(t)]));
    return { g, outs: layer(g, w, { k: g.constant(cache.k), v: g.constant(cache.v) }, pos0, T) };
  };
}

/** Both steps (prefill 5, decode 1) on `backend` (with `fallbacks`); the caches and weights live on `home`. */
async function runSteps(home: Backend, backend: Backend, fallbacks: Backend[], weights: Weights): Promise<HostArray[][]> {
  const build = layerOn(home, weights);
  const exec = new Executor(backend, fallbacks);
  const results: HostArray[][] = [];
  for (const [pos0, toks] of [[0, [3, 60, 7, 7, 41]], [5, [12]]] as const) {
    const { g, outs } = build(pos0, toks.length);
    results.push(await exec.run(g, { tokens: Int32Array.from(toks), pos: Int32Array.from(toks, (_, i) => pos0 + i) }, outs));
  }
  return results;
}

const NUMERIC = ['logits', 'softmax', 'gelu(layer_norm)', 'silu(concat)', 'copy F16'];

function compare(ours: HostArray[][], ref: HostArray[][], tol: number, exactSelection: boolean): number {
  let worst = 0;
  ours.forEach((step, s) => {
    NUMERIC.forEach((name, o) => {
      const a = step[o]!, b = ref[s]![o]!;
      expect(a.length).toBe(b.length);
      let scale = 0;
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      let err = 0;
      for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
      if (process.env.IX_TEST_VERBOSE) console.log(`step ${s} ${name}: ${(err / scale).toExponential(2)}`);
      expect(err / scale, `step ${s} ${name}`).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, err / scale);
    });
    if (exactSelection) {
      expect([...step[5]!], `step ${s} argmax`).toEqual([...ref[s]![5]!]);
      expect([...step[6]!], `step ${s} top_k`).toEqual([...ref[s]![6]!]);
    }
  });
  return worst;
}

const weights = makeWeights();
let refResults: Promise<HostArray[][]> | undefined;
const reference = () => (refResults ??= (async () => {
  const ref = new ReferenceBackend();
  return runSteps(ref, ref, [], weights);
})());

describe.each(isaMatrix())('a whole layer on $isa vs the reference backend', ({ isa, supported }) => {
  it.skipIf(!supported).each([['exact', 1e-4], ['fast', 5e-2]] as [Accuracy, number][])('%s mode (tolerance %s of max |ref|)', async (accuracy, tol) => {
    const be = makeBackend(isa, accuracy);
    try {
      const ours = await runSteps(be, be, [], weights);
      const worst = compare(ours, await reference(), tol, accuracy === 'exact');
      console.log(`layer ${isa} ${accuracy}: worst error / max|ref| = ${worst.toExponential(2)}`);
    } finally {
      be.dispose();
    }
  });
});

describe('fallback', () => {
  it('a weight type cpu-avx lacks (TQ2_0) runs its matmul on the reference backend, the rest natively', async () => {
    const be = makeBackend(isaMatrix().find((i) => i.supported)!.isa);
    const ref = new ReferenceBackend();
    try {
      const w = quantize('TQ2_0', randomF32(8 * 256, rng(5)));
      const x = randomF32(2 * 256, rng(6));
      const build = (home: Backend) => {
        const g = new Graph();
        const wt = g.constant(tensorOn(home, [8, 256], 'TQ2_0', w));
        return { g, outs: [g.softmax(g.matmul(g.rmsNorm(g.input('x', [2, 256]), 1e-5), wt), 1)] };
      };
      const ours = build(be);
      const exec = new Executor(be, [ref]);
      const placed = exec.assign(ours.g).map((b, i) => `${ours.g.nodes[i]!.op}:${b.name}`);
      expect(placed).toEqual(['constant:cpu-avx', 'input:cpu-avx', 'rms_norm:cpu-avx', 'matmul:reference', 'softmax:cpu-avx']);
      const [y] = await exec.run(ours.g, { x }, ours.outs);
      const alone = build(ref);
      const [yRef] = await new Executor(ref).run(alone.g, { x }, alone.outs);
      for (let i = 0; i < yRef!.length; i++) expect(Math.abs(y![i]! - yRef![i]!)).toBeLessThanOrEqual(1e-5);
    } finally {
      be.dispose();
    }
  });
});

describe('a graph replayed at moving positions (the kept program)', () => {
  /** prefill 5 tokens, then decode at 5, 6, 7: with one decode graph moved from step to step, or one built per step */
  async function decode(be: Backend, keep: boolean): Promise<HostArray[][]> {
    const build = layerOn(be, weights);
    const exec = new Executor(be);
    const results: HostArray[][] = [];
    const prefill = build(0, 5);
    results.push(await exec.run(prefill.g, { tokens: Int32Array.from([3, 60, 7, 7, 41]), pos: Int32Array.from([0, 1, 2, 3, 4]) }, prefill.outs));
    const kept = build(5, 1);
    for (const pos0 of [5, 6, 7]) {
      let step = kept;
      if (keep) {
        for (const n of kept.g.nodes) {
          if (n.op === 'write_rows') kept.g.reposition(n as GraphNode<'write_rows'>, { row: pos0 });
          if (n.op === 'attention') kept.g.reposition(n as GraphNode<'attention'>, { pos0, kvLen: pos0 + 1 });
        }
      } else step = build(pos0, 1);
      results.push(await exec.run(step.g, { tokens: Int32Array.from([pos0 * 3]), pos: Int32Array.from([pos0]) }, step.outs));
    }
    return results;
  }

  it('computes what graphs built at each position compute, bit for bit', async () => {
    const isa = isaMatrix().find((i) => i.supported)!.isa;
    const a = makeBackend(isa);
    const b = makeBackend(isa);
    try {
      const replayed = await decode(a, true);
      expect(replayed).toEqual(await decode(b, false));
      // and the positions really moved: each decode step differs from the one before
      expect(replayed[2]![0]).not.toEqual(replayed[1]![0]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
