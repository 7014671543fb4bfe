import type { Backend } from '@ix/core';
import { expect } from 'vitest';

import { randomF32, rng, runOn } from '../helpers.js';

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
