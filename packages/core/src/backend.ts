import type { BackendBuffer } from './buffer.js';
import type { DTypeName } from './dtype.js';
import type { Graph, GraphNode, OpName } from './graph.js';
import type { Tensor } from './tensor.js';

export type { BackendBuffer } from './buffer.js';

/**
 * The hardware abstraction layer. A backend package (`@ix/backend-*`) implements `BackendFactory`
 * and registers it with `registerBackend`. Core never imports a backend.
 */
export type DeviceKind = 'cpu' | 'gpu' | 'npu';

export interface DeviceInfo {
  kind: DeviceKind;
  name: string;
  /** bytes of memory the backend can allocate from, when known */
  memoryBytes?: number;
}

/** What `probe()` reports. Probing must have no side effects (no device allocation, no threads left running). */
export interface ProbeResult {
  available: boolean;
  /** why the backend is unavailable (missing addon, no driver, unsupported CPU, ...) */
  reason?: string;
  device: DeviceInfo;
  /** ISA or API features, e.g. ["avx2", "fma", "avx512f"] or ["vulkan-1.3", "shaderFloat16"] */
  features: string[];
  /** for each op, the weight/input dtypes it handles; an op missing here is not supported */
  ops: Partial<Record<OpName, readonly DTypeName[]>>;
  /** anything else worth showing in `ix probe` */
  details?: Record<string, string | number | boolean>;
  /**
   * the backend's rank on this machine when probing tells more than the factory's static `priority`
   * (WebGPU learns only from its adapter, asynchronously, whether it drives a GPU or a software one)
   */
  priority?: number;
}

export interface BackendOptions {
  /** worker threads for CPU backends; default chosen by the backend */
  threads?: number;
  /**
   * bytes of mixture-of-experts weights (the slices of 3-D mul_mat_id weights) kept resident when
   * they are read from file mappings; the least used beyond it are given back (cpu-avx: LRFU; default: no bound)
   */
  expertMemory?: number;
  [key: string]: unknown;
}

/** How the experts of one mixture-of-experts weight were used (mul_mat_id slices). */
export interface ExpertUse {
  /** chosen experts that were resident */
  hits: number;
  /** chosen experts that were not (first use, or given back under the budget) */
  misses: number;
  /** bytes of the experts that missed */
  bytesRead: number;
}

/** A backend's expert residency: the budget, what is resident now, and the use of each expert tensor. */
export interface ExpertResidency {
  /** 0: no budget */
  budget: number;
  resident: number;
  /** undefined for a tensor the backend did not track (not file-mapped, or never used) */
  use(tensor: Tensor): ExpertUse | undefined;
  /** whether the budget can bound this expert tensor (it is read from a file mapping) */
  bounds(tensor: Tensor): boolean;
}

export interface BackendFactory {
  name: string;
  /** higher wins when several backends are available */
  priority: number;
  probe(): ProbeResult | Promise<ProbeResult>;
  create(options?: BackendOptions): Backend | Promise<Backend>;
}


/** A contiguous run of graph nodes assigned to one backend, with a tensor for every value it touches. */
export interface GraphSplit {
  graph: Graph;
  nodes: readonly GraphNode[];
  /** tensor holding the value of a node: every input of `nodes` and every node of `nodes` has one */
  tensorOf(nodeId: number): Tensor;
  /**
   * ids of the nodes whose values the run hands back. With the graph's readers it tells a backend
   * which values no one sees outside `nodes`: those it may fuse away (never write). Absent: assume
   * any value may be read.
   */
  outputs?: ReadonlySet<number>;
}

export interface Backend {
  readonly name: string;
  readonly device: DeviceInfo;
  /**
   * optional: token counts a step should have, for a backend that compiles each step shape once
   * (an ONNX Runtime session, an NPU graph). The model library splits a prompt into chunks of these
   * sizes (the largest that fits first; 1 must be among them), so few shapes are ever compiled.
   */
  readonly stepSizes?: readonly number[];
  allocate(byteLength: number): BackendBuffer;
  free(buffer: BackendBuffer): void;
  /** copy host bytes into a buffer */
  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void;
  /**
   * copy bytes out of a buffer into new host memory that the caller owns (the executor hands it out
   * without another copy). A device that can only read back asynchronously (WebGPU) returns a Promise.
   */
  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array | Promise<Uint8Array>;
  /** optional: copy `target.byteLength` bytes out of a buffer into caller memory (reused from step to step; else download + set) */
  downloadInto?(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void | Promise<void>;
  /** optional zero-copy view of a file region (weights); the buffer is read-only */
  mapFile?(path: string, byteOffset: number, byteLength: number): BackendBuffer;
  /**
   * optional: give back what the backend holds for a weight tensor beyond its buffer (a repacked
   * copy; a file mapping's resident pages). The tensor stays usable: it is read again when next used.
   */
  release?(tensor: Tensor): void;
  /** optional: experts kept resident under `BackendOptions.expertMemory`, and how they were used */
  expertResidency?(): ExpertResidency;
  /** can this backend compute `node`, given the dtypes of its inputs? */
  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean;
  /** compute the nodes of a split in order, writing each node's tensor */
  compute(split: GraphSplit): void | Promise<void>;
  dispose(): void;
}
