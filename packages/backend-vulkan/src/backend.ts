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

import { deviceInfo } from './devices.js';
import type { NativeAddon, NativeContext, NativeDevice } from './native.js';
import { supportsNode } from './ops.js';
import type { ResolvedOptions } from './options.js';
import { PLANNERS, ropeInvFreq, type PlanContext } from './plan/index.js';
import { ProgramBuilder, type Limits } from './program.js';

export const BACKEND_NAME = 'vulkan';

/** A device-local Vulkan buffer owned by one VulkanBackend. */
export class VulkanBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  constructor(
    readonly owner: VulkanBackend,
    /** native buffer id */
    readonly id: number,
    readonly byteLength: number,
  ) {}
}

/**
 * The Vulkan backend: tensors live in device buffers; each split is planned into dispatches that are
 * recorded into one command buffer and submitted once, so activations never leave the device inside a split.
 */
export class VulkanBackend implements Backend {
  readonly name = BACKEND_NAME;
  readonly device: DeviceInfo;
  readonly physical: NativeDevice;
  readonly limits: Limits;
  private ctx: NativeContext | undefined;
  private readonly live = new Set<VulkanBuffer>();
  private readonly shaders: Map<string, number>;
  /** rope frequency tables by "dims/base/freqScale", kept for the backend's lifetime */
  private readonly ropeTables = new Map<string, Tensor>();

  constructor(addon: NativeAddon, deviceIndex: number, settings: ResolvedOptions) {
    this.ctx = native(() => new addon.Context(settings.library, deviceIndex, settings.stagingBytes));
    this.physical = this.ctx.device();
    this.device = deviceInfo(this.physical);
    this.shaders = new Map(addon.shaderNames().map((n, i) => [n, i]));
    const range = Math.min(this.physical.maxStorageBufferRange, settings.maxBindingBytes ?? Infinity);
    this.limits = {
      align: Math.max(4, this.physical.minStorageBufferOffsetAlignment),
      maxRange: range - (range % 4),
      maxGroups: Math.min(this.physical.maxComputeWorkGroupCount[0], this.physical.maxComputeWorkGroupCount[1]),
    };
  }

  allocate(byteLength: number): BackendBuffer {
    checkCount('allocate: byteLength', byteLength);
    const id = native(() => this.context().allocate(byteLength));
    const b = new VulkanBuffer(this, id, byteLength);
    this.live.add(b);
    return b;
  }

  free(buffer: BackendBuffer): void {
    const b = this.own(buffer);
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

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    const builder = new ProgramBuilder(this.limits, (t) => this.own(t.buffer).id, (name) => {
      const i = this.shaders.get(name);
      if (i === undefined) throw new InvalidArgumentError(`vulkan: the addon has no shader "${name}"`);
      return i;
    });
    for (const node of split.nodes) {
      const planner = PLANNERS[node.op];
      const dtypes = node.inputs.map((i) => split.graph.node(i).dtype);
      if (!planner || !supportsNode(node, dtypes)) throw new UnsupportedOpError(node.op, `with inputs ${dtypes.join(', ')} on vulkan`);
      const ctx: PlanContext = {
        b: builder,
        node,
        input: (k) => split.tensorOf(node.inputs[k]!),
        out: split.tensorOf(node.id),
        ropeTable: (dims, base, freqScale) => this.ropeTable(dims, base, freqScale),
      };
      planner(ctx);
    }
    const program = builder.encode();
    native(() => this.context().run(program));
  }

  /** Queue submissions so far (one per computed split; uploads and downloads one per staging chunk). */
  get submits(): number {
    return this.context().submits();
  }

  /** Native buffers alive, rope tables included. */
  get liveBuffers(): number {
    return this.context().liveBuffers();
  }

  dispose(): void {
    this.ctx?.dispose();
    this.ctx = undefined;
    this.live.clear();
    this.ropeTables.clear();
  }

  private ropeTable(dims: number, base: number, freqScale: number): Tensor {
    const key = `${dims}/${base}/${freqScale}`;
    let t = this.ropeTables.get(key);
    if (!t) {
      const table = ropeInvFreq(dims, base, freqScale);
      const buf = this.allocate(table.byteLength);
      this.upload(buf, 0, new Uint8Array(table.buffer));
      t = new Tensor([dims / 2], 'F32', buf, 0, `rope ${key}`);
      this.ropeTables.set(key, t);
    }
    return t;
  }

  private context(): NativeContext {
    if (!this.ctx) throw new InvalidArgumentError('vulkan: backend was disposed');
    return this.ctx;
  }

  private own(buffer: BackendBuffer): VulkanBuffer {
    if (!(buffer instanceof VulkanBuffer) || buffer.owner !== this || !this.live.has(buffer)) {
      throw new InvalidArgumentError(`vulkan: buffer does not belong to this backend or was freed (backend "${buffer?.backend}")`);
    }
    return buffer;
  }
}

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`vulkan: ${what} must be a non-negative integer, got ${v}`);
}

/** Native errors (std::exception -> JS Error) become typed IxErrors. */
function native<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`vulkan: ${err instanceof Error ? err.message : String(err)}`);
  }
}
