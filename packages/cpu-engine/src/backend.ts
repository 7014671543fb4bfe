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

import { supportsNode } from './ops.js';
import { buildProgram, updatePositions, type Program } from './program.js';

/** What a host of the native engine offers (native/engine.h behind Node-API or WebAssembly). */
export interface EngineContext {
  allocate(byteLength: number): number;
  free(id: number): void;
  upload(id: number, byteOffset: number, data: Uint8Array): void;
  download(id: number, byteOffset: number, byteLength: number): Uint8Array;
  downloadInto(id: number, byteOffset: number, target: Uint8Array): void;
  /** runs a serialised split (program.ts) */
  compute(program: Float64Array): void;
  dispose(): void;
}

/** An engine allocation (or a read-only file mapping) owned by one EngineBackend. */
export class EngineBuffer implements BackendBuffer {
  constructor(
    readonly owner: EngineBackend,
    /** the engine's buffer id */
    readonly id: number,
    readonly byteLength: number,
    readonly readonly: boolean,
  ) {}
  get backend(): string {
    return this.owner.name;
  }
}

/**
 * A core Backend on the CPU engine: buffers by id, one engine call per split, the split's program
 * kept and only its positions rewritten when the executor hands it over again.
 */
export class EngineBackend<C extends EngineContext = EngineContext> implements Backend {
  private ctx: C | undefined;
  private readonly live = new Set<EngineBuffer>();
  private readonly programs = new WeakMap<GraphSplit, Program>();

  constructor(
    readonly name: string,
    readonly device: DeviceInfo,
    create: () => C,
  ) {
    this.ctx = this.native(create);
  }

  allocate(byteLength: number): BackendBuffer {
    this.checkCount('allocate: byteLength', byteLength);
    const id = this.native(() => this.context().allocate(byteLength));
    return this.track(new EngineBuffer(this, id, byteLength, false));
  }

  free(buffer: BackendBuffer): void {
    const b = this.own(buffer);
    this.live.delete(b);
    this.native(() => this.context().free(b.id));
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('upload: data must be a Uint8Array');
    const b = this.own(buffer);
    this.native(() => this.context().upload(b.id, byteOffset, data));
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    const b = this.own(buffer);
    return this.native(() => this.context().download(b.id, byteOffset, byteLength));
  }

  downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void {
    if (!(target instanceof Uint8Array)) throw new InvalidArgumentError('downloadInto: target must be a Uint8Array');
    const b = this.own(buffer);
    this.native(() => this.context().downloadInto(b.id, byteOffset, target));
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    // a split given again (an executor replaying a graph) keeps its program; only positions move
    let program = this.programs.get(split);
    if (program) updatePositions(program);
    else this.programs.set(split, (program = buildProgram(split, (t: Tensor) => this.own(t.buffer).id)));
    this.native(() => this.context().compute(program.code));
  }

  dispose(): void {
    this.ctx?.dispose();
    this.ctx = undefined;
    this.live.clear();
  }

  protected context(): C {
    if (!this.ctx) throw new InvalidArgumentError(`${this.name}: backend was disposed`);
    return this.ctx;
  }

  protected track(b: EngineBuffer): EngineBuffer {
    this.live.add(b);
    return b;
  }

  /** `t`'s buffer, when it is a live one of this backend */
  protected mine(t: Tensor): EngineBuffer | undefined {
    return t.buffer instanceof EngineBuffer && t.buffer.owner === this && this.live.has(t.buffer) ? t.buffer : undefined;
  }

  protected own(buffer: BackendBuffer): EngineBuffer {
    if (!(buffer instanceof EngineBuffer) || buffer.owner !== this || !this.live.has(buffer)) {
      throw new InvalidArgumentError(`${this.name}: buffer does not belong to this backend or was freed (backend "${buffer?.backend}")`);
    }
    return buffer;
  }

  protected checkCount(what: string, v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${this.name}: ${what} must be a non-negative integer, got ${v}`);
  }

  /** Engine errors (std::exception -> JS Error) become typed IxErrors. */
  protected native<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err;
      throw new InvalidArgumentError(`${this.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
