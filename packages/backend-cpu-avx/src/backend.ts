import {
  InvalidArgumentError,
  ModelFormatError,
  type Backend,
  type BackendBuffer,
  type DeviceInfo,
  type DTypeName,
  type ExpertResidency,
  type GraphNode,
  type GraphSplit,
  type Tensor,
} from '@ix/core';

import type { NativeAddon, NativeContext, NativeCpuInfo } from './native.js';
import { resolveOptions, type CpuAvxOptions, type ResolvedOptions } from './options.js';
import { supportsNode } from './ops.js';
import { buildProgram, updatePositions, type Program } from './program.js';

export const BACKEND_NAME = 'cpu-avx';

/** A native allocation or read-only file mapping owned by one CpuAvxBackend. */
export class CpuAvxBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  constructor(
    readonly owner: CpuAvxBackend,
    /** native buffer id */
    readonly id: number,
    readonly byteLength: number,
    readonly readonly: boolean,
  ) {}
}

export type Advice = 'willneed' | 'dontneed';

/** The native CPU backend: fused dequantize-and-dot kernels, a persistent thread pool, one native call per split. */
export class CpuAvxBackend implements Backend {
  readonly name = BACKEND_NAME;
  readonly device: DeviceInfo;
  readonly settings: ResolvedOptions;
  private ctx: NativeContext | undefined;
  private readonly live = new Set<CpuAvxBuffer>();
  private readonly programs = new WeakMap<GraphSplit, Program>();

  constructor(addon: NativeAddon, cpu: NativeCpuInfo, device: DeviceInfo, options: CpuAvxOptions = {}) {
    this.settings = resolveOptions(cpu, options);
    this.device = device;
    this.ctx = native(() => new addon.Context(this.settings.isa, this.settings.threads, this.settings.accuracy === 'fast', this.settings.repack));
    if (this.settings.expertMemory) native(() => this.context().setExpertBudget(this.settings.expertMemory));
  }

  allocate(byteLength: number): BackendBuffer {
    checkCount('allocate: byteLength', byteLength);
    const id = native(() => this.context().allocate(byteLength));
    return this.track(new CpuAvxBuffer(this, id, byteLength, false));
  }

  free(buffer: BackendBuffer): void {
    const b = this.own(buffer);
    this.live.delete(b);
    native(() => this.context().free(b.id));
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('upload: data must be a Uint8Array');
    const b = this.own(buffer);
    native(() => this.context().upload(b.id, byteOffset, data));
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    const b = this.own(buffer);
    return native(() => this.context().download(b.id, byteOffset, byteLength));
  }

  downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void {
    if (!(target instanceof Uint8Array)) throw new InvalidArgumentError('downloadInto: target must be a Uint8Array');
    const b = this.own(buffer);
    native(() => this.context().downloadInto(b.id, byteOffset, target));
  }

  /** Memory-map `byteLength` bytes of a file at `byteOffset`, read-only and shared (no copy). */
  mapFile(path: string, byteOffset: number, byteLength: number): BackendBuffer {
    if (typeof path !== 'string' || !path) throw new InvalidArgumentError('mapFile: path must be a non-empty string');
    checkCount('mapFile: byteOffset', byteOffset);
    checkCount('mapFile: byteLength', byteLength);
    let id: number;
    try {
      id = this.context().mapFile(path, byteOffset, byteLength);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModelFormatError(path, msg.startsWith(`${path}: `) ? msg.slice(path.length + 2) : msg, { cause: err });
    }
    return this.track(new CpuAvxBuffer(this, id, byteLength, true));
  }

  /** Hint the kernel about a region: prefetch ('willneed') or drop cached file pages ('dontneed', mappings only). */
  expertResidency(): ExpertResidency {
    const { resident, budget, tensors } = native(() => this.context().expertStats());
    const byBuffer = new Map(tensors.map(([id, hits, misses, bytesRead]) => [id, { hits, misses, bytesRead }]));
    return {
      budget,
      resident,
      // a mapped tensor is a buffer of its own (mapFile), so its buffer names it
      use: (t: Tensor) => (t.buffer instanceof CpuAvxBuffer && t.buffer.owner === this ? byBuffer.get(t.buffer.id) : undefined),
      bounds: (t: Tensor) => t.buffer instanceof CpuAvxBuffer && t.buffer.owner === this && t.buffer.readonly,
    };
  }

  madvise(buffer: BackendBuffer, byteOffset: number, byteLength: number, advice: Advice): void {
    const b = this.own(buffer);
    native(() => this.context().madvise(b.id, byteOffset, byteLength, advice));
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    // a split given again (an executor replaying a graph) keeps its program; only positions move
    let program = this.programs.get(split);
    if (program) updatePositions(program);
    else this.programs.set(split, (program = buildProgram(split, (t: Tensor) => this.own(t.buffer).id)));
    native(() => this.context().compute(program.code));
  }

  dispose(): void {
    this.ctx?.dispose();
    this.ctx = undefined;
    this.live.clear();
  }

  private context(): NativeContext {
    if (!this.ctx) throw new InvalidArgumentError('cpu-avx: backend was disposed');
    return this.ctx;
  }

  private track(b: CpuAvxBuffer): CpuAvxBuffer {
    this.live.add(b);
    return b;
  }

  private own(buffer: BackendBuffer): CpuAvxBuffer {
    if (!(buffer instanceof CpuAvxBuffer) || buffer.owner !== this || !this.live.has(buffer)) {
      throw new InvalidArgumentError(`cpu-avx: buffer does not belong to this backend or was freed (backend "${buffer?.backend}")`);
    }
    return buffer;
  }
}

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`cpu-avx: ${what} must be a non-negative integer, got ${v}`);
}

/** Native errors (std::exception -> JS Error) become typed IxErrors. */
function native<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`cpu-avx: ${err instanceof Error ? err.message : String(err)}`);
  }
}
