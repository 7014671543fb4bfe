import type { Backend, BackendBuffer, DeviceInfo, GraphSplit } from '../backend.js';
import type { DTypeName } from '../dtype.js';
import { InvalidArgumentError, UnsupportedOpError } from '../errors.js';
import type { GraphNode } from '../graph.js';
import type { Tensor } from '../tensor.js';
import { HostTensor } from './host-tensor.js';
import { KERNELS, type ComputedOp, type Kernel } from './ops/index.js';
import { referenceSupports } from './support.js';

export const REFERENCE_NAME = 'reference';
export const REFERENCE_DEVICE: DeviceInfo = { kind: 'cpu', name: 'TypeScript reference (host memory)' };

/** A reference buffer: plain host memory. */
export class ReferenceBuffer implements BackendBuffer {
  readonly backend = REFERENCE_NAME;
  readonly byteLength: number;
  /** undefined once freed */
  data: ArrayBuffer | undefined;

  constructor(data: ArrayBuffer) {
    this.data = data;
    this.byteLength = data.byteLength;
  }
}

/**
 * The TypeScript reference backend: every op of graph.ts, computed one node at a time for clarity
 * and exactness (f32 storage, f64 sums). Slow; it defines what the other backends must match.
 */
export class ReferenceBackend implements Backend {
  readonly name = REFERENCE_NAME;
  readonly device = REFERENCE_DEVICE;

  allocate(byteLength: number): BackendBuffer {
    checkCount('allocate: byteLength', byteLength);
    try {
      return new ReferenceBuffer(new ArrayBuffer(byteLength));
    } catch (err) {
      throw new InvalidArgumentError(`reference: cannot allocate ${byteLength} bytes (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  free(buffer: BackendBuffer): void {
    this.own(buffer).data = undefined;
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('reference: upload data must be a Uint8Array');
    this.region(buffer, byteOffset, data.byteLength).set(data);
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    return this.region(buffer, byteOffset, byteLength).slice();
  }

  downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void {
    target.set(this.region(buffer, byteOffset, target.byteLength));
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return referenceSupports(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    for (const node of split.nodes) {
      const inputs = node.inputs.map((id) => this.hostTensor(split.tensorOf(id)));
      if (!this.supports(node, inputs.map((t) => t.dtype))) {
        throw new UnsupportedOpError(node.op, `on the reference backend with inputs ${inputs.map((t) => t.dtype).join(', ')}`);
      }
      const kernel = KERNELS[node.op as ComputedOp] as Kernel<ComputedOp>;
      kernel(node.params as never, inputs, this.hostTensor(split.tensorOf(node.id)));
    }
  }

  dispose(): void {}

  private hostTensor(t: Tensor): HostTensor {
    return new HostTensor(t.shape, t.dtype, this.region(t.buffer, t.offset, t.byteLength));
  }

  private region(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    const data = this.own(buffer).data;
    if (!data) throw new InvalidArgumentError('reference: buffer was freed');
    checkCount('byteOffset', byteOffset);
    checkCount('byteLength', byteLength);
    if (byteOffset + byteLength > data.byteLength) {
      throw new InvalidArgumentError(`reference: bytes ${byteOffset}..${byteOffset + byteLength} are outside a buffer of ${data.byteLength}`);
    }
    return new Uint8Array(data, byteOffset, byteLength);
  }

  private own(buffer: BackendBuffer): ReferenceBuffer {
    if (!(buffer instanceof ReferenceBuffer)) throw new InvalidArgumentError(`reference: buffer belongs to backend "${buffer?.backend}"`);
    return buffer;
  }
}

function checkCount(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`reference: ${what} must be a non-negative integer, got ${v}`);
}
