import type { OpParams, Tensor } from '@ix/core';

import { BLOCK, elementBytes, f32, type ProgramBuilder } from '../program.js';
import type { PlanContext } from './context.js';

const BINARY = { add: 0, mul: 1, swiglu: 2, swiglu_oai: 3 } as const;
const UNARY = { scale: 0, silu: 1, gelu: 2, sigmoid: 3, softcap: 4, sqrt: 5 } as const;

/** add / mul (b repeated over a's leading dims), swiglu and swiglu_oai */
export function planBinary({ b, node, input, out }: PlanContext): void {
  const a = input(0), rhs = input(1);
  const n = a.numElements;
  if (n === 0) return;
  const oai = node.op === 'swiglu_oai' ? (node.params as OpParams['swiglu_oai']) : { alpha: 0, limit: 0 };
  b.launch('binary', Math.ceil(n / BLOCK), BLOCK, [b.ptr(a, 4), b.ptr(rhs, 4), b.ptr(out, 4)], [
    n, rhs.numElements, BINARY[node.op as keyof typeof BINARY], f32(oai.alpha), f32(oai.limit),
  ]);
}

/** scale, silu, gelu, sigmoid, softcap, sqrt */
export function planUnary({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const n = x.numElements;
  if (n === 0) return;
  const param = node.op === 'scale' ? (node.params as OpParams['scale']).scale : node.op === 'softcap' ? (node.params as OpParams['softcap']).cap : 0;
  b.launch('unary', Math.ceil(n / BLOCK), BLOCK, [b.ptr(x, 4), b.ptr(out, 4)], [n, UNARY[node.op as keyof typeof UNARY], f32(param)]);
}

/** elements start .. start + length - 1 of each row */
export function planSlice({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const { start, length } = node.params as OpParams['slice'];
  const n = out.numElements;
  if (n === 0) return;
  b.launch('slice', Math.ceil(n / BLOCK), BLOCK, [b.ptr(x, 4), b.ptr(out, 4)], [n, x.shape[x.shape.length - 1]!, start, length]);
}

/** y's n elements from x, starting `first` elements in, converting F32 <-> F16 (I32 moves as words). */
function copyInto(b: ProgramBuilder, x: Tensor, y: Tensor, first: number): void {
  const n = y.numElements;
  if (n === 0) return;
  const xs = elementBytes(x.dtype), ys = elementBytes(y.dtype);
  b.launch('copy', Math.ceil(n / BLOCK), BLOCK, [b.ptr(x, xs, first * xs, n * xs), b.ptr(y, ys)], [n, xs === 2 ? 1 : 0, ys === 2 ? 1 : 0, 0]);
}

export function planCopy({ b, input, out }: PlanContext): void {
  copyInto(b, input(0), out, 0);
}

export function planView({ b, node, input, out }: PlanContext): void {
  copyInto(b, input(0), out, (node.params as OpParams['view']).offset);
}

/** a, b joined along an axis: rows of everything from the axis on, one row of each per leading index */
export function planConcat({ b, node, input, out }: PlanContext): void {
  const x = input(0), z = input(1);
  const { axis } = node.params as OpParams['concat'];
  const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const aLen = x.shape.slice(axis).reduce((p, d) => p * d, 1);
  const bLen = z.shape.slice(axis).reduce((p, d) => p * d, 1);
  const n = out.numElements;
  if (n === 0) return;
  const u = elementBytes(out.dtype);
  // an empty side is never read: the output stands in for its pointer
  const ap = x.numElements ? b.ptr(x, u) : b.ptr(out, u);
  const bp = z.numElements ? b.ptr(z, u) : b.ptr(out, u);
  b.launch('concat', Math.ceil(n / BLOCK), BLOCK, [ap, bp, b.ptr(out, u)], [outer, aLen, bLen, u]);
}
