import { quantize, tensorByteSize, type DTypeName } from '@ix/core';
import { expectZeroRowsForOutOfRangeIds } from '@ix/kernel-testing';
import { afterAll, describe, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { errorLog, expectClose, hasDevice, makeVulkan, randomF32, rng, runBoth, skipReason } from './helpers.js';

/** get_rows decodes table rows exactly as the reference dequantizer does (up to f32 rounding of d·q + m). */
const log = errorLog('get_rows');
afterAll(() => log.print());

const blockOf = (t: DTypeName) => (t === 'Q4_K' || t === 'Q6_K' ? 256 : t === 'Q8_0' || t === 'Q4_0' ? 32 : 1);

describe.skipIf(!hasDevice)(`get_rows on Vulkan${skipReason ? ` (${skipReason})` : ''}`, () => {
  const be = hasDevice ? makeVulkan() : undefined!;
  afterAll(() => be?.dispose());

  it.each([...WEIGHT_DTYPES])('%s table, repeated and unordered ids', async (dtype) => {
    const c = blockOf(dtype) === 1 ? 77 : blockOf(dtype) * 3;
    const r = 29;
    const w = randomF32(r * c, rng(5), 3);
    const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
    const ids = Int32Array.from([28, 0, 5, 5, 17, 3, 28]);
    const { ours, ref } = await runBoth(be, [{ shape: [r, c], dtype, bytes }], (g, k) => [g.getRows(k(0), g.input('ids', [ids.length], 'I32'))], { ids });
    log.add(`${dtype} C=${c}`, expectClose(ours[0]!, ref[0]!, 1e-6, dtype));
  });

  it.each([...WEIGHT_DTYPES])('%s table over several bindings, at an unaligned offset', async (dtype) => {
    const binding = 8192; // the output [7, C] F32 fits, the table does not
    const small = makeVulkan({ maxBindingBytes: binding });
    try {
      const c = blockOf(dtype) === 1 ? 61 : blockOf(dtype);
      const r = Math.ceil((3 * binding) / tensorByteSize([1, c], dtype)) | 1;
      const w = randomF32(r * c, rng(6), 3);
      const bytes = dtype === 'F32' ? new Uint8Array(w.buffer) : quantize(dtype, w);
      const ids = Int32Array.from([r - 1, 0, r - 2, 7, r >> 1, r >> 1, 1]);
      const { ours, ref } = await runBoth(small, [{ shape: [r, c], dtype, bytes, offset: dtype === 'F32' ? 12 : 2 }], (g, k) => [g.getRows(k(0), g.input('ids', [ids.length], 'I32'))], { ids });
      log.add(`${dtype} chunked`, expectClose(ours[0]!, ref[0]!, 1e-6, `${dtype} chunked`));
    } finally {
      small.dispose();
    }
  });

  it('writes zero rows for ids outside the table instead of reading out of bounds (the reference refuses them)', () => expectZeroRowsForOutOfRangeIds(be));
});
