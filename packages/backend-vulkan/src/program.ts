import { InvalidArgumentError, type Tensor } from '@ix/core';

/** Device limits the planners respect. */
export interface Limits {
  /** binding offsets are multiples of this (minStorageBufferOffsetAlignment, at least 4) */
  align: number;
  /** largest binding in bytes (maxStorageBufferRange, or the maxBindingBytes option) */
  maxRange: number;
  /** workgroups along x (and y) of one dispatch */
  maxGroups: number;
}

export interface Binding {
  id: number;
  offset: number;
  range: number;
}

/** A binding plus where the tensor (region) starts inside it, in the shader's units. */
export interface Bound {
  binding: Binding;
  base: number;
}

/** A push-constant word: an unsigned integer, or a float written as its f32 bits. */
export type PushWord = number | { f32: number };
export const f32 = (v: number): PushWord => ({ f32: v });

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

/**
 * Collects the dispatches of one split and encodes them for the native recorder (native/recorder.h):
 * count, then per dispatch shader, groups x/y/z, bindings {id, offset lo/hi, range}, push words.
 */
export class ProgramBuilder {
  private readonly words: number[] = [];
  private count = 0;

  constructor(
    readonly limits: Limits,
    private readonly bufferId: (t: Tensor) => number,
    private readonly shaderIndex: (name: string) => number,
  ) {}

  /**
   * Bind `bytes` bytes of `t` starting `first` bytes in. The binding starts at the aligned offset at or
   * below; `base` is the distance to the region in units of `unit` bytes. `minAlign` is the byte
   * alignment the shader needs of the region (quantized blocks: 2, for their f16 scales).
   */
  bind(t: Tensor, unit: number, first = 0, bytes = t.byteLength - first, minAlign = unit): Bound {
    const start = t.offset + first;
    if (start % minAlign !== 0) {
      throw new InvalidArgumentError(`vulkan: tensor ${t.name ?? ''} (${t.dtype}) at byte offset ${start} is not aligned to ${minAlign} bytes`);
    }
    const offset = start - (start % this.limits.align);
    const delta = start - offset;
    const range = Math.max(4, Math.ceil((delta + bytes) / 4) * 4);
    if (range > this.limits.maxRange) {
      throw new InvalidArgumentError(
        `vulkan: tensor ${t.name ?? ''} [${t.shape.join(', ')}] ${t.dtype} needs a ${range}-byte binding, over the device's ${this.limits.maxRange}`,
      );
    }
    return { binding: { id: this.bufferId(t), offset, range }, base: delta / unit };
  }

  /** A 1-D range of `groups` workgroups as a grid within the x limit (shaders linearise it back). */
  grid(groups: number): [number, number, number] {
    const x = Math.min(groups, this.limits.maxGroups);
    const y = Math.ceil(groups / x);
    if (y > this.limits.maxGroups) throw new InvalidArgumentError(`vulkan: ${groups} workgroups exceed the device's grid`);
    return [x, y, 1];
  }

  dispatch(shader: string, groups: readonly [number, number, number], bindings: readonly Binding[], push: readonly PushWord[]): void {
    if (groups.some((g) => g === 0)) return; // nothing to compute
    this.words.push(this.shaderIndex(shader), ...groups, bindings.length);
    for (const b of bindings) this.words.push(b.id, b.offset % 2 ** 32, Math.floor(b.offset / 2 ** 32), b.range);
    this.words.push(push.length);
    for (const w of push) {
      if (typeof w === 'number') {
        if (!Number.isInteger(w) || w < 0 || w >= 2 ** 32) throw new InvalidArgumentError(`vulkan: push constant ${w} is not a 32-bit unsigned integer`);
        this.words.push(w);
      } else {
        f32Bits[0] = w.f32;
        this.words.push(u32Bits[0]!);
      }
    }
    this.count++;
  }

  encode(): Uint32Array {
    return Uint32Array.from([this.count, ...this.words]);
  }
}

/** Bytes per shader unit of a dtype: words for F32/I32, halves for F16, bytes for quantized blocks. */
export function unitOf(dtype: string): number {
  if (dtype === 'F32' || dtype === 'I32') return 4;
  if (dtype === 'F16') return 2;
  return 1;
}

/** Byte alignment a dtype's region needs: its unit, and 2 for quantized blocks (f16 scales). */
export function alignOf(dtype: string): number {
  return Math.max(2, unitOf(dtype));
}
