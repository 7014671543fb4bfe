import type { DTypeName } from './dtype.js';
import { InvalidArgumentError, ShapeError } from './errors.js';
import { formatShape, numElements, shapesEqual, type Shape, type Tensor } from './tensor.js';

/**
 * The graph IR: the ops an LLM forward pass needs. Shapes are row-major (last dim contiguous).
 * Activations are F32 (I32 for ids/positions); weights and caches may be any dtype a backend supports.
 *
 * Op semantics (every backend must match the reference backend):
 * - input        host data given at run time (F32 or I32)
 * - constant     a Tensor that already lives in some backend's buffer (weights, KV cache)
 * - matmul       x[..., K] F32, w[N, K] any dtype  ->  y[..., N] = x · wᵀ   (matvec when x has one row)
 * - get_rows     table[R, C] any dtype, ids[T] I32  ->  [T, C] F32 (embedding lookup)
 * - add, mul     a, b with b's shape a suffix of a's (b broadcast over leading dims) -> a's shape
 * - scale        x * params.scale
 * - rms_norm     x / sqrt(mean(x²) + eps) over the last dim (no weight: follow with mul)
 * - layer_norm   (x - mean) / sqrt(var + eps) over the last dim (no affine)
 * - rope         x[T, H, D], pos[T] I32, optional freqFactors[dims/2] F32: rotates the first `dims`
 *                elements of each head by angle pos·freqScale·base^(-2i/dims) / freqFactors[i].
 *                mode 'normal' rotates pairs (2i, 2i+1) (Llama/GGUF); 'neox' rotates (i, i+dims/2).
 *                With `yarn` (YaRN, as ggml's rope_yarn): pair i turns by the unscaled angle θe (without
 *                freqScale) mixed with the scaled one θi = freqScale·θe: θ = θi·(1 - m) + θe·m, where
 *                m = extFactor·(1 - clamp((i - c0) / max(0.001, c1 - c0), 0, 1)) for corrDims [c0, c1];
 *                cos and sin are multiplied by attnFactor, and by 1 + 0.1·ln(1/freqScale) when
 *                extFactor is not 0.
 * - softmax      softmax(x · scale) over the last dim
 * - silu, gelu   elementwise (gelu: tanh approximation, as ggml)
 * - swiglu       gate, up (same shape) -> silu(gate) · up
 * - swiglu_oai   gate, up (same shape) -> g·σ(alpha·g)·(u + 1) with g = min(gate, limit) and
 *                u = clamp(up, -limit, limit) (gpt-oss's clamped SwiGLU, as ggml's swiglu_oai)
 * - softcap      cap · tanh(x / cap) elementwise (Gemma 2's logit soft-capping; cap 1 is tanh)
 * - write_rows   dst[S, ...], src[T, ...] -> writes src rows into dst rows row..row+T-1, converting
 *                to dst's dtype (F32/F16). Mutates dst; the node's value IS dst (use it as the cache).
 * - attention    q[T, Hq, D], k[S, Hkv, D], v[S, Hkv, D] (F32/F16) -> [T, Hq, D].
 *                Query t (absolute position pos0+t) sees keys j < kvLen, and j <= pos0+t when causal.
 *                Query head h uses kv head floor(h·Hkv/Hq) (GQA). Scores scaled by `scale`, then
 *                soft-capped when `softcap` is set (s -> softcap·tanh(s / softcap)). With `window`,
 *                causal: query t sees only keys j > pos0 + t - window (sliding-window layers, as
 *                llama.cpp's standard SWA mask); not causal: only keys |j - (pos0 + t)| <= floor(window / 2)
 *                (encoders' symmetric window, llama.cpp's LLAMA_SWA_TYPE_SYMMETRIC: EmbeddingGemma). An optional fourth input, sinks[Hq] F32, gives
 *                each query head an extra logit in its softmax that takes weight but adds no value
 *                (gpt-oss's attention sinks: the denominator gains exp(sinks[h])).
 * - concat       a, b joined along `axis`
 * - copy         x converted to params.dtype (F32 <-> F16)
 * - view         x seen with another shape, starting `offset` elements in (contiguous; F32/I32)
 * - argmax       x[..., C] -> [...] I32 (first index of the maximum)
 * - top_k        x[..., C] -> [..., k] I32, indices of the k largest, largest first (ties: lower index)
 * - sigmoid      1 / (1 + exp(-x)) elementwise
 * - gather       x[..., C] F32, ids[..., k] I32 -> [..., k]: out[..., j] = x[..., ids[..., j]] (ids in 0..C-1)
 * - mul_mat_id   x[T, K] or [T, k, K] F32, w[E, N, K] any dtype, ids[T, k] I32 -> y[T, k, N]: slot (t, j)
 *                multiplies its row of x (x[t], or x[t, j]) by expert ids[t, j]'s matrix w[ids[t, j]]
 *                (mixture-of-experts layers; ids in 0..E-1)
 * - weighted_sum x[T, k, N], w[T, k] -> [T, N] = Σ_j w[t, j] · x[t, j, :] (an MoE layer's experts mixed)
 * - sum_rows     x[..., C] -> [..., 1], the sum of each row
 * - sqrt         elementwise square root
 * - slice        x[..., C] -> [..., length]: elements start .. start + length - 1 of each row
 * - gaussian_top_k  x[..., C] -> max(0, x - (mean + k·std)) over each row, std the sample standard
 *                deviation (C - 1): Gemma 3n's activation sparsity (k = 1.6448..., the normal 95% quantile)
 *
 * A graph is fixed once built, except for positions: `reposition` moves an attention (pos0, kvLen)
 * or write_rows (row) node between runs, so one graph serves every decode step of a shape. A
 * backend that caches what it made of a split must re-read those params on each compute.
 */
export const OPS = [
  'input',
  'constant',
  'matmul',
  'get_rows',
  'add',
  'mul',
  'scale',
  'rms_norm',
  'layer_norm',
  'rope',
  'softmax',
  'silu',
  'gelu',
  'swiglu',
  'swiglu_oai',
  'write_rows',
  'attention',
  'concat',
  'copy',
  'view',
  'argmax',
  'top_k',
  'softcap',
  'sigmoid',
  'gather',
  'mul_mat_id',
  'weighted_sum',
  'sum_rows',
  'sqrt',
  'slice',
  'gaussian_top_k',
] as const;
export type OpName = (typeof OPS)[number];

export interface RopeParams {
  mode: 'normal' | 'neox';
  /** rotated elements per head (<= head dim, even) */
  dims: number;
  base: number;
  freqScale: number;
  /** YaRN scaling (see the op's definition above; corrDims from yarnCorrDims) */
  yarn?: { extFactor: number; attnFactor: number; corrDims: readonly [number, number] };
}

/**
 * The pairs YaRN ramps between, as ggml_rope_yarn_corr_dims computes them (in float32): below the
 * first pairs turn more than `betaFast` times over the original context (kept unscaled), above the
 * second fewer than `betaSlow` times (scaled).
 */
export function yarnCorrDims(dims: number, originalContext: number, base: number, betaFast: number, betaSlow: number): [number, number] {
  const f = Math.fround;
  const corrDim = (rotations: number) => f(f(dims * f(Math.log(f(originalContext / f(rotations * f(2 * Math.PI)))))) / f(2 * f(Math.log(base))));
  return [Math.max(0, Math.floor(corrDim(betaFast))), Math.min(dims - 1, Math.ceil(corrDim(betaSlow)))];
}

export interface OpParams {
  input: { name: string };
  constant: Record<string, never>;
  matmul: Record<string, never>;
  get_rows: Record<string, never>;
  add: Record<string, never>;
  mul: Record<string, never>;
  scale: { scale: number };
  rms_norm: { eps: number };
  layer_norm: { eps: number };
  rope: RopeParams;
  softmax: { scale: number };
  silu: Record<string, never>;
  gelu: Record<string, never>;
  swiglu: Record<string, never>;
  swiglu_oai: { alpha: number; limit: number };
  write_rows: { row: number };
  attention: { pos0: number; kvLen: number; scale: number; causal: boolean; softcap?: number; window?: number };
  concat: { axis: number };
  copy: { dtype: DTypeName };
  view: { offset: number };
  argmax: Record<string, never>;
  top_k: { k: number };
  softcap: { cap: number };
  sigmoid: Record<string, never>;
  gather: Record<string, never>;
  mul_mat_id: Record<string, never>;
  weighted_sum: Record<string, never>;
  sum_rows: Record<string, never>;
  sqrt: Record<string, never>;
  slice: { start: number; length: number };
  gaussian_top_k: { stdMultiplier: number };
}

export interface GraphNode<O extends OpName = OpName> {
  readonly id: number;
  readonly op: O;
  readonly inputs: readonly number[];
  readonly params: OpParams[O];
  readonly shape: Shape;
  readonly dtype: DTypeName;
  /** for 'constant': the tensor it stands for */
  readonly tensor?: Tensor;
  name?: string;
}

/** Builds a graph, checking shapes as it goes so that mistakes surface where they are made. */
export class Graph {
  readonly nodes: GraphNode[] = [];

  node(id: number): GraphNode {
    const n = this.nodes[id];
    if (!n) throw new InvalidArgumentError(`graph has no node ${id}`);
    return n;
  }

  private push<O extends OpName>(op: O, inputs: GraphNode[], params: OpParams[O], shape: Shape, dtype: DTypeName, tensor?: Tensor): GraphNode<O> {
    for (const i of inputs) {
      if (this.nodes[i.id] !== i) throw new InvalidArgumentError(`node ${i.id} (${i.op}) belongs to another graph`);
    }
    numElements(shape);
    const node: GraphNode<O> = { id: this.nodes.length, op, inputs: inputs.map((i) => i.id), params, shape: [...shape], dtype, tensor };
    this.nodes.push(node);
    return node;
  }

  input(name: string, shape: Shape, dtype: 'F32' | 'I32' = 'F32'): GraphNode<'input'> {
    return this.push('input', [], { name }, shape, dtype);
  }

  constant(tensor: Tensor): GraphNode<'constant'> {
    const n = this.push('constant', [], {}, tensor.shape, tensor.dtype, tensor);
    if (tensor.name) n.name = tensor.name;
    return n;
  }

  matmul(x: GraphNode, w: GraphNode): GraphNode<'matmul'> {
    f32('matmul', x);
    if (w.shape.length !== 2) throw new ShapeError(`matmul: weight must be 2-D [N, K], got ${formatShape(w.shape)}`);
    const [n, k] = w.shape as [number, number];
    if (last(x.shape) !== k) throw new ShapeError(`matmul: x ${formatShape(x.shape)} does not match weight ${formatShape(w.shape)} (K=${k})`);
    return this.push('matmul', [x, w], {}, [...x.shape.slice(0, -1), n], 'F32');
  }

  getRows(table: GraphNode, ids: GraphNode): GraphNode<'get_rows'> {
    if (table.shape.length !== 2) throw new ShapeError(`get_rows: table must be 2-D, got ${formatShape(table.shape)}`);
    if (ids.dtype !== 'I32' || ids.shape.length !== 1) throw new ShapeError(`get_rows: ids must be a 1-D I32 tensor`);
    return this.push('get_rows', [table, ids], {}, [ids.shape[0]!, table.shape[1]!], 'F32');
  }

  add(a: GraphNode, b: GraphNode): GraphNode<'add'> {
    return this.binary('add', a, b);
  }

  mul(a: GraphNode, b: GraphNode): GraphNode<'mul'> {
    return this.binary('mul', a, b);
  }

  private binary<O extends 'add' | 'mul'>(op: O, a: GraphNode, b: GraphNode): GraphNode<O> {
    f32(op, a);
    if (b.dtype !== 'F32') throw new ShapeError(`${op}: b must be F32, got ${b.dtype}`);
    const suffix = a.shape.slice(a.shape.length - b.shape.length);
    if (b.shape.length > a.shape.length || !shapesEqual(suffix, b.shape)) {
      throw new ShapeError(`${op}: ${formatShape(b.shape)} does not broadcast to ${formatShape(a.shape)}`);
    }
    return this.push(op, [a, b], {} as OpParams[O], a.shape, 'F32');
  }

  scale(x: GraphNode, scale: number): GraphNode<'scale'> {
    return this.push('scale', [f32('scale', x)], { scale }, x.shape, 'F32');
  }

  rmsNorm(x: GraphNode, eps: number): GraphNode<'rms_norm'> {
    return this.push('rms_norm', [f32('rms_norm', x)], { eps }, x.shape, 'F32');
  }

  layerNorm(x: GraphNode, eps: number): GraphNode<'layer_norm'> {
    return this.push('layer_norm', [f32('layer_norm', x)], { eps }, x.shape, 'F32');
  }

  rope(x: GraphNode, pos: GraphNode, params: RopeParams, freqFactors?: GraphNode): GraphNode<'rope'> {
    f32('rope', x);
    if (x.shape.length !== 3) throw new ShapeError(`rope: x must be [T, H, D], got ${formatShape(x.shape)}`);
    if (pos.dtype !== 'I32' || pos.shape.length !== 1 || pos.shape[0] !== x.shape[0]) {
      throw new ShapeError(`rope: pos must be I32 [${x.shape[0]}], got ${pos.dtype} ${formatShape(pos.shape)}`);
    }
    if (params.dims % 2 !== 0 || params.dims > x.shape[2]! || params.dims <= 0) {
      throw new ShapeError(`rope: dims ${params.dims} must be even and <= head dim ${x.shape[2]}`);
    }
    const y = params.yarn;
    if (y && ![y.extFactor, y.attnFactor, ...y.corrDims].every(Number.isFinite)) throw new InvalidArgumentError('rope: yarn parameters must be finite numbers');
    const inputs = [x, pos];
    if (freqFactors) {
      if (freqFactors.dtype !== 'F32' || numElements(freqFactors.shape) !== params.dims / 2) {
        throw new ShapeError(`rope: freqFactors must be F32 with ${params.dims / 2} elements`);
      }
      inputs.push(freqFactors);
    }
    return this.push('rope', inputs, params, x.shape, 'F32');
  }

  softmax(x: GraphNode, scale = 1): GraphNode<'softmax'> {
    return this.push('softmax', [f32('softmax', x)], { scale }, x.shape, 'F32');
  }

  silu(x: GraphNode): GraphNode<'silu'> {
    return this.push('silu', [f32('silu', x)], {}, x.shape, 'F32');
  }

  gelu(x: GraphNode): GraphNode<'gelu'> {
    return this.push('gelu', [f32('gelu', x)], {}, x.shape, 'F32');
  }

  softcap(x: GraphNode, cap: number): GraphNode<'softcap'> {
    if (!(cap > 0) || !Number.isFinite(cap)) throw new InvalidArgumentError(`softcap: cap must be a positive number, got ${cap}`);
    return this.push('softcap', [f32('softcap', x)], { cap }, x.shape, 'F32');
  }

  sigmoid(x: GraphNode): GraphNode<'sigmoid'> {
    return this.push('sigmoid', [f32('sigmoid', x)], {}, x.shape, 'F32');
  }

  gather(x: GraphNode, ids: GraphNode): GraphNode<'gather'> {
    f32('gather', x);
    if (ids.dtype !== 'I32' || ids.shape.length !== x.shape.length || !shapesEqual(ids.shape.slice(0, -1), x.shape.slice(0, -1))) {
      throw new ShapeError(`gather: ids must be I32 [..., k] with x's leading dims ${formatShape(x.shape.slice(0, -1))}, got ${ids.dtype} ${formatShape(ids.shape)}`);
    }
    return this.push('gather', [x, ids], {}, ids.shape, 'F32');
  }

  /** Each token's rows times the experts `ids` chose for it: x[T, K] or [T, k, K], w[E, N, K], ids[T, k] -> [T, k, N]. */
  mulMatId(x: GraphNode, w: GraphNode, ids: GraphNode): GraphNode<'mul_mat_id'> {
    f32('mul_mat_id', x);
    if (w.shape.length !== 3) throw new ShapeError(`mul_mat_id: experts must be 3-D [E, N, K], got ${formatShape(w.shape)}`);
    if (ids.dtype !== 'I32' || ids.shape.length !== 2) throw new ShapeError(`mul_mat_id: ids must be I32 [T, k], got ${ids.dtype} ${formatShape(ids.shape)}`);
    const [, n, k] = w.shape as [number, number, number];
    const [t, used] = ids.shape as [number, number];
    const perSlot = x.shape.length === 3;
    if ((x.shape.length !== 2 && !perSlot) || x.shape[0] !== t || (perSlot && x.shape[1] !== used) || last(x.shape) !== k) {
      throw new ShapeError(`mul_mat_id: x ${formatShape(x.shape)} is not [${t}, ${k}] or [${t}, ${used}, ${k}] (ids ${formatShape(ids.shape)}, experts ${formatShape(w.shape)})`);
    }
    return this.push('mul_mat_id', [x, w, ids], {}, [t, used, n], 'F32');
  }

  /** Rows mixed by weight: x[T, k, N], w[T, k] -> [T, N]. */
  weightedSum(x: GraphNode, w: GraphNode): GraphNode<'weighted_sum'> {
    f32('weighted_sum', x);
    f32('weighted_sum', w);
    if (x.shape.length !== 3 || !shapesEqual(w.shape, x.shape.slice(0, 2))) {
      throw new ShapeError(`weighted_sum: x [T, k, N] and w [T, k] expected, got ${formatShape(x.shape)} and ${formatShape(w.shape)}`);
    }
    return this.push('weighted_sum', [x, w], {}, [x.shape[0]!, x.shape[2]!], 'F32');
  }

  /** Each row's sum: x[..., C] -> [..., 1]. */
  sumRows(x: GraphNode): GraphNode<'sum_rows'> {
    f32('sum_rows', x);
    if (x.shape.length < 1) throw new ShapeError('sum_rows: x needs a row dimension');
    return this.push('sum_rows', [x], {}, [...x.shape.slice(0, -1), 1], 'F32');
  }

  sqrt(x: GraphNode): GraphNode<'sqrt'> {
    return this.push('sqrt', [f32('sqrt', x)], {}, x.shape, 'F32');
  }

  /** Elements start .. start + length - 1 of each row: x[..., C] -> [..., length]. */
  slice(x: GraphNode, start: number, length: number): GraphNode<'slice'> {
    f32('slice', x);
    const c = x.shape.at(-1) ?? 0;
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 1 || start + length > c) {
      throw new ShapeError(`slice: elements ${start}..${start + length - 1} are not inside rows of ${c}`);
    }
    return this.push('slice', [x], { start, length }, [...x.shape.slice(0, -1), length], 'F32');
  }

  /** max(0, x - (mean + k·std)) over each row (Gemma 3n's activation sparsity; std with C - 1). */
  gaussianTopK(x: GraphNode, stdMultiplier: number): GraphNode<'gaussian_top_k'> {
    f32('gaussian_top_k', x);
    if (!Number.isFinite(stdMultiplier)) throw new InvalidArgumentError(`gaussian_top_k: the multiplier must be a number, got ${stdMultiplier}`);
    if ((x.shape.at(-1) ?? 0) < 2) throw new ShapeError('gaussian_top_k: rows need at least 2 elements (a sample standard deviation)');
    return this.push('gaussian_top_k', [x], { stdMultiplier }, x.shape, 'F32');
  }

  swiglu(gate: GraphNode, up: GraphNode): GraphNode<'swiglu'> {
    f32('swiglu', gate);
    f32('swiglu', up);
    if (!shapesEqual(gate.shape, up.shape)) throw new ShapeError(`swiglu: gate ${formatShape(gate.shape)} and up ${formatShape(up.shape)} differ`);
    return this.push('swiglu', [gate, up], {}, gate.shape, 'F32');
  }

  swigluOai(gate: GraphNode, up: GraphNode, alpha: number, limit: number): GraphNode<'swiglu_oai'> {
    f32('swiglu_oai', gate);
    f32('swiglu_oai', up);
    if (!shapesEqual(gate.shape, up.shape)) throw new ShapeError(`swiglu_oai: gate ${formatShape(gate.shape)} and up ${formatShape(up.shape)} differ`);
    if (!Number.isFinite(alpha) || !(limit > 0) || !Number.isFinite(limit)) throw new InvalidArgumentError(`swiglu_oai: alpha must be finite and limit positive, got ${alpha}, ${limit}`);
    return this.push('swiglu_oai', [gate, up], { alpha, limit }, gate.shape, 'F32');
  }

  writeRows(dst: GraphNode, src: GraphNode, row: number): GraphNode<'write_rows'> {
    f32('write_rows', src);
    if (dst.dtype !== 'F32' && dst.dtype !== 'F16') throw new ShapeError(`write_rows: dst must be F32 or F16, got ${dst.dtype}`);
    const rowShape = dst.shape.slice(1);
    if (!shapesEqual(rowShape, src.shape.slice(1))) {
      throw new ShapeError(`write_rows: src rows ${formatShape(src.shape)} do not match dst rows ${formatShape(dst.shape)}`);
    }
    checkRows(dst, src, row);
    return this.push('write_rows', [dst, src], { row }, dst.shape, dst.dtype);
  }

  /** Move a write_rows node's rows or an attention node's positions, checked as when built. */
  reposition(node: GraphNode<'write_rows'>, params: OpParams['write_rows']): void;
  reposition(node: GraphNode<'attention'>, params: Pick<OpParams['attention'], 'pos0' | 'kvLen'>): void;
  reposition(node: GraphNode<'write_rows' | 'attention'>, params: OpParams['write_rows'] | Pick<OpParams['attention'], 'pos0' | 'kvLen'>): void {
    if (this.nodes[node.id] !== node) throw new InvalidArgumentError(`node ${node.id} (${node.op}) belongs to another graph`);
    if (node.op === 'write_rows') {
      const { row } = params as OpParams['write_rows'];
      checkRows(this.node(node.inputs[0]!), this.node(node.inputs[1]!), row);
      (node.params as { row: number }).row = row;
    } else if (node.op === 'attention') {
      const { pos0, kvLen } = params as OpParams['attention'];
      checkPositions(this.node(node.inputs[1]!).shape[0]!, pos0, kvLen);
      const p = node.params as { pos0: number; kvLen: number };
      p.pos0 = pos0;
      p.kvLen = kvLen;
    } else {
      throw new InvalidArgumentError(`reposition: ${(node as GraphNode).op} nodes have no positions`);
    }
  }

  attention(q: GraphNode, k: GraphNode, v: GraphNode, params: OpParams['attention'], sinks?: GraphNode): GraphNode<'attention'> {
    f32('attention', q);
    if (q.shape.length !== 3 || k.shape.length !== 3 || !shapesEqual(k.shape, v.shape)) {
      throw new ShapeError(`attention: q [T,Hq,D] and k, v [S,Hkv,D] expected, got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
    }
    const [, hq, d] = q.shape as [number, number, number];
    const [s, hkv, dk] = k.shape as [number, number, number];
    if (dk !== d || hq % hkv !== 0) throw new ShapeError(`attention: head dims ${d}/${dk} or heads ${hq}/${hkv} do not match`);
    checkPositions(s, params.pos0, params.kvLen);
    if (params.softcap !== undefined && (!(params.softcap > 0) || !Number.isFinite(params.softcap))) {
      throw new InvalidArgumentError(`attention: softcap must be a positive number, got ${params.softcap}`);
    }
    if (params.window !== undefined && (!Number.isInteger(params.window) || params.window < 1)) {
      throw new InvalidArgumentError(`attention: window must be a positive integer, got ${params.window}`);
    }
    if (sinks && (f32('attention sinks', sinks).shape.length !== 1 || sinks.shape[0] !== hq)) {
      throw new ShapeError(`attention: sinks must be [${hq}] (one per query head), got ${formatShape(sinks.shape)}`);
    }
    return this.push('attention', sinks ? [q, k, v, sinks] : [q, k, v], { ...params }, q.shape, 'F32');
  }

  concat(a: GraphNode, b: GraphNode, axis: number): GraphNode<'concat'> {
    if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || axis < 0 || axis >= a.shape.length) {
      throw new ShapeError(`concat: cannot join ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)} on axis ${axis}`);
    }
    const shape = a.shape.map((d, i) => {
      if (i === axis) return d + b.shape[i]!;
      if (d !== b.shape[i]) throw new ShapeError(`concat: ${formatShape(a.shape)} and ${formatShape(b.shape)} differ off axis ${axis}`);
      return d;
    });
    return this.push('concat', [a, b], { axis }, shape, a.dtype);
  }

  copy(x: GraphNode, dtype: 'F32' | 'F16'): GraphNode<'copy'> {
    if (x.dtype !== 'F32' && x.dtype !== 'F16') throw new ShapeError(`copy: only F32/F16 values convert, got ${x.dtype}`);
    return this.push('copy', [x], { dtype }, x.shape, dtype);
  }

  view(x: GraphNode, shape: Shape, offset = 0): GraphNode<'view'> {
    if (x.dtype !== 'F32' && x.dtype !== 'I32') throw new ShapeError(`view: only F32/I32 values can be viewed, got ${x.dtype}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + numElements(shape) > numElements(x.shape)) {
      throw new ShapeError(`view: ${formatShape(shape)} at offset ${offset} exceeds ${formatShape(x.shape)}`);
    }
    return this.push('view', [x], { offset }, shape, x.dtype);
  }

  argmax(x: GraphNode): GraphNode<'argmax'> {
    return this.push('argmax', [f32('argmax', x)], {}, x.shape.slice(0, -1), 'I32');
  }

  topK(x: GraphNode, k: number): GraphNode<'top_k'> {
    f32('top_k', x);
    if (!Number.isInteger(k) || k < 1 || k > last(x.shape)) throw new ShapeError(`top_k: k=${k} outside 1..${last(x.shape)}`);
    return this.push('top_k', [x], { k }, [...x.shape.slice(0, -1), k], 'I32');
  }
}

function checkRows(dst: GraphNode, src: GraphNode, row: number): void {
  if (!Number.isInteger(row) || row < 0 || row + src.shape[0]! > dst.shape[0]!) {
    throw new ShapeError(`write_rows: rows ${row}..${row + src.shape[0]! - 1} are outside dst ${formatShape(dst.shape)}`);
  }
}

/**
 * The cache rows [first, end) query row t of an attention node sees (see the op's semantics above):
 * what every backend's mask must reproduce.
 */
export function attentionSpan(p: Pick<OpParams['attention'], 'pos0' | 'kvLen' | 'causal' | 'window'>, t: number): [first: number, end: number] {
  const at = p.pos0 + t;
  if (p.causal) return [p.window ? Math.max(0, at - p.window + 1) : 0, Math.min(p.kvLen, at + 1)];
  if (!p.window) return [0, p.kvLen];
  const half = Math.floor(p.window / 2);
  return [Math.max(0, at - half), Math.min(p.kvLen, at + half + 1)];
}

function checkPositions(cacheRows: number, pos0: number, kvLen: number): void {
  if (!Number.isInteger(kvLen) || kvLen > cacheRows || kvLen < 1) throw new ShapeError(`attention: kvLen ${kvLen} outside cache of ${cacheRows} rows`);
  if (!Number.isInteger(pos0) || pos0 < 0) throw new ShapeError(`attention: pos0 ${pos0} must be a non-negative integer`);
}

function last(shape: Shape): number {
  if (shape.length === 0) throw new ShapeError('expected at least 1 dimension');
  return shape[shape.length - 1]!;
}

function f32(op: string, x: GraphNode): GraphNode {
  if (x.dtype !== 'F32') throw new ShapeError(`${op}: expected an F32 activation, got ${x.dtype} ${formatShape(x.shape)}`);
  return x;
}
