import { quantize, type Backend, type DTypeName } from '@ix/core';
import { expect } from 'vitest';

import { expectClose, randomF32, rng, runBoth, runOn } from '../helpers.js';

/**
 * What a GPU backend's get_rows does with ids outside the table (the reference refuses them): a
 * kernel cannot throw, so it must write zero rows rather than read out of bounds, and leave the
 * rows of valid ids right.
 */
export async function expectZeroRowsForOutOfRangeIds(backend: Backend): Promise<void> {
  const w = randomF32(4 * 8, rng(9));
  const ids = Int32Array.from([1, -1, 4, 1 << 30, 3]);
  const [y] = await runOn(backend, [{ shape: [4, 8], dtype: 'F32', bytes: new Uint8Array(w.buffer) }], (g, k) => [g.getRows(k(0), g.input('ids', [5], 'I32'))], { ids });
  expect([...y!.subarray(0, 8)]).toEqual([...w.subarray(8, 16)]);
  for (const row of [1, 2, 3]) expect([...y!.subarray(row * 8, row * 8 + 8)]).toEqual(new Array(8).fill(0));
  expect([...y!.subarray(32, 40)]).toEqual([...w.subarray(24, 32)]);
}

/**
 * get_rows of a random [29, C] table of `dtype` (C: three blocks, or 77 for plain types) with
 * repeated and unordered ids, at offset 0 and at an unaligned byte offset, within `tol` (relative to
 * max |row|) of the reference; returns the largest error for the report.
 */
export async function expectGetRowsMatch(backend: Backend, dtype: DTypeName, tol: number): Promise<number> {
  const block = dtype.endsWith('_K') || dtype === 'IQ4_XS' ? 256 : dtype.startsWith('Q') || dtype.startsWith('IQ') || dtype === 'MXFP4' ? 32 : 1;
  const c = block === 1 ? 77 : block * 3;
  const r = 29;
  const w = randomF32(r * c, rng(5), 3);
  const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
  const ids = Int32Array.from([28, 0, 5, 5, 17, 3, 28]);
  let worst = 0;
  for (const offset of [0, dtype === 'F32' ? 12 : 2]) {
    const { ours, ref } = await runBoth(backend, [{ shape: [r, c], dtype, bytes, offset }], (g, k) => [g.getRows(k(0), g.input('ids', [ids.length], 'I32'))], { ids });
    worst = Math.max(worst, expectClose(ours[0]!, ref[0]!, tol, `${dtype} offset ${offset}`));
  }
  return worst;
}
