import { dtypeInfo, tensorByteSize } from '@ix/core';

import { alignOf, BLOCK } from '../program.js';
import type { PlanContext } from './context.js';

/** table[R, C] rows by I32 ids (an id outside the table gives zeros) */
export function planGetRows({ b, input, out }: PlanContext): void {
  const table = input(0), ids = input(1);
  const [r, c] = table.shape as [number, number];
  const t = ids.numElements;
  if (t === 0 || c === 0) return;
  const perRow = dtypeInfo(table.dtype).quantized ? c / 8 : c;
  const ptrs = [r > 0 ? b.ptr(table, alignOf(table.dtype)) : b.ptr(out, 4), b.ptr(ids, 4), b.ptr(out, 4)];
  b.launch(`get_rows_${table.dtype.toLowerCase()}`, Math.ceil((t * perRow) / BLOCK), BLOCK, ptrs, [c, t, r, tensorByteSize([1, c], table.dtype)]);
}

/** src rows into the cache (the node's tensor) at the row its params hold at run time */
export function planWriteRows({ b, node, input, out }: PlanContext): void {
  const src = input(1);
  const n = src.numElements;
  if (n === 0) return;
  const rowLen = out.shape.slice(1).reduce((a, d) => a * d, 1);
  const pos = b.position(node);
  b.launch('write_rows', Math.ceil(n / BLOCK), BLOCK, [b.ptr(src, 4), b.ptr(out, out.dtype === 'F16' ? 2 : 4), pos.ptr], [
    n, rowLen, out.shape[0]!, pos.index, out.dtype === 'F16' ? 1 : 0,
  ]);
}
