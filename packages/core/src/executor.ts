import type { Backend, BackendBuffer, GraphSplit } from './backend.js';
import type { DTypeName } from './dtype.js';
import { ArenaPlanner } from './arena.js';
import { InvalidArgumentError, ShapeError, UnsupportedOpError } from './errors.js';
import type { Graph, GraphNode, OpParams } from './graph.js';
import { formatShape, numElements, Tensor, tensorByteSize } from './tensor.js';

export type HostArray = Float32Array | Int32Array;

/**
 * Runs a graph on a primary backend, falling back per op to the next backend that supports it
 * (as ggml's scheduler does). Nodes are grouped into splits: runs of consecutive nodes on one
 * backend. Values crossing a split boundary are copied between backends; a `write_rows` done on a
 * foreign backend is copied back into its owner's buffer so caches stay where they live.
 *
 * Intermediate values live in one arena buffer per backend, planned before the run (a value's
 * bytes are reused once its last reader has run) and kept for the next run, so a decode step
 * allocates nothing.
 *
 * The plan (placement, order, arena offsets) is made once per graph and kept with it. A graph that
 * runs whole on the primary backend is replayed: its split, with every value's tensor, is built
 * once, and a run only uploads the inputs, computes and downloads the outputs — the same split
 * object each time, so a backend may keep what it compiled from it (graph.ts: only positions move).
 */
export class Executor {
  private readonly backends: Backend[];
  /** copies of constants (weights) made for other backends, kept across runs */
  private readonly constantCopies = new WeakMap<Tensor, Map<string, Tensor>>();
  /** idle arena buffers per backend; a run takes one and gives it back (concurrent runs get their own) */
  private readonly idleArenas = new Map<Backend, BackendBuffer[]>();
  /** plans by graph, made on a graph's first run */
  private readonly plans = new WeakMap<Graph, Plan>();
  /** milliseconds spent inside backends' compute() (kernels, and waiting for a device), since creation */
  computeMs = 0;
  /** the primary's arena that replayed plans are bound to (grown as needed; a concurrent run takes an idle one) */
  private replayArena: { buffer: BackendBuffer; busy: boolean } | undefined;

  constructor(primary: Backend, fallbacks: readonly Backend[] = []) {
    this.backends = [primary, ...fallbacks.filter((b) => b !== primary)];
  }

  get primary(): Backend {
    return this.backends[0]!;
  }

  /** The backend each node runs on (leaves: where their value lives). */
  assign(graph: Graph): Backend[] {
    return graph.nodes.map((node) => {
      if (node.op === 'input') return this.primary;
      if (node.op === 'constant') return this.owner(node.tensor!);
      const dtypes = node.inputs.map((i) => graph.node(i).dtype);
      const b = this.backends.find((be) => be.supports(node, dtypes));
      if (!b) {
        throw new UnsupportedOpError(node.op, `with inputs ${dtypes.join(', ')} (backends: ${this.backends.map((x) => x.name).join(', ')})`);
      }
      return b;
    });
  }

  /**
   * Run the graph; returns the values of `outputs` as host arrays (F32 -> Float32Array, I32 ->
   * Int32Array). An array given in `into` for an output receives its value instead of a new one
   * (same dtype and element count), so a caller can reuse one array from step to step.
   */
  async run(graph: Graph, inputs: Record<string, HostArray>, outputs: readonly GraphNode[], into: readonly (HostArray | undefined)[] = []): Promise<HostArray[]> {
    const plan = this.planFor(graph, outputs);
    if (plan.replayable && this.replayArena?.busy !== true) return this.replay(graph, plan, inputs, outputs, into);
    return this.runSplits(graph, plan, inputs, outputs, into);
  }

  /** The kept plan for running `outputs` of `graph`, made when there is none (or the graph grew). */
  private planFor(graph: Graph, outputs: readonly GraphNode[]): Plan {
    const kept = this.plans.get(graph);
    if (kept && kept.nodeCount === graph.nodes.length && kept.outputs.length === outputs.length && kept.outputs.every((id, i) => id === outputs[i]!.id)) return kept;
    const placement = this.assign(graph);
    const needed = liveNodes(graph, outputs);
    const order = graph.nodes.filter((n) => n.op !== 'input' && n.op !== 'constant' && needed.has(n.id));
    const replayable = order.every((n) => placement[n.id] === this.primary && n.inputs.every((i) => placement[i] === this.primary));
    const written = order.filter((n) => n.op === 'write_rows').map((n) => n.id);
    const plan: Plan = { nodeCount: graph.nodes.length, outputs: outputs.map((o) => o.id), placement, order, ...planArenas(graph, order, placement, outputs), replayable, written };
    this.plans.set(graph, plan);
    return plan;
  }

  /** Run a one-split plan from its bound split: inputs up, one compute, outputs down. */
  private async replay(graph: Graph, plan: Plan, inputs: Record<string, HostArray>, outputs: readonly GraphNode[], into: readonly (HostArray | undefined)[]): Promise<HostArray[]> {
    const backend = this.primary;
    const size = plan.sizes.get(backend) ?? 0;
    let arena = this.replayArena;
    if (!arena || arena.buffer.byteLength < size) {
      if (arena) backend.free(arena.buffer);
      this.replayArena = arena = { buffer: backend.allocate(Math.max(size, 1)), busy: false };
    }
    if (plan.bound?.arena !== arena.buffer) plan.bound = bindSplit(graph, plan, arena.buffer);
    const { tensors, split } = plan.bound;
    arena.busy = true;
    try {
      for (const node of graph.nodes) {
        if (node.op !== 'input') continue;
        const bytes = hostBytes(node, inputs[(node.params as OpParams['input']).name]);
        const t = tensors[node.id];
        if (t) backend.upload(t.buffer, t.offset, bytes);
      }
      await this.compute(backend, split);
      // copies of a written cache kept for fallback backends (by other graphs) are stale now
      for (const id of plan.written) this.forgetConstantCopies(tensors[id]!);
      return await this.downloadAll(outputs, (out) => tensors[out.id]!, into);
    } finally {
      arena.busy = false;
    }
  }

  /** backend.compute, timed: what a run spends outside it is host overhead (planning, copies, JS) */
  private async compute(backend: Backend, split: GraphSplit): Promise<void> {
    const t0 = performance.now();
    try {
      await backend.compute(split);
    } finally {
      this.computeMs += performance.now() - t0;
    }
  }

  /** A value on the host: in a new array, or in the caller's `target` (same dtype and size). */
  private async download(t: Tensor, out: GraphNode, target: HostArray | undefined, i: number): Promise<HostArray> {
    const owner = this.owner(t);
    if (!target) return toHost(out.dtype, await owner.download(t.buffer, t.offset, t.byteLength));
    const want = out.dtype === 'I32' ? Int32Array : Float32Array;
    if (!(target instanceof want) || target.byteLength !== t.byteLength) {
      throw new InvalidArgumentError(`executor: output ${i} needs a ${want.name} of ${t.byteLength / 4} elements to download into`);
    }
    const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
    if (owner.downloadInto) await owner.downloadInto(t.buffer, t.offset, bytes);
    else bytes.set(await owner.download(t.buffer, t.offset, t.byteLength));
    return target;
  }

  /** src's bytes into dst (same size), through the host when they live on different backends */
  private async copyValue(src: Tensor, dst: Tensor): Promise<void> {
    this.owner(dst).upload(dst.buffer, dst.offset, await this.owner(src).download(src.buffer, src.offset, src.byteLength));
  }

  /** The outputs' values on the host, one after another (a device reads back one buffer at a time). */
  private async downloadAll(outputs: readonly GraphNode[], tensorOf: (out: GraphNode) => Tensor, into: readonly (HostArray | undefined)[]): Promise<HostArray[]> {
    const values: HostArray[] = [];
    for (let i = 0; i < outputs.length; i++) values.push(await this.download(tensorOf(outputs[i]!), outputs[i]!, into[i], i));
    return values;
  }

  /** Run a plan split by split, copying values between backends where they change hands. */
  private async runSplits(graph: Graph, plan: Plan, inputs: Record<string, HostArray>, outputs: readonly GraphNode[], into: readonly (HostArray | undefined)[]): Promise<HostArray[]> {
    const { placement, order } = plan;
    const owned: { backend: Backend; buffer: BackendBuffer }[] = [];
    const arenas = new Map<Backend, BackendBuffer>();
    // value of node id on a given backend
    const values = new Map<number, Map<string, Tensor>>();
    const home = new Map<number, Tensor>();

    const alloc = (backend: Backend, node: GraphNode): Tensor => {
      const t = new Tensor(node.shape, node.dtype, backend.allocate(bytesOf(node)), 0, node.name);
      owned.push({ backend, buffer: t.buffer });
      return t;
    };
    // a node's value on the backend that computes it: its planned place in that backend's arena
    const place = (backend: Backend, node: GraphNode): Tensor => {
      const offset = plan.offsets.get(node.id);
      if (offset === undefined) return alloc(backend, node);
      return new Tensor(node.shape, node.dtype, arenas.get(backend)!, offset, node.name);
    };
    const setValue = (id: number, t: Tensor) => {
      let m = values.get(id);
      if (!m) values.set(id, (m = new Map()));
      m.set(t.buffer.backend, t);
    };
    // `mutable`: the copy will be written (write_rows dst), so never share a cached constant copy
    const valueOn = async (id: number, backend: Backend, mutable: boolean): Promise<Tensor> => {
      const existing = values.get(id)?.get(backend.name);
      if (existing && !(mutable && existing.buffer.backend !== home.get(id)!.buffer.backend)) return existing;
      const src = home.get(id)!;
      const node = graph.node(id);
      if (node.op === 'constant' && !mutable) {
        let copies = this.constantCopies.get(src);
        if (!copies) this.constantCopies.set(src, (copies = new Map()));
        let c = copies.get(backend.name);
        if (!c) {
          c = new Tensor(src.shape, src.dtype, backend.allocate(src.byteLength), 0, src.name);
          await this.copyValue(src, c);
          copies.set(backend.name, c);
        }
        setValue(id, c);
        return c;
      }
      const copy = alloc(backend, node);
      await this.copyValue(src, copy);
      setValue(id, copy);
      return copy;
    };

    try {
      for (const [backend, size] of plan.sizes) arenas.set(backend, this.takeArena(backend, size));
      for (const node of graph.nodes) {
        if (node.op === 'input') {
          const data = inputs[(node.params as OpParams["input"]).name];
          const t = place(this.primary, node);
          this.primary.upload(t.buffer, t.offset, hostBytes(node, data));
          home.set(node.id, t);
          setValue(node.id, t);
        } else if (node.op === 'constant') {
          home.set(node.id, node.tensor!);
          setValue(node.id, node.tensor!);
        }
      }
      const outputIds = new Set(outputs.map((o) => o.id));
      let i = 0;
      while (i < order.length) {
        const backend = placement[order[i]!.id]!;
        const splitNodes: GraphNode[] = [];
        while (i < order.length && placement[order[i]!.id] === backend) splitNodes.push(order[i++]!);
        const inSplit = new Set(splitNodes.map((n) => n.id));
        // write_rows destinations of this split: the input node and the tensor written on `backend`
        const written: { id: number; local: Tensor }[] = [];
        for (const node of splitNodes) {
          for (let k = 0; k < node.inputs.length; k++) {
            const id = node.inputs[k]!;
            if (!inSplit.has(id)) await valueOn(id, backend, node.op === 'write_rows' && k === 0);
          }
          let t: Tensor;
          if (node.op === 'write_rows') {
            // the node's value is its destination, written in place
            t = values.get(node.inputs[0]!)!.get(backend.name)!;
            written.push({ id: node.inputs[0]!, local: t });
            home.set(node.id, home.get(node.inputs[0]!)!);
          } else {
            t = place(backend, node);
            home.set(node.id, t);
          }
          setValue(node.id, t);
        }
        const split: GraphSplit = {
          graph,
          nodes: splitNodes,
          outputs: outputIds,
          tensorOf: (id) => {
            const t = values.get(id)?.get(backend.name);
            if (!t) throw new InvalidArgumentError(`executor: node ${id} has no value on ${backend.name}`);
            return t;
          },
        };
        await this.compute(backend, split);
        for (const { id, local } of written) {
          const dst = home.get(id)!;
          if (local !== dst) await this.copyValue(local, dst);
          // every other copy of the destination is stale now, under any node it is the value of
          for (const [nodeId, h] of home) {
            if (h !== dst) continue;
            const copies = values.get(nodeId);
            for (const [name, c] of copies ?? []) if (c !== dst && c !== local) copies!.delete(name);
          }
          this.forgetConstantCopies(dst);
        }
      }
      return await this.downloadAll(outputs, (out) => {
        const t = home.get(out.id);
        if (!t) throw new InvalidArgumentError(`executor: output node ${out.id} was not computed`);
        return t;
      }, into);
    } finally {
      for (const { backend, buffer } of owned) backend.free(buffer);
      for (const [backend, buffer] of arenas) this.idleArenas.get(backend)!.push(buffer);
    }
  }

  /**
   * Free the arenas kept between runs (they are made again by the next run). With `free` false
   * they are only forgotten: for backends about to be disposed, which frees everything anyway.
   */
  releaseArenas(free = true): void {
    for (const [backend, idle] of this.idleArenas) for (const buffer of idle.splice(0)) if (free) backend.free(buffer);
    // plans bound to it rebind to the next one (a run in flight keeps it until it ends)
    if (this.replayArena && !this.replayArena.busy) {
      if (free) this.primary.free(this.replayArena.buffer);
      this.replayArena = undefined;
    }
  }

  /** An idle arena of at least `size` bytes for `backend` (a smaller one is replaced). */
  private takeArena(backend: Backend, size: number): BackendBuffer {
    let idle = this.idleArenas.get(backend);
    if (!idle) this.idleArenas.set(backend, (idle = []));
    const found = idle.pop();
    if (found && found.byteLength >= size) return found;
    if (found) backend.free(found);
    return backend.allocate(size);
  }

  /** Drop (and free) the copies of a constant kept for other backends, once the constant was written. */
  private forgetConstantCopies(t: Tensor): void {
    if (!this.constantCopies.has(t)) return;
    for (const copy of this.constantCopies.get(t)?.values() ?? []) this.owner(copy).free(copy.buffer);
    this.constantCopies.delete(t);
  }

  private owner(t: Tensor): Backend {
    const b = this.backends.find((x) => x.name === t.buffer.backend);
    if (!b) throw new InvalidArgumentError(`tensor ${t.name ?? ''} lives on backend "${t.buffer.backend}", which this executor does not use`);
    return b;
  }
}

interface Plan {
  /** the graph's size when planned: a graph that grew since is planned again */
  nodeCount: number;
  outputs: readonly number[];
  placement: Backend[];
  order: GraphNode[];
  offsets: Map<number, number>;
  sizes: Map<Backend, number>;
  /** every computed node and its inputs on the primary: one split, replayed */
  replayable: boolean;
  /** the write_rows nodes (their value is the tensor they write) */
  written: number[];
  /** the replay split and every value's tensor, made for one arena buffer */
  bound?: { arena: BackendBuffer; tensors: (Tensor | undefined)[]; split: GraphSplit };
}

/** The one split of a replayable plan, with a tensor for every value, placed in `arena`. */
function bindSplit(graph: Graph, plan: Plan, arena: BackendBuffer): NonNullable<Plan['bound']> {
  const tensors: (Tensor | undefined)[] = new Array(graph.nodes.length);
  for (const node of graph.nodes) {
    if (node.op === 'constant') tensors[node.id] = node.tensor!;
    else if (node.op === 'write_rows') tensors[node.id] = tensors[node.inputs[0]!];
    else {
      const offset = plan.offsets.get(node.id);
      if (offset !== undefined) tensors[node.id] = new Tensor(node.shape, node.dtype, arena, offset, node.name);
    }
  }
  const split: GraphSplit = {
    graph,
    nodes: plan.order,
    outputs: new Set(plan.outputs),
    tensorOf: (id) => {
      const t = tensors[id];
      if (!t) throw new InvalidArgumentError(`executor: node ${id} has no value`);
      return t;
    },
  };
  return { arena, tensors, split };
}

/**
 * Steps a value's bytes stay untouched after its last reader ran. A backend may run a few
 * consecutive nodes as one launch (GraphSplit.outputs); with this window no node of such a run gets
 * bytes that an earlier node of the run still reads, for runs of up to FUSION_WINDOW + 1 nodes.
 */
const FUSION_WINDOW = 2;

/**
 * Arena offsets for the values a run computes on their own backend (and its inputs, on the
 * primary), from each value's last reader in execution order (plus FUSION_WINDOW). A `write_rows`
 * node's value is its destination, so reading it keeps the destination alive; outputs live to the end.
 */
function planArenas(graph: Graph, order: readonly GraphNode[], placement: readonly Backend[], outputs: readonly GraphNode[]) {
  const root = (id: number): number => {
    let n = graph.node(id);
    while (n.op === 'write_rows') n = graph.node(n.inputs[0]!);
    return n.id;
  };
  const lastUse = new Map<number, number>();
  order.forEach((node, k) => node.inputs.forEach((id) => lastUse.set(root(id), k)));
  for (const o of outputs) lastUse.set(root(o.id), Infinity);

  const planners = new Map<Backend, ArenaPlanner>();
  const offsets = new Map<number, number>();
  const held: { id: number; backend: Backend; bytes: number }[][] = order.map(() => []);
  const take = (node: GraphNode, backend: Backend, now: number) => {
    let p = planners.get(backend);
    if (!p) planners.set(backend, (p = new ArenaPlanner()));
    const bytes = bytesOf(node);
    offsets.set(node.id, p.alloc(bytes));
    const last = lastUse.get(node.id) ?? now;
    const release = Math.max(last, now, 0) + FUSION_WINDOW;
    if (last !== Infinity && release < order.length) held[release]!.push({ id: node.id, backend, bytes });
  };
  for (const node of graph.nodes) if (node.op === 'input' && lastUse.has(node.id)) take(node, placement[node.id]!, -1);
  order.forEach((node, k) => {
    if (node.op !== 'write_rows') take(node, placement[node.id]!, k);
    // after this node's own block is taken, so an output never shares bytes with its inputs
    for (const h of held[k]!) planners.get(h.backend)!.release(offsets.get(h.id)!, h.bytes);
  });
  return { offsets, sizes: new Map([...planners].map(([b, p]) => [b, p.size])) };
}

function bytesOf(node: GraphNode): number {
  return tensorByteSize(node.shape, node.dtype);
}

/** nodes that some output depends on; every write_rows counts, as it changes state (a cache) */
function liveNodes(graph: Graph, outputs: readonly GraphNode[]): Set<number> {
  const live = new Set<number>();
  const stack = [...outputs.map((o) => o.id), ...graph.nodes.filter((n) => n.op === 'write_rows').map((n) => n.id)];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...graph.node(id).inputs);
  }
  return live;
}

function hostBytes(node: GraphNode, data: HostArray | undefined): Uint8Array {
  const name = (node.params as { name: string }).name;
  if (!data) throw new InvalidArgumentError(`missing graph input "${name}"`);
  const want = node.dtype === 'I32' ? Int32Array : Float32Array;
  if (!(data instanceof want)) throw new InvalidArgumentError(`graph input "${name}" must be a ${want.name}`);
  if (data.length !== numElements(node.shape)) {
    throw new ShapeError(`graph input "${name}" has ${data.length} elements, shape ${formatShape(node.shape)} needs ${numElements(node.shape)}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A downloaded value as a typed array; `bytes` is the caller's own (Backend.download's contract), so it is only copied when misaligned. */
export function toHost(dtype: DTypeName, bytes: Uint8Array): HostArray {
  const copy = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  if (dtype === 'I32') return new Int32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  if (dtype === 'F32') return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  throw new InvalidArgumentError(`cannot return a ${dtype} value to the host as an array; copy it to F32 first`);
}
