import { dtypeInfo, type DTypeName } from '../dtype.js';
import { InvalidArgumentError } from '../errors.js';
import { dequantize, dequantizeRow, f32ToF16 } from '../quant/index.js';
import { numElements, type Shape } from '../tensor.js';

/**
 * A tensor's bytes inside a reference buffer, with the typed views the kernels read and write.
 * F32/I32/F16 views alias the buffer (writes land in it); `row()` decodes any dtype into a copy.
 */
export class HostTensor {
  readonly size: number;

  constructor(
    readonly shape: Shape,
    readonly dtype: DTypeName,
    readonly bytes: Uint8Array,
  ) {
    this.size = numElements(shape);
  }

  /** elements in one row (the last dimension) */
  get rowLength(): number {
    return this.shape.length ? this.shape[this.shape.length - 1]! : 1;
  }

  get rows(): number {
    return this.rowLength === 0 ? 0 : this.size / this.rowLength;
  }

  f32(): Float32Array {
    return new Float32Array(this.bytes.buffer, this.aligned('F32', 4), this.size);
  }

  i32(): Int32Array {
    return new Int32Array(this.bytes.buffer, this.aligned('I32', 4), this.size);
  }

  /** row `r` decoded to float32, whatever the dtype */
  row(r: number, out?: Float32Array): Float32Array {
    return dequantizeRow(this.dtype, this.bytes, this.rowLength, r, out);
  }

  /** the first `count` elements decoded to float32 (a copy) */
  decode(count = this.size): Float32Array {
    return dequantize(this.dtype, this.bytes, count);
  }

  /** store `values` as elements at..at+values.length-1, converting to this tensor's dtype (F32 or F16) */
  store(values: ArrayLike<number>, at: number): void {
    if (this.dtype === 'F32') {
      this.f32().set(values, at);
    } else if (this.dtype === 'F16') {
      const half = new Uint16Array(this.bytes.buffer, this.aligned('F16', 2), this.size);
      for (let i = 0; i < values.length; i++) half[at + i] = f32ToF16(values[i]!);
    } else {
      throw new InvalidArgumentError(`reference: cannot store values into a ${this.dtype} tensor`);
    }
  }

  /** bytes per element of a plain (non-block) dtype */
  get elementBytes(): number {
    const info = dtypeInfo(this.dtype);
    if (info.blockSize !== 1) throw new InvalidArgumentError(`reference: ${this.dtype} has no per-element layout`);
    return info.typeSize;
  }

  private aligned(dtype: DTypeName, align: number): number {
    if (this.dtype !== dtype) throw new InvalidArgumentError(`reference: expected a ${dtype} tensor, got ${this.dtype}`);
    const offset = this.bytes.byteOffset;
    if (offset % align !== 0) throw new InvalidArgumentError(`reference: ${dtype} tensor at byte offset ${offset} is not ${align}-byte aligned`);
    return offset;
  }
}
