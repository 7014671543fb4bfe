import { InvalidArgumentError, type GraphNode, type OpParams, type Tensor } from '@ix/core';

/** A kernel pointer argument: none, a byte range of a tensor's buffer, the program's positions, or its scratch. */
export type Ptr = { kind: 0 } | { kind: 1; id: number; offset: number; bytes: number } | { kind: 2; index: number } | { kind: 3; offset: number; bytes: number };

/** An argument word: an unsigned integer, a float (its f32 bits), or a double (two words, low first). */
export type Word = number | { f32: number } | { f64: number };
export const f32 = (v: number): Word => ({ f32: v });
export const f64 = (v: number): Word => ({ f64: v });

const f32Bits = new Float32Array(1);
const u32OfF32 = new Uint32Array(f32Bits.buffer);
const f64Bits = new Float64Array(1);
const u32OfF64 = new Uint32Array(f64Bits.buffer);

/** Threads per block of the 1-D elementwise launches. */
export const BLOCK = 256;

/** Nodes whose params move between runs (graph.ts `reposition`): two position words each. */
export interface Positional {
  index: number;
  node: GraphNode;
}

export interface Encoded {
  words: Uint32Array;
  positionCount: number;
  positional: Positional[];
}

/**
 * Collects the kernel launches of one split and encodes them for native/program.h: count, then per
 * launch kernel, grid x/y/z, block, shared bytes, pointers {kind, id|index, offset lo/hi, bytes lo/hi},
 * words. Positions (cache rows, attention pos0/kvLen) are not baked in: kernels read them from a
 * device buffer written before each run, so a replayed CUDA graph stays valid.
 */
export class ProgramBuilder {
  private readonly words: number[] = [];
  private count = 0;
  private positions = 0;
  private readonly positional: Positional[] = [];
  private scratchTop = 0;

  constructor(
    private readonly bufferId: (t: Tensor) => number,
    private readonly kernelIndex: (name: string) => number,
  ) {}

  /** `bytes` bytes of `t` from `first` on; `align` is the byte alignment the kernel needs of the region. */
  ptr(t: Tensor, align: number, first = 0, bytes = t.byteLength - first): Ptr {
    const offset = t.offset + first;
    if (offset % align !== 0) {
      throw new InvalidArgumentError(`cuda: tensor ${t.name ?? ''} (${t.dtype}) at byte offset ${offset} is not aligned to ${align} bytes`);
    }
    return { kind: 1, id: this.bufferId(t), offset, bytes };
  }

  none(): Ptr {
    return { kind: 0 };
  }

  /** `bytes` of the program's own device memory (partial results passed from one launch to the next). */
  scratch(bytes: number): Ptr {
    const offset = this.scratchTop;
    this.scratchTop += Math.ceil(bytes / 256) * 256;
    return { kind: 3, offset, bytes };
  }

  private readonly memos = new Map<string, unknown>();

  /** What `make` returns the first time `key` is asked for in this program (results one launch leaves for later ones). */
  memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** Two position words for `node`, filled from its params before every run. */
  position(node: GraphNode): { ptr: Ptr; index: number } {
    const index = this.positions;
    this.positions += 2;
    this.positional.push({ index, node });
    return { ptr: { kind: 2, index }, index };
  }

  launch(kernel: string, grid: number | readonly [number, number], block: number, ptrs: readonly Ptr[], args: readonly Word[]): void {
    const [gx, gy] = typeof grid === 'number' ? [grid, 1] : grid;
    if (gx === 0 || gy === 0) return; // nothing to compute
    if (gx > 0x7fffffff || gy > 65535) throw new InvalidArgumentError(`cuda: launch of ${kernel} needs a ${gx} x ${gy} grid, over the device's limits`);
    this.words.push(this.kernelIndex(kernel), gx, gy, 1, block, 0, ptrs.length);
    for (const p of ptrs) {
      if (p.kind === 0) this.words.push(0, 0, 0, 0, 0, 0);
      else if (p.kind === 2) this.words.push(2, p.index, 0, 0, 8, 0);
      else if (p.kind === 3) this.words.push(3, 0, p.offset % 2 ** 32, Math.floor(p.offset / 2 ** 32), p.bytes % 2 ** 32, Math.floor(p.bytes / 2 ** 32));
      else this.words.push(1, p.id, p.offset % 2 ** 32, Math.floor(p.offset / 2 ** 32), p.bytes % 2 ** 32, Math.floor(p.bytes / 2 ** 32));
    }
    const flat: number[] = [];
    for (const w of args) {
      if (typeof w === 'number') {
        if (!Number.isInteger(w) || w < 0 || w >= 2 ** 32) throw new InvalidArgumentError(`cuda: kernel argument ${w} is not a 32-bit unsigned integer`);
        flat.push(w);
      } else if ('f32' in w) {
        f32Bits[0] = w.f32;
        flat.push(u32OfF32[0]!);
      } else {
        f64Bits[0] = w.f64;
        flat.push(u32OfF64[0]!, u32OfF64[1]!);
      }
    }
    this.words.push(flat.length, ...flat);
    this.count++;
  }

  encode(): Encoded {
    return { words: Uint32Array.from([this.count, ...this.words]), positionCount: this.positions, positional: this.positional };
  }
}

/** The position words of a program, from its nodes' current params. */
export function fillPositions(positional: readonly Positional[], out: Uint32Array): void {
  for (const { index, node } of positional) {
    if (node.op === 'write_rows') {
      out[index] = (node.params as OpParams['write_rows']).row;
      out[index + 1] = 0;
    } else {
      const a = node.params as OpParams['attention'];
      out[index] = a.pos0;
      out[index + 1] = a.kvLen;
    }
  }
}

/** Bytes per element of a plain dtype (quantized rows are addressed in bytes). */
export function elementBytes(dtype: string): number {
  return dtype === 'F16' || dtype === 'BF16' ? 2 : dtype === 'F32' || dtype === 'I32' ? 4 : 1;
}

/** Byte alignment a region of `dtype` needs: its element size, 2 for quantized blocks (f16 scales), 1 for MXFP4's (bytes only). */
export function alignOf(dtype: string): number {
  return dtype === 'MXFP4' ? 1 : Math.max(2, elementBytes(dtype));
}
