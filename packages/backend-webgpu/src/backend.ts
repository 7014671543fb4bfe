import {
  InvalidArgumentError,
  Tensor,
  UnsupportedOpError,
  type Backend,
  type BackendBuffer,
  type DeviceInfo,
  type DTypeName,
  type GraphNode,
  type GraphSplit,
} from '@ix/core';

import type { AdapterFacts } from './gpu.js';
import { adapterName } from './gpu.js';
import type { Dispatch } from './kernels/dispatch.js';
import { ropeFrequencies } from './kernels/rope.js';
import { PLANNERS, supportsNode } from './ops.js';
import { PipelineCache, SplitProgram, USAGE } from './program.js';
import { Splicer } from './splice.js';

export const BACKEND_NAME = 'webgpu';

/** A GPUBuffer owned by one WebGpuBackend (its size rounded up to 4 bytes, as WebGPU copies need). */
export class WebGpuBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  constructor(
    readonly owner: WebGpuBackend,
    readonly gpu: GPUBuffer,
    readonly byteLength: number,
  ) {}
}

/**
 * The WebGPU backend: tensors live in GPU buffers; each split becomes a program (pipelines, bind
 * groups, one uniform buffer) made once and replayed as one compute pass and one submit, so
 * activations and the KV cache stay on the device and only inputs and outputs cross.
 */
export class WebGpuBackend implements Backend {
  readonly name = BACKEND_NAME;
  readonly device: DeviceInfo;
  private readonly live = new Set<WebGpuBuffer>();
  private readonly programs = new WeakMap<GraphSplit, SplitProgram>();
  private readonly pipelines: PipelineCache;
  private readonly ropeTables = new Map<string, Tensor>();
  private readonly staging: GPUBuffer[] = [];
  private readonly splicer: Splicer;
  private lost: string | undefined;
  private disposed = false;
  /** validation errors Dawn or the browser raised outside an error scope */
  private readonly errors: string[] = [];

  /** kernels reduce through subgroup operations (the device was created with the feature) */
  readonly subgroups: boolean;

  constructor(
    readonly gpu: GPUDevice,
    readonly adapter: AdapterFacts,
  ) {
    this.subgroups = gpu.features.has('subgroups');
    this.device = { kind: 'gpu', name: adapterName(adapter) };
    this.pipelines = new PipelineCache(gpu);
    this.splicer = new Splicer(gpu);
    gpu.lost.then((info) => {
      if (!this.disposed) this.lost = `the WebGPU device was lost (${info.reason}): ${info.message}`;
    });
    gpu.onuncapturederror = (e) => {
      this.errors.push(e.error.message);
    };
  }

  /** Pipelines compiled so far (one per kernel variant and binding pattern). */
  get pipelinesCompiled(): number {
    return this.pipelines.compiled;
  }

  allocate(byteLength: number): BackendBuffer {
    this.check();
    checkCount('allocate: byteLength', byteLength);
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    const max = Math.min(this.gpu.limits.maxBufferSize, this.gpu.limits.maxStorageBufferBindingSize);
    if (size > max) throw new InvalidArgumentError(`webgpu: a buffer of ${byteLength} bytes exceeds this adapter's largest storage binding (${max} bytes)`);
    const gpu = this.gpu.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    const b = new WebGpuBuffer(this, gpu, byteLength);
    this.live.add(b);
    return b;
  }

  free(buffer: BackendBuffer): void {
    const b = this.own(buffer);
    this.live.delete(b);
    b.gpu.destroy();
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    this.check();
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('webgpu: upload: data must be a Uint8Array');
    const b = this.own(buffer);
    checkCount('upload: byteOffset', byteOffset);
    if (byteOffset + data.byteLength > b.byteLength) throw new InvalidArgumentError(`webgpu: upload of ${data.byteLength} bytes at ${byteOffset} overruns a buffer of ${b.byteLength}`);
    if (data.byteLength === 0) return;
    // queue writes move whole 4-byte words: pad the tail where it ends the buffer (the padding is
    // ours); anything else unaligned is merged on the device
    const end = byteOffset + data.byteLength;
    if (byteOffset % 4 !== 0 || (end % 4 !== 0 && end !== b.byteLength)) {
      this.splicer.write(b.gpu, byteOffset, data);
      return;
    }
    let bytes = data;
    if (data.byteLength % 4 !== 0) {
      bytes = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
      bytes.set(data);
    }
    this.gpu.queue.writeBuffer(b.gpu, byteOffset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const out = new Uint8Array(byteLength);
    await this.downloadInto(buffer, byteOffset, out);
    return out;
  }

  async downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): Promise<void> {
    this.check();
    const b = this.own(buffer);
    checkCount('download: byteOffset', byteOffset);
    if (byteOffset + target.byteLength > b.byteLength) throw new InvalidArgumentError(`webgpu: download of ${target.byteLength} bytes at ${byteOffset} overruns a buffer of ${b.byteLength}`);
    if (target.byteLength === 0) return;
    // copies move whole words: read the words around the range
    const start = byteOffset - (byteOffset % 4);
    const size = Math.ceil((byteOffset + target.byteLength - start) / 4) * 4;
    const staging = this.takeStaging(size);
    try {
      const encoder = this.gpu.createCommandEncoder();
      encoder.copyBufferToBuffer(b.gpu, start, staging, 0, size);
      this.gpu.queue.submit([encoder.finish()]);
      await staging.mapAsync(1 /* GPUMapMode.READ */, 0, size);
      target.set(new Uint8Array(staging.getMappedRange(0, size), byteOffset - start, target.byteLength));
      staging.unmap();
    } finally {
      this.staging.push(staging);
    }
    this.check();
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  async compute(split: GraphSplit): Promise<void> {
    this.check();
    let program = this.programs.get(split);
    if (!program) {
      program = await this.build(split);
      this.programs.set(split, program);
    }
    program.run();
    // wait here rather than in the readback that follows, so time in compute is the device's
    // (the executor's host-overhead figure) and a device error surfaces at the op that caused it
    await this.gpu.queue.onSubmittedWorkDone();
    this.check();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.live) b.gpu.destroy();
    for (const s of this.staging) s.destroy();
    this.live.clear();
    this.ropeTables.clear();
    this.staging.length = 0;
    this.gpu.destroy();
  }

  /** Plan every node, compile what is new, and report WebGPU validation errors as errors. */
  private async build(split: GraphSplit): Promise<SplitProgram> {
    const dispatches: Dispatch[] = [];
    for (const node of split.nodes) {
      const planner = PLANNERS[node.op];
      const dtypes = node.inputs.map((i) => split.graph.node(i).dtype);
      if (!planner || !supportsNode(node, dtypes)) throw new UnsupportedOpError(node.op, `with inputs ${dtypes.join(', ')} on webgpu`);
      dispatches.push(...planner({
        node,
        input: (k) => split.tensorOf(node.inputs[k]!),
        out: split.tensorOf(node.id),
        ropeTable: (dims, base) => this.ropeTable(dims, base),
        subgroups: this.subgroups,
      }));
    }
    this.gpu.pushErrorScope('validation');
    this.pipelines.mark();
    let program: SplitProgram | undefined;
    try {
      program = new SplitProgram(this.gpu, this.pipelines, dispatches, (t) => this.own(t.buffer).gpu, this.gpu.limits.minUniformBufferOffsetAlignment);
    } finally {
      const error = await this.gpu.popErrorScope();
      if (error) {
        this.pipelines.forgetSinceMark();
        program?.destroy();
        throw new InvalidArgumentError(`webgpu: ${error.message}`);
      }
    }
    return program;
  }

  private takeStaging(size: number): GPUBuffer {
    const i = this.staging.findIndex((s) => s.size >= size);
    if (i >= 0) return this.staging.splice(i, 1)[0]!;
    return this.gpu.createBuffer({ size: Math.max(size, 256), usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'ix readback' });
  }

  private ropeTable(dims: number, base: number): Tensor {
    const key = `${dims}/${base}`;
    let t = this.ropeTables.get(key);
    if (!t) {
      const table = ropeFrequencies(dims, base);
      const buf = this.allocate(table.byteLength);
      this.upload(buf, 0, new Uint8Array(table.buffer));
      t = new Tensor([dims / 2], 'F32', buf, 0, `rope ${key}`);
      this.ropeTables.set(key, t);
    }
    return t;
  }

  private check(): void {
    if (this.disposed) throw new InvalidArgumentError('webgpu: backend was disposed');
    if (this.lost) throw new InvalidArgumentError(this.lost);
    if (this.errors.length) throw new InvalidArgumentError(`webgpu: ${this.errors.splice(0).join('; ')}`);
  }

  private own(buffer: BackendBuffer): WebGpuBuffer {
    if (!(buffer instanceof WebGpuBuffer) || buffer.owner !== this || !this.live.has(buffer)) {
      throw new InvalidArgumentError(`webgpu: buffer does not belong to this backend or was freed (backend "${buffer?.backend}")`);
    }
    return buffer;
  }
}

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`webgpu: ${what} must be a non-negative integer, got ${v}`);
}
