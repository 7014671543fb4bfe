import { InvalidArgumentError, type OpParams, type Tensor } from '@ix/core';

import { dequantWgsl, rowBytes, type WeightDType } from './dequant.js';
import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/** out[t, :] = table[ids[t], :] decoded to F32: one thread per 32-element chunk (ids out of range give zeros). */
export function planGetRows({ input, out }: PlanContext): Dispatch[] {
  const table = input(0), ids = input(1);
  const [rows, cols] = table.shape as [number, number];
  const t = ids.numElements;
  const chunks = Math.ceil(cols / 32);
  if (t === 0 || cols === 0) return [];
  const dtype = table.dtype as WeightDType;
  return [{
    kernel: {
      key: `get_rows_${dtype}`,
      params: [['T', 'u32'], ['C', 'u32'], ['rows', 'u32'], ['rowBytes', 'u32']],
      body: `${dequantWgsl(dtype)}
${MAIN}
  let i = g * WG + lid;
  let chunks = (P.C + 31u) / 32u;
  if (i >= P.T * chunks) { return; }
  let t = i / chunks;
  let c = i % chunks;
  let id = ids_i32(t);
  var v: array<f32, 32>;
  if (id >= 0 && u32(id) < P.rows) { dq32(u32(id) * P.rowBytes, c, P.C, &v); }
  let len = min(32u, P.C - c * 32u);
  for (var l = 0u; l < len; l++) { out_set_f32(t * P.C + c * 32u + l, v[l]); }
}`,
    },
    operands: [{ name: 'w', tensor: table }, { name: 'ids', tensor: ids }, { name: 'out', tensor: out, write: true }],
    params: () => [t, cols, rows, rowBytes(dtype, cols)],
    groups: Math.ceil((t * chunks) / 64),
  }];
}

/** Elements of src (F32 or F16), starting `first` elements in, into all of dst (F32 or F16). */
function copyElements(src: Tensor, dst: Tensor, n: number, params: () => [first: number, dstFirst: number]): Dispatch[] {
  if (n === 0) return [];
  const read = src.dtype === 'F16' ? 'x_f16(P.first + e)' : 'x_f32(P.first + e)';
  if (dst.dtype !== 'F16') {
    // 4-byte elements (F32, or I32 words moved alike)
    const word = src.dtype === 'F16' ? `bitcast<u32>(${read})` : 'x_word(P.first + e)';
    return [{
      kernel: {
        key: `copy_${src.dtype === 'F16' ? 'f16' : '32'}_32`,
        params: [['first', 'u32'], ['dstFirst', 'u32'], ['n', 'u32']],
        body: `${MAIN}
  let e = g * WG + lid;
  if (e >= P.n) { return; }
  y_set_word(P.dstFirst + e, ${word});
}`,
      },
      operands: [{ name: 'x', tensor: src }, { name: 'y', tensor: dst, write: true }],
      params: () => [...params(), n],
      groups: Math.ceil(n / 64),
    }];
  }
  // F16 destination: one thread per destination word, so no two threads share a word
  return [{
    kernel: {
      key: `copy_${src.dtype === 'F16' ? 'f16' : 'f32'}_f16`,
      params: [['first', 'u32'], ['dstFirst', 'u32'], ['n', 'u32']],
      body: `${MAIN}
  // element e of the destination sits at half index h0 + e of the buffer
  let h0 = (P.y_off >> 1u) + P.dstFirst;
  let word = (h0 >> 1u) + g * WG + lid;
  if (word > (h0 + P.n - 1u) >> 1u) { return; }
  var v = y_abs_word(word);
  for (var k = 0u; k < 2u; k++) {
    let h = word * 2u + k;
    if (h >= h0 && h < h0 + P.n) {
      let e = h - h0;
      let bits = f16_bits(${read});
      v = select((v & 0xffff0000u) | bits, (v & 0xffffu) | (bits << 16u), k == 1u);
    }
  }
  y_set_abs_word(word, v);
}`,
    },
    operands: [{ name: 'x', tensor: src }, { name: 'y', tensor: dst, write: true }],
    params: () => [...params(), n],
    // the words n halves span, wherever they start
    groups: Math.ceil((Math.ceil(n / 2) + 1) / 64),
  }];
}

export function planCopy({ input, out }: PlanContext): Dispatch[] {
  return copyElements(input(0), out, out.numElements, () => [0, 0]);
}

export function planView({ node, input, out }: PlanContext): Dispatch[] {
  const first = (node.params as OpParams['view']).offset;
  return copyElements(input(0), out, out.numElements, () => [first, 0]);
}

/** src rows into dst rows row..row+T-1 (the node's tensor is dst), converting to dst's dtype; `row` moves between runs. */
export function planWriteRows({ node, input, out }: PlanContext): Dispatch[] {
  const src = input(1);
  const rowLen = out.shape.slice(1).reduce((a, d) => a * d, 1);
  const n = src.numElements;
  if (n === 0) return [];
  return copyElements(src, out, n, () => {
    const { row } = node.params as OpParams['write_rows'];
    // a shader cannot fail: a write past the cache would land in whatever follows it in the buffer
    if (!Number.isSafeInteger(row) || row < 0 || row * rowLen + n > out.numElements) {
      throw new InvalidArgumentError(`webgpu: write_rows at row ${row} of ${n / rowLen} rows overruns ${out.name ?? 'the cache'} (${out.shape[0]} rows)`);
    }
    return [0, row * rowLen];
  });
}

/** a, b joined along `axis` (4-byte elements: F32 and I32) */
export function planConcat({ node, input, out }: PlanContext): Dispatch[] {
  const a = input(0), b = input(1);
  const { axis } = node.params as OpParams['concat'];
  const aLen = a.shape.slice(axis).reduce((p, d) => p * d, 1);
  const bLen = b.shape.slice(axis).reduce((p, d) => p * d, 1);
  const n = out.numElements;
  if (n === 0) return [];
  return [{
    kernel: {
      key: 'concat_32',
      params: [['aLen', 'u32'], ['bLen', 'u32'], ['n', 'u32']],
      body: `${MAIN}
  let e = g * WG + lid;
  if (e >= P.n) { return; }
  let o = e / (P.aLen + P.bLen);
  let j = e % (P.aLen + P.bLen);
  if (j < P.aLen) { y_set_word(e, a_word(o * P.aLen + j)); } else { y_set_word(e, b_word(o * P.bLen + j - P.aLen)); }
}`,
    },
    operands: [{ name: 'a', tensor: a }, { name: 'b', tensor: b }, { name: 'y', tensor: out, write: true }],
    params: () => [aLen, bLen, n],
    groups: Math.ceil(n / 64),
  }];
}
