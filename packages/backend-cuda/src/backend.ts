import {
  InvalidArgumentError,
  type Backend,
  type BackendBuffer,
  type DeviceInfo,
  type DTypeName,
  type GraphNode,
  type GraphSplit,
  type Tensor,
} from '@ix/core';

import { deviceInfo } from './devices.js';
import type { NativeAddon, NativeContext, NativeDevice, NativeProgram } from './native.js';
import { supportsNode } from './ops.js';
import type { ResolvedOptions } from './options.js';
import { planSplit } from './plan/index.js';
import { fillPositions, ProgramBuilder, type Positional } from './program.js';

export const BACKEND_NAME = 'cuda';

/** Compiled programs kept per split object; an executor replaying a graph gives the same split again. */
const KEPT_PROGRAMS = 64;

/** A device buffer owned by one CudaBackend. */
export class CudaBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  constructor(
    readonly owner: CudaBackend,
    /** native buffer id */
    readonly id: number,
    readonly byteLength: number,
  ) {}
}

interface Compiled {
  program: NativeProgram;
  positional: Positional[];
  positions: Uint32Array;
}

/**
 * The CUDA backend: tensors live in device memory; each split is planned once into kernel launches
 * on one stream, and a split run again is replayed as a CUDA graph with only its positions
 * rewritten, so a decode step costs one graph launch.
 */
export class CudaBackend implements Backend {
  readonly name = BACKEND_NAME;
  readonly device: DeviceInfo;
  readonly physical: NativeDevice;
  private ctx: NativeContext | undefined;
  private readonly live = new Set<CudaBuffer>();
  private readonly kernels: Map<string, number>;
  private readonly programs = new Map<GraphSplit, Compiled>();

  constructor(addon: NativeAddon, deviceIndex: number, private readonly settings: ResolvedOptions) {
    this.ctx = native(() => new addon.Context(settings.library, deviceIndex, settings.stagingBytes));
    this.physical = this.ctx.device();
    this.device = deviceInfo(this.physical);
    this.kernels = new Map(addon.kernelNames().map((n, i) => [n, i]));
  }

  allocate(byteLength: number): BackendBuffer {
    checkCount('allocate: byteLength', byteLength);
    const id = native(() => this.context().allocate(byteLength));
    const b = new CudaBuffer(this, id, byteLength);
    this.live.add(b);
    return b;
  }

  free(buffer: BackendBuffer): void {
    const b = this.own(buffer);
    // a kept program that reads it refuses to run from now on (native ids are never reused)
    this.live.delete(b);
    native(() => this.context().free(b.id));
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('upload: data must be a Uint8Array');
    const b = this.own(buffer);
    checkCount('upload: byteOffset', byteOffset);
    native(() => this.context().upload(b.id, byteOffset, data));
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    const b = this.own(buffer);
    checkCount('download: byteOffset', byteOffset);
    checkCount('download: byteLength', byteLength);
    return native(() => this.context().download(b.id, byteOffset, byteLength));
  }

  downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void {
    const b = this.own(buffer);
    checkCount('download: byteOffset', byteOffset);
    native(() => this.context().downloadInto(b.id, byteOffset, target));
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    let c = this.programs.get(split);
    if (c) {
      this.programs.delete(split); // most recently used last
      this.programs.set(split, c);
    } else {
      c = this.compile(split);
      this.programs.set(split, c);
      if (this.programs.size > KEPT_PROGRAMS) {
        const [oldest, kept] = this.programs.entries().next().value as [GraphSplit, Compiled];
        this.dropProgram(oldest, kept);
      }
    }
    fillPositions(c.positional, c.positions);
    const program = c.program;
    const positions = c.positions;
    // wait for the GPU here rather than in the download that follows (which would wait anyway): a
    // failed kernel is reported by the compute that ran it, and the executor's compute time is the
    // device's, not the host's
    native(() => {
      program.run(positions);
      this.context().synchronize();
    });
  }

  /** Wait for every queued kernel (compute() and downloads wait by themselves). */
  synchronize(): void {
    native(() => this.context().synchronize());
  }

  /** Native buffers alive. */
  get liveBuffers(): number {
    return this.context().liveBuffers();
  }

  /** Kept programs and how many of them replay as CUDA graphs (for tests and `ix probe`). */
  get programStats(): { programs: number; graphed: number; launches: number } {
    let graphed = 0, launches = 0;
    for (const c of this.programs.values()) {
      if (c.program.graphed()) graphed++;
      launches += c.program.launches();
    }
    return { programs: this.programs.size, graphed, launches };
  }

  dispose(): void {
    for (const [split, c] of this.programs) this.dropProgram(split, c);
    this.ctx?.dispose();
    this.ctx = undefined;
    this.live.clear();
  }

  private compile(split: GraphSplit): Compiled {
    const builder = new ProgramBuilder((t: Tensor) => this.own(t.buffer).id, (name) => {
      const i = this.kernels.get(name);
      if (i === undefined) throw new InvalidArgumentError(`cuda: the addon has no kernel "${name}"`);
      return i;
    });
    planSplit(builder, split, this.settings);
    const enc = builder.encode();
    const program = native(() => this.context().compile(enc.words, enc.positionCount, this.settings.graphs));
    return { program, positional: enc.positional, positions: new Uint32Array(enc.positionCount) };
  }

  private dropProgram(split: GraphSplit, c: Compiled): void {
    this.programs.delete(split);
    c.program.dispose();
  }

  private context(): NativeContext {
    if (!this.ctx) throw new InvalidArgumentError('cuda: backend was disposed');
    return this.ctx;
  }

  private own(buffer: BackendBuffer): CudaBuffer {
    if (!(buffer instanceof CudaBuffer) || buffer.owner !== this || !this.live.has(buffer)) {
      throw new InvalidArgumentError(`cuda: buffer does not belong to this backend or was freed (backend "${buffer?.backend}")`);
    }
    return buffer;
  }
}

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`cuda: ${what} must be a non-negative integer, got ${v}`);
}

/** Native errors (std::exception -> JS Error) become typed IxErrors. */
function native<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`cuda: ${err instanceof Error ? err.message : String(err)}`);
  }
}
