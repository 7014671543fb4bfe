import type { OpParams, Tensor } from '@ix/core';

import { f32, unitOf, type ProgramBuilder } from '../program.js';
import type { PlanContext } from './context.js';

const WG = 256;

/** add / mul (b broadcast as a suffix) and swiglu */
export function planBinary({ b, node, input, out }: PlanContext): void {
  const a = input(0), rhs = input(1);
  const n = a.numElements;
  if (n === 0) return;
  const ab = b.bind(a, 4), bb = b.bind(rhs, 4), yb = b.bind(out, 4);
  b.dispatch(node.op, b.grid(Math.ceil(n / WG)), [ab.binding, bb.binding, yb.binding], [n, rhs.numElements, ab.base, bb.base, yb.base]);
}

/** scale, silu, gelu, sigmoid */
export function planUnary({ b, node, input, out }: PlanContext): void {
  const x = input(0);
  const n = x.numElements;
  if (n === 0) return;
  const scale = node.op === 'scale' ? (node.params as OpParams['scale']).scale : 0;
  const xb = b.bind(x, 4), yb = b.bind(out, 4);
  b.dispatch(node.op, b.grid(Math.ceil(n / WG)), [xb.binding, yb.binding], [n, xb.base, yb.base, f32(scale)]);
}

/** Copy n elements of x starting `first` elements in into all of y, converting F32 <-> F16. */
function copyInto(b: ProgramBuilder, x: Tensor, y: Tensor, first: number): void {
  const n = y.numElements;
  if (n === 0) return;
  const xs = unitOf(x.dtype), ys = unitOf(y.dtype);
  const xb = b.bind(x, xs, first * xs, n * xs), yb = b.bind(y, ys);
  const src = x.dtype === 'F16' ? 'f16' : 'f32', dst = y.dtype === 'F16' ? 'f16' : 'f32';
  const shader = src === 'f32' && dst === 'f32' ? 'copy_32' : `copy_${src}_${dst}`; // copy_32 moves F32 and I32 words alike
  const groups = y.dtype === 'F16' ? Math.floor((yb.base + n - 1) / 2) - Math.floor(yb.base / 2) + 1 : n;
  b.dispatch(shader, b.grid(Math.ceil(groups / WG)), [xb.binding, yb.binding], [n, xb.base, yb.base]);
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
  const u = unitOf(out.dtype);
  // an empty side still needs a binding: the other one stands in, never read
  const ab = x.numElements ? b.bind(x, u) : b.bind(out, u);
  const bb = z.numElements ? b.bind(z, u) : b.bind(out, u);
  const yb = b.bind(out, u);
  const groups = u === 2 ? Math.floor((yb.base + n - 1) / 2) - Math.floor(yb.base / 2) + 1 : n;
  b.dispatch(u === 2 ? 'concat_16' : 'concat_32', b.grid(Math.ceil(groups / WG)), [ab.binding, bb.binding, yb.binding], [outer, aLen, bLen, ab.base, bb.base, yb.base]);
}
