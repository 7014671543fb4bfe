import { f16ToF32, f32ToF16, f32ToF16Bytes, ReferenceBackend, yarnCorrDims, type Graph, type GraphNode, type HostArray } from '@ix/core';
import { describe, expect, it } from 'vitest';

import type { CpuAvxBackend } from '../src/index.js';
import { bestIsa, bytesOf, isaMatrix, makeBackend, randomF32, rng, run, tensorOn } from './helpers.js';
import * as O from './oracle.js';

/**
 * The non-matmul ops against the f64 oracle of graph.ts's op semantics (test/oracle.ts).
 * Tolerance: |y - ref| <= tol · max(1, |ref|), with tol = 2e-6 (a few f32 ulps: libm exp/tanh/cos,
 * f32 products and sums over at most 67 terms) unless stated.
 */
function close(actual: HostArray, expected: ArrayLike<number>, tol = 2e-6, what = '') {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (Math.abs(actual[i]! - e) > tol * Math.max(1, Math.abs(e))) throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${e} (tol ${tol})`);
  }
}

/** counts native compute calls: a split must be one call */
function counting(be: CpuAvxBackend): { calls: number } {
  const c = { calls: 0 };
  const orig = be.compute.bind(be);
  be.compute = (split) => {
    c.calls++;
    return orig(split);
  };
  return c;
}

describe.each(isaMatrix())('ops on $isa', ({ isa, supported }) => {
  it.skipIf(!supported)("swiglu_oai (gpt-oss's clamped SwiGLU) over the whole float range, both clamps crossed", async () => {
    const be = makeBackend(isa);
    try {
      const n = 1001;
      const x = Float32Array.from({ length: n }, (_, i) => -20 + (40 * i) / (n - 1));
      x.set([0, -0, 1e-30, 1e30, -1e30, 7, 6.99, 7.01, -88.7], 0);
      const u = Float32Array.from(randomF32(n, rng(6), 12));
      const [y] = await run(be, (g: Graph) => [g.swigluOai(g.input('x', [n]), g.input('u', [n]), 1.702, 7)], { x, u });
      const truth = Array.from(x, (v, i) => {
        const gg = Math.min(v, 7);
        return (gg / (1 + Math.exp(-1.702 * gg))) * (Math.min(Math.max(u[i]!, -7), 7) + 1);
      });
      close(y!, truth, 2e-6, 'swiglu_oai');
    } finally {
      be.dispose();
    }
  });

  it.skipIf(!supported)('silu, gelu, swiglu and softcap over the whole float range (vector bodies and tails, no overflow)', async () => {
    const be = makeBackend(isa);
    try {
      const n = 1001;
      const x = Float32Array.from({ length: n }, (_, i) => -100 + (200 * i) / (n - 1));
      x.set([0, -0, 1e-30, -1e-30, 1e30, -1e30, 88.7, -88.7, 9.5, -9.5], 0);
      const u = randomF32(n, rng(5), 3);
      const [silu, gelu, swiglu, cap30, tanh] = await run(be, (g: Graph) => {
        const xi = g.input('x', [n]);
        return [g.silu(xi), g.gelu(xi), g.swiglu(xi, g.input('u', [n])), g.softcap(xi, 30), g.softcap(xi, 1)] as GraphNode[];
      }, { x, u });
      // gelu's cubic overflows f32 at |v| ~ 1e13: the oracle's limits (v or 0) are what f32 gives
      const geluRef = (v: number) => (Math.abs(v) > 1e12 ? Math.max(v, 0) : O.gelu(v));
      close(silu!, Array.from(x, O.silu), 2e-6, 'silu');
      close(gelu!, Array.from(x, geluRef), 2e-6, 'gelu');
      close(swiglu!, Array.from(x, (v, i) => O.silu(v) * u[i]!), 2e-6, 'swiglu');
      // tanh through a sigmoid: absolute error a few ulps of the cap near 0
      close(cap30!, Array.from(x, (v) => 30 * Math.tanh(v / 30)), 4e-6, 'softcap 30');
      close(tanh!, Array.from(x, Math.tanh), 2e-7, 'softcap 1');
    } finally {
      be.dispose();
    }
  });

  it.skipIf(!supported)('elementwise, norm, softmax, selection, copy, view and concat in one native call', async () => {
    const be = makeBackend(isa);
    const calls = counting(be);
    try {
      const R = 5, C = 67;
      const x = randomF32(R * C, rng(11), 4);
      const u = randomF32(R * C, rng(12), 2);
      const b = randomF32(C, rng(13));
      x[2 * C + 9] = x[2 * C + 40] = 50; // a tie for argmax/top_k: lower index first
      const outs = await run(
        be,
        (g: Graph) => {
          const xi = g.input('x', [R, C]);
          const ui = g.input('u', [R, C]);
          const bi = g.input('b', [C]);
          const half = g.copy(xi, 'F16');
          return [
            g.add(xi, bi), g.mul(xi, bi), g.scale(xi, 0.37), g.silu(xi), g.gelu(xi), g.swiglu(xi, ui),
            g.rmsNorm(xi, 1e-5), g.layerNorm(xi, 1e-5), g.softmax(xi, 0.5), g.argmax(xi), g.topK(xi, 6),
            g.copy(half, 'F32'), g.view(xi, [2, 10], 33), g.concat(xi, ui, 0), g.concat(xi, ui, 1),
          ] as GraphNode[];
        },
        { x, u, b },
      );
      const [add, mul, scale, silu, gelu, swiglu, rms, ln, sm, am, tk, f16, view, cat0, cat1] = outs;
      close(add!, Array.from(x, (v, i) => v + b[i % C]!), 2e-6, 'add');
      close(mul!, Array.from(x, (v, i) => v * b[i % C]!), 2e-6, 'mul');
      close(scale!, Array.from(x, (v) => v * Math.fround(0.37)), 2e-6, 'scale');
      close(silu!, Array.from(x, O.silu), 2e-6, 'silu');
      close(gelu!, Array.from(x, O.gelu), 2e-6, 'gelu');
      close(swiglu!, Array.from(x, (v, i) => O.silu(v) * u[i]!), 2e-6, 'swiglu');
      close(rms!, O.rmsNorm(x, C, 1e-5), 2e-6, 'rms_norm');
      close(ln!, O.layerNorm(x, C, 1e-5), 2e-6, 'layer_norm');
      close(sm!, O.softmax(x, C, 0.5), 2e-6, 'softmax');
      expect([...am!]).toEqual(O.rowsOf(x, C).map((r) => r.indexOf(Math.max(...r))));
      expect([...tk!]).toEqual(O.topK(x, C, 6));
      expect(tk![2 * 6]).toBe(9);
      expect(tk![2 * 6 + 1]).toBe(40);
      expect([...f16!]).toEqual(Array.from(x, (v) => f16ToF32(f32ToF16(v)))); // rounded as core rounds to f16
      expect([...view!]).toEqual([...x.subarray(33, 53)]);
      expect([...cat0!]).toEqual([...x, ...u]);
      expect([...cat1!]).toEqual(O.rowsOf(x, C).flatMap((r, i) => [...r, ...u.subarray(i * C, (i + 1) * C)]));
      expect(calls.calls).toBe(1);
    } finally {
      be.dispose();
    }
  });

  it.skipIf(!supported).each(['normal', 'neox'] as const)('rope %s, partial dims, with and without freq factors', async (mode) => {
    const be = makeBackend(isa);
    try {
      const [T, H, D] = [3, 4, 16];
      const x = randomF32(T * H * D, rng(21));
      const pos = Int32Array.from([0, 5, 1000]);
      const ff = Float32Array.from([1, 1.5, 2, 4, 8, 16]);
      const p = { mode, dims: 12, base: 10000, freqScale: 0.5 };
      const [plain, scaled] = await run(
        be,
        (g) => {
          const xi = g.input('x', [T, H, D]);
          const pi = g.input('pos', [T], 'I32');
          return [g.rope(xi, pi, p), g.rope(xi, pi, p, g.input('ff', [6]))];
        },
        { x, pos, ff },
      );
      close(plain!, O.rope(x, [T, H, D], pos, p), 2e-6, 'rope');
      close(scaled!, O.rope(x, [T, H, D], pos, p, ff), 2e-6, 'rope+ff');
      // YaRN: the reference backend's (core/test/reference-rope checks it against transformers')
      const yarn = { ...p, yarn: { extFactor: 1, attnFactor: 1, corrDims: yarnCorrDims(12, 64, 10000, 32, 1) } };
      const build = (g: Graph) => [g.rope(g.input('x', [T, H, D]), g.input('pos', [T], 'I32'), yarn, g.input('ff', [6]))];
      const [ours] = await run(be, build, { x, pos, ff });
      const [ref] = await run(new ReferenceBackend(), build, { x, pos, ff });
      close(ours!, Array.from(ref!), 2e-6, 'rope yarn');
    } finally {
      be.dispose();
    }
  });

  // T = 3: the per-query path; T = 21: the prefill path (keys transposed, from 16 queries on)
  const attentionCases = (['F32', 'F16'] as const).flatMap((cacheType) => [3, 21].map((T) => ({ cacheType, T })));
  it.skipIf(!supported).each(attentionCases)('write_rows of $T rows into an $cacheType KV cache, then GQA attention (causal and not, soft-capped, windowed, a symmetric window)', async ({ cacheType, T }) => {
    const be = makeBackend(isa);
    const calls = counting(be);
    try {
      // 5 query heads per KV head: the prefill kernels take heads 4 at a time, then one by one
      const [Hq, Hkv, D, S, pos0] = [10, 2, 24, 30, 4];
      const kvLen = pos0 + T;
      const old = (seed: number) => randomF32(S * Hkv * D, rng(seed));
      const kOld = old(31), vOld = old(32);
      const enc = (a: Float32Array) => (cacheType === 'F16' ? f32ToF16Bytes(a) : bytesOf(a));
      const kc = tensorOn(be, [S, Hkv, D], cacheType, enc(kOld), 'k_cache');
      const vc = tensorOn(be, [S, Hkv, D], cacheType, enc(vOld), 'v_cache');
      const q = randomF32(T * Hq * D, rng(33)), kNew = randomF32(T * Hkv * D, rng(34)), vNew = randomF32(T * Hkv * D, rng(35));
      const scale = 1 / Math.sqrt(D);
      // sinks around the scores' size, so each head gives them a real share (one far below: none)
      const sinks = Float32Array.from({ length: Hq }, (_, h) => (h === 3 ? -40 : -1.5 + 0.4 * h));
      const outs = await run(
        be,
        (g) => {
          const kw = g.writeRows(g.constant(kc), g.input('k', [T, Hkv, D]), pos0);
          const vw = g.writeRows(g.constant(vc), g.input('v', [T, Hkv, D]), pos0);
          const qi = g.input('q', [T, Hq, D]);
          return [
            g.attention(qi, kw, vw, { pos0, kvLen, scale, causal: true }),
            g.attention(qi, kw, vw, { pos0, kvLen: 5, scale, causal: false }),
            g.attention(qi, kw, vw, { pos0, kvLen, scale, causal: true, softcap: 0.5, window: 6 }),
            g.attention(qi, kw, vw, { pos0, kvLen, scale, causal: true, window: 6 }, g.input('sinks', [Hq])),
            g.attention(qi, kw, vw, { pos0, kvLen, scale, causal: false, window: 5 }),
          ];
        },
        { q, k: kNew, v: vNew, sinks },
      );
      expect(calls.calls).toBe(1);
      // the caches now hold the new rows, stored as the cache's dtype
      const round = (a: ArrayLike<number>) => (cacheType === 'F16' ? Array.from(a, (v) => f16ToF32(f32ToF16(v))) : Array.from(a));
      const rowLen = Hkv * D;
      const kAll = round([...kOld.subarray(0, pos0 * rowLen), ...kNew, ...kOld.subarray(kvLen * rowLen)]);
      const vAll = round([...vOld.subarray(0, pos0 * rowLen), ...vNew, ...vOld.subarray(kvLen * rowLen)]);
      const stored = be.download(kc.buffer, 0, kc.byteLength);
      const storedK = cacheType === 'F16' ? Array.from({ length: S * rowLen }, (_, i) => f16ToF32(stored[2 * i]! | (stored[2 * i + 1]! << 8))) : [...new Float32Array(stored.buffer)];
      expect(storedK).toEqual(kAll);
      close(outs[0]!, O.attention(q, kAll, vAll, [T, Hq, D], Hkv, { pos0, kvLen, scale, causal: true }), 4e-6, 'causal');
      close(outs[1]!, O.attention(q, kAll, vAll, [T, Hq, D], Hkv, { pos0, kvLen: 5, scale, causal: false }), 4e-6, 'full');
      close(outs[2]!, O.attention(q, kAll, vAll, [T, Hq, D], Hkv, { pos0, kvLen, scale, causal: true, softcap: 0.5, window: 6 }), 4e-6, 'capped, window 6');
      close(outs[3]!, O.attention(q, kAll, vAll, [T, Hq, D], Hkv, { pos0, kvLen, scale, causal: true, window: 6 }, sinks), 4e-6, 'sinks, window 6');
      close(outs[4]!, O.attention(q, kAll, vAll, [T, Hq, D], Hkv, { pos0, kvLen, scale, causal: false, window: 5 }), 4e-6, 'symmetric window 5');
    } finally {
      be.dispose();
    }
  });
});

describe('top_k over a vocabulary', () => {
  it('finds the k largest of each row as a bounded-heap scan would: best first, lower index on ties, NaN never', async () => {
    const be = makeBackend(bestIsa(), 'exact', 2);
    try {
      const R = 5, C = 5003, k = 64;
      const r = rng(21);
      // few distinct values (many ties), a NaN and -Infinity in some rows, one ascending row (every entry enters)
      const x = Float32Array.from({ length: R * C }, () => Math.round((r() - 0.5) * 64) / 4);
      x[7] = NaN;
      x[C + 100] = -Infinity;
      x[2 * C + 5000] = NaN;
      for (let i = 0; i < C; i++) x[3 * C + i] = i / 8;
      const [ids] = await run(be, (g: Graph) => [g.topK(g.input('x', [R, C]), k)], { x });
      for (let row = 0; row < R; row++) {
        const xr = x.subarray(row * C, (row + 1) * C);
        const want = Array.from(xr, (v, i) => ({ v: v === v ? v : -Infinity, i }))
          .sort((a, b) => b.v - a.v || a.i - b.i)
          .slice(0, k)
          .map((e) => e.i);
        expect(Array.from(ids!.subarray(row * k, (row + 1) * k)), `row ${row}`).toEqual(want);
      }
    } finally {
      be.dispose();
    }
  });
});

describe('thread pool', () => {
  it('gives the same results when workers sleep between jobs (a late worker finds the job closed)', async () => {
    // pauses longer than the workers' spin put them to sleep: each graph's first op then starts
    // while they wake, and the caller must neither wait for them nor let them touch a finished job
    const be = makeBackend(bestIsa(), 'exact', 2);
    try {
      const R = 9, C = 37;
      const x = randomF32(R * C, rng(5), 3);
      const graph = (g: Graph) => {
        const xi = g.input('x', [R, C]);
        return [g.softmax(g.rmsNorm(xi, 1e-5), 1), g.topK(xi, 3)] as GraphNode[];
      };
      const first = await run(be, graph, { x });
      for (let i = 0; i < 40; i++) {
        if (i % 2) await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        const again = await run(be, graph, { x });
        expect(again[0]).toEqual(first[0]);
        expect(again[1]).toEqual(first[1]);
      }
    } finally {
      be.dispose();
    }
  });
});
