import { UnsupportedOpError, type DTypeName, type GraphNode, type GraphSplit, type OpParams, type Tensor } from '@ix/core';
import { dequantize, numElements } from '@ix/core';

import { MS_DOMAIN, OnnxGraphBuilder } from './onnx-builder.js';
import { ElemType, type ElemTypeCode } from './onnx-proto.js';
import { BLOCK, matmulWeight } from './weights.js';

/**
 * Lowering: one split of ix's step graph -> one ONNX model, and what each run feeds it and takes
 * from it. Weights become initializers (read once, here); values that change between runs (graph
 * inputs, the KV cache, values from other backends' splits) are fed from the backend's buffers.
 * What moves between decode steps without changing the graph (attention positions, the rows a
 * write_rows fills, rope angles) is computed on the host each run as small inputs: masks, row
 * indices, cos/sin tables. So one model serves every decode step of a shape.
 */
export interface LowerOptions {
  /** 'fast': MatMulNBits with 8-bit activations (accuracy_level 4), like llama.cpp; 'exact' keeps them f32 */
  accuracy: 'exact' | 'fast';
  /**
   * true: every dimension fixed (attention reads the whole cache under a mask), as NPU EPs need;
   * false: attention slices the cache to the run's kvLen (a symbolic dimension)
   */
  staticShapes: boolean;
  /**
   * ONNX Runtime's com.microsoft ops: MatMulNBits for Q4_0 / Q8_0 / Q4_K weights, and fewer, fused
   * nodes for rms_norm and rope; false: standard ONNX only (weights decoded to float32 for Gemm)
   */
  contribOps: boolean;
  /**
   * describe the split only (feeds and fetches), without reading, converting or encoding weights:
   * for a split whose model comes from the on-disk cache
   */
  describeOnly?: boolean;
  /**
   * a name for a weight's bytes that is the same in every split reading that weight (the on-disk
   * cache stores each converted weight once per model, whatever the shapes); default: per split
   */
  weightFile?: (t: Tensor) => string | undefined;
}

export type Feed =
  | { kind: 'value'; name: string; nodeId: number; dtype: DTypeName; dims: number[] }
  | { kind: 'mask'; name: string; node: GraphNode<'attention'>; tokens: number; rows: number }
  | { kind: 'kvlen'; name: string; node: GraphNode<'attention'> }
  | { kind: 'rope'; cos: string; sin: string; node: GraphNode<'rope'>; posId: number; factors?: Float32Array }
  | { kind: 'rows'; name: string; node: GraphNode<'write_rows'>; tokens: number }
  /** the cache rows a write_rows' in-graph value keeps: max(row + T, its attention readers' kvLen) */
  | { kind: 'span'; name: string; node: GraphNode<'write_rows'>; tokens: number; readers: GraphNode<'attention'>[] };

export interface Fetch {
  name: string;
  nodeId: number;
  dtype: DTypeName;
  dims: number[];
  /** the new rows of a write_rows, stored into its destination at `row` after the run */
  rowsOf?: GraphNode<'write_rows'>;
}

export interface Lowered {
  model: Uint8Array;
  /** the big initializers' bytes, named as the model's external data refers to them */
  externalData: { path: string; data: Uint8Array }[];
  feeds: Feed[];
  fetches: Fetch[];
  onnxNodes: number;
}

/** a weight's initializers: MatMulNBits blocks, or float32 rows */
type WeightNames = { kind: 'nbits'; bits: number; data: string; scales: string; zeroPoints?: string } | { kind: 'f32'; data: string };

/** what lowering reads: the bytes of a constant's tensor (weights, rope frequency factors) */
export type ReadTensor = (t: Tensor) => Uint8Array;

export const ELEM: Partial<Record<DTypeName, ElemTypeCode>> = { F32: ElemType.FLOAT, F16: ElemType.FLOAT16, I32: ElemType.INT32 };

/** Ops and input positions whose constant operand is live state (a KV cache), fed each run rather than baked in. */
export function readsLive(op: string, index: number): boolean {
  return op === 'write_rows' || op === 'concat' || op === 'view' || op === 'copy' || (op === 'attention' && (index === 1 || index === 2));
}

export function lowerSplit(split: GraphSplit, read: ReadTensor, options: LowerOptions): Lowered {
  const { graph, nodes } = split;
  const b = new OnnxGraphBuilder();
  const inSplit = new Set(nodes.map((n) => n.id));
  const names = new Map<number, string>();
  const feeds: Feed[] = [];
  const fetches: Fetch[] = [];
  const fed = new Map<number, string>();
  const baked = new Map<string, string>();
  const forms = new Map<number, WeightNames>();
  const ropeInputs = new Map<string, { cos: string; sin: string }>();

  const tensorOf = (id: number) => split.tensorOf(id);
  /** the value of node `id` as a float32/int32/float16 ONNX value */
  const live = (id: number): string => {
    const have = names.get(id);
    if (have) return have;
    let name = fed.get(id);
    if (!name) {
      const node = graph.node(id);
      const elem = ELEM[node.dtype];
      if (elem === undefined) throw new UnsupportedOpError(node.op, `on npu: a ${node.dtype} value cannot be fed to ONNX Runtime`);
      name = b.input(`in${id}`, elem, node.shape);
      fed.set(id, name);
      feeds.push({ kind: 'value', name, nodeId: id, dtype: node.dtype, dims: [...node.shape] });
    }
    return name;
  };
  /** input k of `node`: a live value, or a constant baked in as an initializer */
  const operand = (node: GraphNode, k: number): string => {
    const id = node.inputs[k]!;
    const src = graph.node(id);
    if (inSplit.has(id) || src.op !== 'constant' || readsLive(node.op, k)) return live(id);
    const key = `raw${id}`;
    let name = baked.get(key);
    if (!name && options.describeOnly) baked.set(key, (name = `c${id}`));
    if (!name) {
      const elem = ELEM[src.dtype];
      const bytes = read(tensorOf(id));
      if (elem === undefined) {
        name = b.initializer(`c${id}`, ElemType.FLOAT, src.shape, bytesOf(dequantize(src.dtype, bytes, numElements(src.shape))), fileOf(id, 'f32'));
      } else {
        name = b.initializer(`c${id}`, elem, src.shape, bytes.slice(), fileOf(id, 'raw'));
        if (src.dtype === 'F16') name = b.op1('Cast', [name], { to: ElemType.FLOAT });
      }
      baked.set(key, name);
    }
    return name;
  };
  const shapeOf = (id: number) => graph.node(id).shape;
  /** the external data file of a form of weight `id` */
  const fileOf = (id: number, form: string) => {
    const w = options.weightFile?.(tensorOf(id));
    return w === undefined ? undefined : `${form}-${w}`;
  };

  for (const node of nodes) {
    const out = lowerNode(node);
    names.set(node.id, out);
  }

  // values someone outside the split reads, and the outputs of the run
  const readers = readersOutside(split, inSplit);
  for (const node of nodes) {
    if (node.op === 'write_rows') continue;
    if (!readers.has(node.id) && !(split.outputs?.has(node.id) ?? true)) continue;
    const name = names.get(node.id)!;
    const elem = ELEM[node.dtype]!;
    const outName = `out${node.id}`;
    b.op('Identity', [name], {}, [outName]);
    b.output(outName, elem, node.shape);
    fetches.push({ name: outName, nodeId: node.id, dtype: node.dtype, dims: [...node.shape] });
  }
  if (fetches.length === 0 && !nodes.some((n) => n.op === 'write_rows')) {
    throw new UnsupportedOpError(nodes[0]?.op ?? 'input', 'on npu: the split computes nothing that is read');
  }
  if (options.describeOnly) return { model: new Uint8Array(0), externalData: [], feeds, fetches, onnxNodes: b.nodeCount };
  return { model: b.encode(`ix_split_${nodes.length}`), externalData: b.externalData, feeds, fetches, onnxNodes: b.nodeCount };

  function emit(op: string, inputs: string[], attrs: Record<string, unknown> = {}, domain = ''): string {
    return b.op1(op, inputs, attrs as never, domain);
  }

  function lowerNode(node: GraphNode): string {
    const x = (k: number) => operand(node, k);
    switch (node.op) {
      case 'matmul':
        return matmul(node as GraphNode<'matmul'>);
      case 'get_rows':
        return getRows(node as GraphNode<'get_rows'>);
      case 'add':
        return emit('Add', [x(0), x(1)]);
      case 'mul':
        return emit('Mul', [x(0), x(1)]);
      case 'scale':
        return emit('Mul', [x(0), b.float((node.params as OpParams['scale']).scale)]);
      case 'rms_norm': {
        const v = x(0);
        const eps = (node.params as OpParams['rms_norm']).eps;
        if (options.contribOps) {
          const c = node.shape[node.shape.length - 1]!;
          return emit('SimplifiedLayerNormalization', [v, b.float(1, [c])], { axis: -1, epsilon: { float: eps } });
        }
        const ms = emit('ReduceMean', [emit('Mul', [v, v]), b.int64s([-1])], { keepdims: 1 });
        const inv = emit('Reciprocal', [emit('Sqrt', [emit('Add', [ms, b.float(eps)])])]);
        return emit('Mul', [v, inv]);
      }
      case 'layer_norm': {
        const c = node.shape[node.shape.length - 1]!;
        return emit('LayerNormalization', [x(0), b.float(1, [c]), b.float(0, [c])], { axis: -1, epsilon: { float: (node.params as OpParams['layer_norm']).eps } });
      }
      case 'rope':
        return rope(node as GraphNode<'rope'>);
      case 'softmax': {
        const s = (node.params as OpParams['softmax']).scale;
        return emit('Softmax', [s === 1 ? x(0) : emit('Mul', [x(0), b.float(s)])], { axis: -1 });
      }
      case 'silu': {
        const v = x(0);
        return emit('Mul', [v, emit('Sigmoid', [v])]);
      }
      case 'gelu':
        return emit('Gelu', [x(0)], { approximate: 'tanh' });
      case 'sigmoid':
        return emit('Sigmoid', [x(0)]);
      case 'softcap': {
        const cap = (node.params as OpParams['softcap']).cap;
        return emit('Mul', [emit('Tanh', [emit('Div', [x(0), b.float(cap)])]), b.float(cap)]);
      }
      case 'swiglu': {
        const g = x(0);
        return emit('Mul', [emit('Mul', [g, emit('Sigmoid', [g])]), x(1)]);
      }
      case 'swiglu_oai': {
        const { alpha, limit } = node.params as OpParams['swiglu_oai'];
        const g = emit('Min', [x(0), b.float(limit)]);
        const u = emit('Clip', [x(1), b.float(-limit), b.float(limit)]);
        const gated = emit('Mul', [g, emit('Sigmoid', [emit('Mul', [g, b.float(alpha)])])]);
        return emit('Mul', [gated, emit('Add', [u, b.float(1)])]);
      }
      case 'write_rows':
        return writeRows(node as GraphNode<'write_rows'>);
      case 'attention':
        return attention(node as GraphNode<'attention'>);
      case 'concat':
        return emit('Concat', [x(0), x(1)], { axis: (node.params as OpParams['concat']).axis });
      case 'copy': {
        const to = ELEM[(node.params as OpParams['copy']).dtype]!;
        return emit('Cast', [x(0)], { to });
      }
      case 'view': {
        const offset = (node.params as OpParams['view']).offset;
        const n = numElements(node.shape);
        const src = x(0);
        if (offset === 0 && n === numElements(shapeOf(node.inputs[0]!))) return emit('Reshape', [src, b.int64s(node.shape)]);
        const flat = emit('Reshape', [src, b.int64s([-1])]);
        return emit('Reshape', [emit('Slice', [flat, b.int64s([offset]), b.int64s([offset + n]), b.int64s([0])]), b.int64s(node.shape)]);
      }
      case 'argmax':
        return emit('Cast', [emit('ArgMax', [x(0)], { axis: -1, keepdims: 0, select_last_index: 0 })], { to: ElemType.INT32 });
      case 'top_k': {
        const k = (node.params as OpParams['top_k']).k;
        const [, indices] = b.op('TopK', [x(0), b.int64s([k])], { axis: -1, largest: 1, sorted: 1 }, 2);
        return emit('Cast', [indices!], { to: ElemType.INT32 });
      }
      case 'gather':
        return emit('GatherElements', [x(0), x(1)], { axis: -1 });
      case 'weighted_sum': {
        const w = emit('Unsqueeze', [x(1), b.int64s([-1])]);
        return emit('ReduceSum', [emit('Mul', [x(0), w]), b.int64s([1])], { keepdims: 0 });
      }
      default:
        throw new UnsupportedOpError(node.op, 'on npu (no ONNX lowering)');
    }
  }

  function matmul(node: GraphNode<'matmul'>): string {
    const xs = operand(node, 0);
    const wId = node.inputs[1]!;
    const wNode = graph.node(wId);
    const [n, k] = wNode.shape as [number, number];
    const xShape = shapeOf(node.inputs[0]!);
    const rows = numElements(xShape) / k;
    if (inSplit.has(wId) || wNode.op !== 'constant') {
      // a computed right-hand side (F32): Gemm with it transposed
      const y = emit('Gemm', [emit('Reshape', [xs, b.int64s([rows, k])]), live(wId)], { transB: 1 });
      return emit('Reshape', [y, b.int64s(node.shape)]);
    }
    if (options.describeOnly) return emit('MatMul', [xs, `w${wId}`]);
    const w = weightForm(wId, n, k);
    if (w.kind === 'nbits') {
      const inputs = [xs, w.data, w.scales, ...(w.zeroPoints ? [w.zeroPoints] : [])];
      return emit('MatMulNBits', inputs, { K: k, N: n, bits: w.bits, block_size: BLOCK, accuracy_level: options.accuracy === 'fast' ? 4 : 0 }, MS_DOMAIN);
    }
    const y = emit('Gemm', [emit('Reshape', [xs, b.int64s([rows, k])]), w.data], { transB: 1 });
    return emit('Reshape', [y, b.int64s(node.shape)]);
  }

  /**
   * A weight [n, k] as initializers, once per lowering whoever reads it: MatMulNBits blocks (codes,
   * float scales, float zero points for Q4_K) or float32 rows.
   */
  function weightForm(id: number, n: number, k: number): WeightNames {
    let names = forms.get(id);
    if (names) return names;
    const src = graph.node(id);
    const form = matmulWeight(src.dtype, n, k, read(tensorOf(id)), options.contribOps);
    if (form.kind === 'nbits') {
      const blocks = k / BLOCK;
      names = {
        kind: 'nbits',
        bits: form.bits,
        zeroPoints: form.zeroPoints && b.initializer(`w${id}_zp`, ElemType.FLOAT, [n * blocks], bytesOf(form.zeroPoints), fileOf(id, 'nbits-zp')),
        data: b.initializer(`w${id}`, ElemType.UINT8, [n, blocks, (BLOCK * form.bits) / 8], form.blocks, fileOf(id, 'nbits')),
        scales: b.initializer(`w${id}_scales`, ElemType.FLOAT, [n * blocks], bytesOf(form.scales), fileOf(id, 'nbits-scales')),
      };
    } else {
      names = { kind: 'f32', data: b.initializer(`w${id}`, ElemType.FLOAT, [n, k], bytesOf(form.data), fileOf(id, 'f32')) };
    }
    forms.set(id, names);
    return names;
  }

  function getRows(node: GraphNode<'get_rows'>): string {
    const tId = node.inputs[0]!;
    const tNode = graph.node(tId);
    const [rowsInTable, cols] = tNode.shape as [number, number];
    // ids outside the table give zero rows, as the reference does (ONNX's Gather would fail the run)
    const ids = operand(node, 1);
    const valid = emit('And', [emit('GreaterOrEqual', [ids, b.int32(0)]), emit('Less', [ids, b.int32(rowsInTable)])]);
    const safe = emit('Where', [valid, ids, b.int32(0)]);
    let rows: string;
    if (inSplit.has(tId) || tNode.op !== 'constant') {
      let table = live(tId);
      if (tNode.dtype !== 'F32') table = emit('Cast', [table], { to: ElemType.FLOAT });
      rows = emit('Gather', [table, safe], { axis: 0 });
    } else if (options.describeOnly) {
      rows = emit('Gather', [`t${tId}`, safe], { axis: 0 });
    } else if (options.contribOps && (tNode.dtype === 'Q4_0' || tNode.dtype === 'Q8_0')) {
      // the table stays in its blocks (the same initializers as a tied output matmul's), decoded per gathered row
      const w = weightForm(tId, rowsInTable, cols);
      if (w.kind !== 'nbits') throw new Error(`npu: ${tNode.dtype} table was not repacked`);
      const data = emit('Reshape', [w.data, b.int64s([rowsInTable, (cols * w.bits) / 8])]);
      const scales = emit('Reshape', [w.scales, b.int64s([rowsInTable, cols / BLOCK])]);
      rows = emit('GatherBlockQuantized', [data, safe, scales], { gather_axis: 0, quantize_axis: 1, block_size: BLOCK, bits: w.bits }, MS_DOMAIN);
    } else {
      const key = `rows${tId}`;
      let table = baked.get(key);
      if (!table) {
        const data = dequantize(tNode.dtype, read(tensorOf(tId)), rowsInTable * cols);
        baked.set(key, (table = b.initializer(`t${tId}`, ElemType.FLOAT, [rowsInTable, cols], bytesOf(data), fileOf(tId, 'f32'))));
      }
      rows = emit('Gather', [table, safe], { axis: 0 });
    }
    return emit('Where', [emit('Unsqueeze', [valid, b.int64s([-1])]), rows, b.float(0)]);
  }

  function rope(node: GraphNode<'rope'>): string {
    const { mode, dims } = node.params;
    const [tokens, heads, headDim] = node.shape as [number, number, number];
    const posId = node.inputs[1]!;
    if (inSplit.has(posId)) throw new UnsupportedOpError('rope', 'on npu: positions computed inside the split (the host makes the angles from them)');
    const factorsId = node.inputs[2];
    const factors = factorsId === undefined ? undefined : new Float32Array(dequantize('F32', read(tensorOf(factorsId)), dims / 2));
    const half = dims / 2;
    // one cos/sin table per positions, params and factors (a layer's q and k, and every layer, share it)
    const tableKey = `${posId}|${factorsId}|${JSON.stringify(node.params)}`;
    let table = ropeInputs.get(tableKey);
    if (!table) {
      table = { cos: b.input(`cos${node.id}`, ElemType.FLOAT, [tokens, half]), sin: b.input(`sin${node.id}`, ElemType.FLOAT, [tokens, half]) };
      ropeInputs.set(tableKey, table);
      feeds.push({ kind: 'rope', ...table, node, posId, factors });
    }
    const { cos, sin } = table;
    const xs = operand(node, 0);
    if (options.contribOps) {
      // RotaryEmbedding over [1, T, H·D] with this run's table: token t reads row t (position ids 0..T-1)
      const ids = b.int64s(Array.from({ length: tokens }, (_, t) => t), [1, tokens]);
      const flat = emit('Reshape', [xs, b.int64s([1, tokens, heads * headDim])]);
      const y = emit('RotaryEmbedding', [flat, ids, cos, sin], { interleaved: mode === 'normal' ? 1 : 0, num_heads: heads, rotary_embedding_dim: dims }, MS_DOMAIN);
      return emit('Reshape', [y, b.int64s([tokens, heads, headDim])]);
    }
    const rot = dims === headDim ? xs : emit('Slice', [xs, b.int64s([0]), b.int64s([dims]), b.int64s([2])]);
    // the pair halves: (2i, 2i+1) as a last axis of 2 ('normal'), or (i, i + dims/2) ('neox'), with cos/sin shaped to match
    const normal = mode === 'normal';
    const axis = normal ? 3 : 2;
    const src = normal ? emit('Reshape', [rot, b.int64s([tokens, heads, half, 2])]) : rot;
    const part = normal ? 1 : half;
    const x0 = emit('Slice', [src, b.int64s([0]), b.int64s([part]), b.int64s([axis])]);
    const x1 = emit('Slice', [src, b.int64s([part]), b.int64s([2 * part]), b.int64s([axis])]);
    const angleShape = normal ? [tokens, 1, half, 1] : [tokens, 1, half];
    const c = emit('Reshape', [cos, b.int64s(angleShape)]);
    const s = emit('Reshape', [sin, b.int64s(angleShape)]);
    const y0 = emit('Sub', [emit('Mul', [x0, c]), emit('Mul', [x1, s])]);
    const y1 = emit('Add', [emit('Mul', [x0, s]), emit('Mul', [x1, c])]);
    const joined = emit('Concat', [y0, y1], { axis });
    const y = normal ? emit('Reshape', [joined, b.int64s([tokens, heads, dims])]) : joined;
    if (dims === headDim) return y;
    const pass = emit('Slice', [xs, b.int64s([dims]), b.int64s([headDim]), b.int64s([2])]);
    return emit('Concat', [y, pass], { axis: 2 });
  }

  function writeRows(node: GraphNode<'write_rows'>): string {
    const dtype = node.dtype;
    const src = operand(node, 1);
    const rows = dtype === 'F32' ? emit('Identity', [src]) : emit('Cast', [src], { to: ELEM[dtype]! });
    const outName = `rows${node.id}`;
    b.op('Identity', [rows], {}, [outName]);
    const srcShape = shapeOf(node.inputs[1]!);
    b.output(outName, ELEM[dtype]!, srcShape);
    fetches.push({ name: outName, nodeId: node.id, dtype, dims: [...srcShape], rowsOf: node });
    // the cache with its rows replaced, for readers inside this split (attention)
    const readers = nodes.filter((n) => n.inputs.includes(node.id));
    if (readers.length === 0) return outName;
    const idx = b.input(`idx${node.id}`, ElemType.INT64, [srcShape[0]!, 1]);
    feeds.push({ kind: 'rows', name: idx, node, tokens: srcShape[0]! });
    let cache = operand(node, 0);
    const onlyAttention = readers.every((n) => n.op === 'attention' && n.inputs.indexOf(node.id) >= 1 && n.inputs.lastIndexOf(node.id) <= 2);
    if (!options.staticShapes && onlyAttention) {
      // only attention reads it, and only its first kvLen rows: replace rows in the prefix that
      // covers them and the written ones (a cost that follows the context, not the cache's size)
      const span = b.input(`span${node.id}`, ElemType.INT64, [1]);
      feeds.push({ kind: 'span', name: span, node, tokens: srcShape[0]!, readers: readers as GraphNode<'attention'>[] });
      cache = emit('Slice', [cache, b.int64s([0]), span, b.int64s([0])]);
    }
    return emit('ScatterND', [cache, idx, rows]);
  }

  function attention(node: GraphNode<'attention'>): string {
    const { scale, softcap } = node.params;
    const [tokens, qHeads, d] = node.shape as [number, number, number];
    const [cacheRows, kvHeads] = shapeOf(node.inputs[1]!) as [number, number, number];
    const group = qHeads / kvHeads;
    // the rows attention may read (all of them with static shapes), then as float32
    let kvLen: string | undefined;
    if (!options.staticShapes) {
      kvLen = b.input(`kvlen${node.id}`, ElemType.INT64, [1]);
      feeds.push({ kind: 'kvlen', name: kvLen, node });
    }
    const rows = (k: number) => {
      const v = kvLen ? emit('Slice', [operand(node, k), b.int64s([0]), kvLen, b.int64s([0])]) : operand(node, k);
      return graph.node(node.inputs[k]!).dtype === 'F32' ? v : emit('Cast', [v], { to: ElemType.FLOAT });
    };
    const keys = rows(1);
    const values = rows(2);
    const visible: number | string = kvLen ? `kv${node.id}` : cacheRows;
    const mask = b.input(`mask${node.id}`, ElemType.FLOAT, [tokens, visible]);
    feeds.push({ kind: 'mask', name: mask, node, tokens, rows: cacheRows });
    // q [T, Hq, D] -> [Hkv, G·T, D]; k -> [Hkv, D, L]; v -> [Hkv, L, D]
    const q = emit('Reshape', [emit('Transpose', [emit('Reshape', [operand(node, 0), b.int64s([tokens, kvHeads, group, d])])], { perm: [1, 2, 0, 3] }), b.int64s([kvHeads, group * tokens, d])]);
    const kt = emit('Transpose', [keys], { perm: [1, 2, 0] });
    const vt = emit('Transpose', [values], { perm: [1, 0, 2] });
    let scores = emit('Mul', [emit('MatMul', [q, kt]), b.float(scale)]);
    if (softcap !== undefined) scores = emit('Mul', [emit('Tanh', [emit('Div', [scores, b.float(softcap)])]), b.float(softcap)]);
    // [Hkv, G, T, L] + mask [T, L]
    scores = emit('Add', [emit('Reshape', [scores, b.int64s([kvHeads, group, tokens, -1])]), mask]);
    let probs: string;
    if (node.inputs[3] !== undefined) {
      // the sink logit of each query head joins the softmax as a last column, then is dropped
      const sinks = emit('Expand', [emit('Reshape', [operand(node, 3), b.int64s([kvHeads, group, 1, 1])]), b.int64s([kvHeads, group, tokens, 1])]);
      const all = emit('Softmax', [emit('Concat', [scores, sinks], { axis: 3 })], { axis: -1 });
      const width = emit('Sub', [emit('Shape', [all], { start: 3 }), b.int64s([1])]);
      probs = emit('Slice', [all, b.int64s([0]), width, b.int64s([3])]);
    } else {
      probs = emit('Softmax', [scores], { axis: -1 });
    }
    const mixed = emit('MatMul', [emit('Reshape', [probs, b.int64s([kvHeads, group * tokens, -1])]), vt]);
    const perToken = emit('Transpose', [emit('Reshape', [mixed, b.int64s([kvHeads, group, tokens, d])])], { perm: [2, 0, 1, 3] });
    return emit('Reshape', [perToken, b.int64s([tokens, qHeads, d])]);
  }
}

/** ids of split nodes read by graph nodes outside the split */
export function readersOutside(split: GraphSplit, inSplit: ReadonlySet<number>): Set<number> {
  const out = new Set<number>();
  for (const n of split.graph.nodes) {
    if (inSplit.has(n.id)) continue;
    for (const i of n.inputs) if (inSplit.has(i)) out.add(i);
  }
  return out;
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
