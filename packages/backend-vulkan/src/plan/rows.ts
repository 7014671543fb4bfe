import { InvalidArgumentError, tensorByteSize, type OpParams } from '@ix/core';

import { alignOf, unitOf } from '../program.js';
import type { PlanContext } from './context.js';

/** table[R, C] rows by I32 ids; a table larger than one binding is read in row chunks. */
export function planGetRows({ b, input, out }: PlanContext): void {
  const table = input(0), ids = input(1);
  const [r, c] = table.shape as [number, number];
  const t = ids.numElements;
  if (t === 0 || c === 0) return;
  const rowBytes = tensorByteSize([1, c], table.dtype);
  const chunkRows = Math.max(1, Math.floor((b.limits.maxRange - b.limits.align) / rowBytes));
  if (rowBytes > b.limits.maxRange - b.limits.align) throw new InvalidArgumentError(`vulkan: one row of ${table.name ?? 'a table'} exceeds a binding`);
  const ib = b.bind(ids, 4);
  const yb = b.bind(out, 4);
  const groups = b.grid(Math.ceil((t * c) / 256));
  // an empty table still needs one dispatch to zero the rows of its (all out-of-range) ids
  for (let r0 = 0; r0 < Math.max(r, 1); r0 += chunkRows) {
    const rows = Math.min(chunkRows, r - r0);
    const wb = rows > 0 ? b.bind(table, unitOf(table.dtype), r0 * rowBytes, rows * rowBytes, alignOf(table.dtype)) : yb;
    b.dispatch(`get_rows_${table.dtype.toLowerCase()}`, groups, [wb.binding, ib.binding, yb.binding], [c, t, wb.base, ib.base, yb.base, r0, Math.max(rows, 0), r, r0 === 0 ? 1 : 0]);
  }
}

/** src rows into dst rows row..row+T-1 (the node's tensor is dst), converting to dst's dtype. */
export function planWriteRows({ b, node, input, out }: PlanContext): void {
  const src = input(1);
  const { row } = node.params as OpParams['write_rows'];
  const n = src.numElements;
  if (n === 0) return;
  const rowLen = out.shape.slice(1).reduce((a, d) => a * d, 1);
  const size = out.dtype === 'F16' ? 2 : 4;
  // bind only the rows written: a cache may be larger than one binding
  const db = b.bind(out, size, row * rowLen * size, n * size);
  const sb = b.bind(src, 4);
  const shader = out.dtype === 'F16' ? 'copy_f32_f16' : 'copy_32';
  const words = out.dtype === 'F16' ? Math.floor((db.base + n - 1) / 2) - Math.floor(db.base / 2) + 1 : n;
  b.dispatch(shader, b.grid(Math.ceil(words / 256)), [sb.binding, db.binding], [n, sb.base, db.base]);
}
