import type { OpName, OpParams } from '@ix/core';

import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/** y[i] = f(a[i], b[i mod |b|]) for add / mul (b broadcast as a suffix), swiglu and swiglu_oai. */
const BINARY: Partial<Record<OpName, string>> = {
  add: 'a + b',
  mul: 'a * b',
  swiglu: 'a / (1.0 + exp(-a)) * b',
  swiglu_oai: 'oai(a, b)',
};

/** y[i] = f(x[i]); `p` is the op's one scalar param */
const UNARY: Partial<Record<OpName, string>> = {
  scale: 'x * P.p',
  silu: 'x / (1.0 + exp(-x))',
  gelu: '0.5 * x * (1.0 + tanh_(0.7978845608028654 * (x + 0.044715 * x * x * x)))',
  sigmoid: '1.0 / (1.0 + exp(-x))',
  softcap: 'P.p * tanh_(x / P.p)',
};

/** tanh that saturates instead of overflowing exp for large |x| */
const TANH = `fn tanh_(x: f32) -> f32 { if (abs(x) > 15.0) { return sign(x); } return tanh(x); }`;

const OAI = `fn oai(gate: f32, up: f32) -> f32 {
  let g = min(gate, P.limit);
  let u = clamp(up, -P.limit, P.limit);
  return (g / (1.0 + exp(P.alpha * -g))) * (u + 1.0);
}`;

export function planBinary({ node, input, out }: PlanContext): Dispatch[] {
  const a = input(0), b = input(1);
  const n = a.numElements;
  if (n === 0) return [];
  const oai = node.op === 'swiglu_oai' ? (node.params as OpParams['swiglu_oai']) : undefined;
  return [{
    kernel: {
      key: node.op,
      params: [['n', 'u32'], ['nb', 'u32'], ['alpha', 'f32'], ['limit', 'f32']],
      body: `${oai ? OAI : ''}
${MAIN}
  let i = g * WG + lid;
  if (i >= P.n) { return; }
  let a = x_f32(i);
  let b = z_f32(i % P.nb);
  y_set_f32(i, ${BINARY[node.op]});
}`,
    },
    operands: [{ name: 'x', tensor: a }, { name: 'z', tensor: b }, { name: 'y', tensor: out, write: true }],
    params: () => [n, b.numElements, oai?.alpha ?? 0, oai?.limit ?? 0],
    groups: Math.ceil(n / 64),
  }];
}

export function planUnary({ node, input, out }: PlanContext): Dispatch[] {
  const x = input(0);
  const n = x.numElements;
  if (n === 0) return [];
  const p = node.op === 'scale' ? (node.params as OpParams['scale']).scale : node.op === 'softcap' ? (node.params as OpParams['softcap']).cap : 0;
  return [{
    kernel: {
      key: node.op,
      params: [['n', 'u32'], ['p', 'f32']],
      body: `${TANH}
${MAIN}
  let i = g * WG + lid;
  if (i >= P.n) { return; }
  let x = x_f32(i);
  y_set_f32(i, ${UNARY[node.op]});
}`,
    },
    operands: [{ name: 'x', tensor: x }, { name: 'y', tensor: out, write: true }],
    params: () => [n, p],
    groups: Math.ceil(n / 64),
  }];
}

export const BINARY_OPS = Object.keys(BINARY) as OpName[];
export const UNARY_OPS = Object.keys(UNARY) as OpName[];
