import { dtypeInfo, quantize, type DTypeName } from '@ix/core';
import { expectZeroRowsForOutOfRangeIds } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { errorLog, expectClose, hasDevice, makeCuda, randomF32, rng, runBoth, skipReason } from './helpers.js';

/** get_rows decodes table rows exactly as the reference dequantizer does (up to f32 rounding of d·q + m). */
const log = errorLog('get_rows');
afterAll(() => log.print());

const blockOf = (t: DTypeName) => dtypeInfo(t).blockSize;

describe.skipIf(!hasDevice)(`get_rows on CUDA${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeCuda() : undefined!;
  afterAll(() => be?.dispose());

  it.each([...WEIGHT_DTYPES])('%s table, repeated and unordered ids', async (dtype) => {
    const c = blockOf(dtype) === 1 ? 77 : blockOf(dtype) * 3;
    const r = 29;
    const w = randomF32(r * c, rng(5), 3);
    const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
    const offset = dtype === 'F32' ? 12 : dtype === 'MXFP4' ? 1 : 2; // inside a buffer, at the smallest alignment the type allows
    const ids = Int32Array.from([28, 0, 5, 5, 17, 3, 28]);
    const { ours, ref } = await runBoth(be, [{ shape: [r, c], dtype, bytes, offset }], (g, k) => [g.getRows(k(0), g.input('ids', [ids.length], 'I32'))], { ids });
    log.add(`${dtype} C=${c}`, expectClose(ours[0]!, ref[0]!, 1e-6, dtype));
  });

  it('writes zero rows for ids outside the table instead of reading out of bounds (the reference refuses them)', () => expectZeroRowsForOutOfRangeIds(be));
});
