import type { Backend, BackendBuffer, DeviceInfo, GraphSplit } from '../../src/backend.js';
import type { DTypeName } from '../../src/dtype.js';
import { InvalidArgumentError } from '../../src/errors.js';
import type { GraphNode, OpName } from '../../src/graph.js';
import { ReferenceBackend } from '../../src/reference/index.js';
import { Tensor } from '../../src/tensor.js';

/** A buffer of a PartialBackend: its own type and backend name, wrapping reference memory. */
class PartialBuffer implements BackendBuffer {
  constructor(
    readonly backend: string,
    readonly inner: BackendBuffer,
  ) {}

  get byteLength(): number {
    return this.inner.byteLength;
  }
}

/**
 * A stand-in accelerator for executor tests: computes with the reference kernels but supports only
 * `ops`, and keeps its own buffers (under its own name), so the executor must split the graph and
 * copy values between it and the real reference backend.
 */
export class PartialBackend implements Backend {
  readonly device: DeviceInfo = { kind: 'npu', name: 'test accelerator' };
  /** ops of every split computed here, in order */
  readonly computed: OpName[] = [];
  /** buffers allocated and not yet freed */
  live = 0;
  private readonly inner = new ReferenceBackend();

  constructor(
    readonly name: string,
    private readonly ops: ReadonlySet<OpName>,
  ) {}

  allocate(byteLength: number): BackendBuffer {
    this.live++;
    return new PartialBuffer(this.name, this.inner.allocate(byteLength));
  }

  free(buffer: BackendBuffer): void {
    this.live--;
    this.inner.free(this.own(buffer).inner);
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    this.inner.upload(this.own(buffer).inner, byteOffset, data);
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    return this.inner.download(this.own(buffer).inner, byteOffset, byteLength);
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return this.ops.has(node.op) && this.inner.supports(node, inputDTypes);
  }

  compute(split: GraphSplit): void {
    this.computed.push(...split.nodes.map((n) => n.op));
    this.inner.compute({
      graph: split.graph,
      nodes: split.nodes,
      tensorOf: (id) => {
        const t = split.tensorOf(id);
        return new Tensor(t.shape, t.dtype, this.own(t.buffer).inner, t.offset, t.name);
      },
    });
  }

  dispose(): void {}

  private own(buffer: BackendBuffer): PartialBuffer {
    if (!(buffer instanceof PartialBuffer) || buffer.backend !== this.name) {
      throw new InvalidArgumentError(`${this.name}: buffer belongs to backend "${buffer.backend}"`);
    }
    return buffer;
  }
}
