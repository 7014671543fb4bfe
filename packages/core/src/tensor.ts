import { dtypeByteSize, dtypeInfo, type DTypeName } from './dtype.js';
import { ShapeError } from './errors.js';
import type { BackendBuffer } from './buffer.js';

/** Row-major shape: the last dimension is contiguous (ggml's ne[0] is our shape[shape.length-1]). */
export type Shape = readonly number[];

export function numElements(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Bytes a tensor of this shape and type occupies; quantized rows must be whole blocks. */
export function tensorByteSize(shape: Shape, dtype: DTypeName): number {
  const info = dtypeInfo(dtype);
  const rowLen = shape.length ? shape[shape.length - 1]! : 1;
  if (info.blockSize > 1 && rowLen % info.blockSize !== 0) {
    throw new ShapeError(`${dtype} rows must be a multiple of ${info.blockSize} elements, got shape ${formatShape(shape)}`);
  }
  return dtypeByteSize(dtype, numElements(shape));
}

/** A typed view of bytes living in a backend buffer. */
export class Tensor {
  readonly byteLength: number;
  constructor(
    readonly shape: Shape,
    readonly dtype: DTypeName,
    readonly buffer: BackendBuffer,
    /** byte offset of the first element inside `buffer` */
    readonly offset = 0,
    readonly name?: string,
  ) {
    this.byteLength = tensorByteSize(shape, dtype);
    if (offset < 0 || offset + this.byteLength > buffer.byteLength) {
      throw new ShapeError(
        `tensor ${name ?? ''} ${formatShape(shape)} ${dtype} (${this.byteLength} bytes at ${offset}) does not fit in its buffer of ${buffer.byteLength} bytes`,
      );
    }
  }

  get numElements(): number {
    return numElements(this.shape);
  }
}
