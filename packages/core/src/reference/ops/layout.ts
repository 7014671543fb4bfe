import { InvalidArgumentError } from '../../errors.js';
import type { HostTensor } from '../host-tensor.js';
import type { Kernel } from './kernel.js';

/** table[R, C] (any dtype) rows picked by ids[T] -> [T, C] float32 */
export const getRows: Kernel<'get_rows'> = (_params, [table, ids], out) => {
  const rows = table!.shape[0]!;
  const cols = table!.rowLength;
  const ys = out.f32();
  ids!.i32().forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= rows) throw new InvalidArgumentError(`get_rows: id ${id} (position ${t}) is outside the table of ${rows} rows`);
    table!.row(id, ys.subarray(t * cols, (t + 1) * cols));
  });
};

/** src[T, ...] into rows row..row+T-1 of dst (F32 or F16); out is dst itself, as the executor passes it */
export const writeRows: Kernel<'write_rows'> = ({ row }, [dst, src], out) => {
  if (!sameBytes(dst!, out)) out.bytes.set(dst!.bytes);
  out.store(src!.f32(), row * (dst!.size / dst!.shape[0]!));
};

/** a and b joined along `axis` (plain dtypes: a byte copy of alternating chunks) */
export const concat: Kernel<'concat'> = ({ axis }, [a, b], out) => {
  const outer = a!.shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const aChunk = a!.bytes.length / Math.max(outer, 1);
  const bChunk = b!.bytes.length / Math.max(outer, 1);
  for (let o = 0; o < outer; o++) {
    const at = o * (aChunk + bChunk);
    out.bytes.set(a!.bytes.subarray(o * aChunk, (o + 1) * aChunk), at);
    out.bytes.set(b!.bytes.subarray(o * bChunk, (o + 1) * bChunk), at + aChunk);
  }
};

/** x converted to out's dtype (F32 <-> F16) */
export const copy: Kernel<'copy'> = (_params, [x], out) => {
  if (x!.dtype === out.dtype) out.bytes.set(x!.bytes);
  else out.store(x!.decode(), 0);
};

/** out's elements are x's, starting `offset` elements in */
export const view: Kernel<'view'> = ({ offset }, [x], out) => {
  const start = offset * x!.elementBytes;
  out.bytes.set(x!.bytes.subarray(start, start + out.bytes.length));
};

/** elements start .. start + length - 1 of each row */
export const slice: Kernel<'slice'> = ({ start, length }, [x], out) => {
  const n = x!.rowLength;
  const xs = x!.f32();
  const ys = out.f32();
  for (let r = 0; r < x!.rows; r++) ys.set(xs.subarray(r * n + start, r * n + start + length), r * length);
};

function sameBytes(a: HostTensor, b: HostTensor): boolean {
  return a.bytes.buffer === b.bytes.buffer && a.bytes.byteOffset === b.bytes.byteOffset;
}
