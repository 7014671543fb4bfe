import { quantize, type Backend, type DTypeName } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { bytesOf, expectClose, randomF32, reference, rng, runBoth, runOn, type GraphBuilder } from '../helpers.js';
import type { SuiteOptions } from './rope-attention.js';

/**
 * A mixture-of-experts block against the reference: router, top-k, gather, softmax, sigmoid,
 * mul_mat_id (shared and per-slot rows) and weighted_sum, in decode (one token) and prefill shapes
 * (enough tokens per expert for the backend's many-row kernels), for each expert weight type.
 */
// experts in the pool each case takes its first E from: quantized once per type (K-quants quantize slowly in TypeScript)
const POOL = 8;
const [H, F] = [256, 256];
const pools = new Map<DTypeName, Uint8Array[]>();
function pool(dtype: DTypeName): Uint8Array[] {
  let p = pools.get(dtype);
  if (!p) {
    const r = rng(4242);
    p = [quantize(dtype, randomF32(POOL * F * H, r, 0.1)), quantize(dtype, randomF32(POOL * F * H, r, 0.1)), quantize(dtype, randomF32(POOL * H * F, r, 0.1))];
    pools.set(dtype, p);
  }
  return p;
}

export function expertsSuite<B extends Backend>(opts: SuiteOptions<B> & { dtypes: readonly DTypeName[]; tolerance(dtype: DTypeName): number }): void {
  describe.skipIf(!opts.hasDevice)(`mixture of experts on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    const be = opts.hasDevice ? opts.make() : undefined!;
    afterAll(() => be?.dispose());

    describe.each(opts.dtypes.map((d) => [d]))('%s experts', (dtype) => {
      it.each([
        { name: 'decode: 1 token, 4 of 8 experts', T: 1, E: 8, U: 4 },
        { name: 'prefill: 40 tokens, 2 of 4 experts (16+ rows each)', T: 40, E: 4, U: 2 },
        { name: 'prefill: 9 tokens, 3 of 8 experts (some unused)', T: 9, E: 8, U: 3 },
      ])('$name', async ({ T, E, U }) => {
        const r = rng(E * 100 + T);
        const [gate, up, down] = pool(dtype);
        const first = (p: Uint8Array, rows: number, cols: number) => ({ shape: [E, rows, cols], dtype, bytes: p.subarray(0, (p.byteLength / POOL) * E) });
        const constants = [
          { shape: [E, H], dtype: 'F32' as DTypeName, bytes: bytesOf(randomF32(E * H, r, 0.5)) },
          first(gate, F, H),
          first(up, F, H),
          first(down, H, F),
          { shape: [1, H], dtype: 'F32' as DTypeName, bytes: bytesOf(randomF32(H, r, 0.1)) },
        ];
        const x = randomF32(T * H, r, 1);
        // the experts each token uses, given (a computed top-k could tie differently on a near-equal pair)
        const ids = Int32Array.from({ length: T * U }, (_, s) => (Math.floor(s / U) * 5 + (s % U) * 3) % E);
        const { ours, ref } = await runBoth(be, constants, (g, c) => {
          const xi = g.input('x', [T, H]);
          const idsIn = g.input('ids', [T, U], 'I32');
          const logits = g.matmul(xi, c(0));
          const weights = g.softmax(g.gather(logits, idsIn));
          const gate = g.mulMatId(xi, c(1), idsIn);
          const up = g.mulMatId(xi, c(2), idsIn);
          const down = g.mulMatId(g.swiglu(gate, up), c(3), idsIn);
          const shared = g.sigmoid(g.matmul(xi, c(4)));
          return [g.topK(logits, U), weights, gate, down, g.weightedSum(down, weights), shared];
        }, { x, ids });
        const names = ['top_k', 'gather + softmax', 'mul_mat_id (shared rows)', 'mul_mat_id (per-slot rows)', 'weighted_sum', 'sigmoid'];
        const tol = opts.tolerance(dtype);
        ours.forEach((o, i) => {
          // top-k ids may differ only where two router logits nearly tie; with these values they do not
          const err = expectClose(o, ref[i]!, i === 0 ? 0 : i === 1 || i === 5 ? 1e-5 : tol, `${dtype} ${names[i]}`);
          opts.log.add(`${dtype} T=${T} ${names[i]}`, err);
        });
      });
    });
  });
}

/**
 * What a GPU backend's mul_mat_id and gather do with ids outside their range (the reference refuses
 * them): a kernel cannot throw, so, as get_rows, they write zeros there instead of reading out of
 * bounds, and the slots with valid ids stay right.
 */
export async function expectZeroSlotsForOutOfRangeIds(backend: Backend): Promise<void> {
  const [E, N, K, T, U] = [3, 5, 64, 2, 3];
  const r = rng(77);
  const w = randomF32(E * N * K, r, 0.5);
  const x = randomF32(T * K, r, 1);
  const bad = Int32Array.from([1, -1, 2, 3, 0, 1 << 30]);
  const valid = bad.map((id) => (id >= 0 && id < E ? id : 0));
  const build: GraphBuilder = (g, c) => {
    const ids = g.input('ids', [T, U], 'I32');
    return [g.mulMatId(g.input('x', [T, K]), c(0), ids), g.gather(g.input('x', [T, K]), ids)];
  };
  const constants = [{ shape: [E, N, K], dtype: 'F32' as DTypeName, bytes: bytesOf(w) }];
  const [y, picked] = await runOn(backend, constants, build, { x, ids: bad });
  const [want] = await runOn(reference, constants, build, { x, ids: valid });
  bad.forEach((id, s) => {
    const inRange = id >= 0 && id < E;
    const row = y!.subarray(s * N, s * N + N);
    if (inRange) expectClose(row, want!.subarray(s * N, s * N + N), 1e-5, `mul_mat_id slot ${s}`);
    else expect([...row]).toEqual(new Array(N).fill(0));
    // gather reads x[t, id]: its ids range over x's K columns
    expect(picked![s]).toBe(id >= 0 && id < K ? x[Math.floor(s / U) * K + id]! : 0);
  });
}
