import type { OpParams } from '../../graph.js';
import type { Kernel } from './kernel.js';

/** a ∘ b with b repeated over a's leading dims (b's shape is a suffix of a's) */
function broadcast(op: (a: number, b: number) => number): Kernel<'add' | 'mul'> {
  return (_params, [a, b], out) => {
    const as = a!.f32();
    const bs = b!.f32();
    const ys = out.f32();
    for (let i = 0; i < as.length; i++) ys[i] = op(as[i]!, bs[i % bs.length]!);
  };
}

function unary<O extends 'scale' | 'silu' | 'gelu' | 'softcap' | 'sigmoid' | 'sqrt'>(f: (x: number, params: OpParams[O]) => number): Kernel<O> {
  return (params, [x], out) => {
    const xs = x!.f32();
    const ys = out.f32();
    for (let i = 0; i < xs.length; i++) ys[i] = f(xs[i]!, params);
  };
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** tanh approximation, as ggml's gelu */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

export const add = broadcast((a, b) => a + b);
export const mul = broadcast((a, b) => a * b);
export const scale = unary<'scale'>((x, p) => x * p.scale);
export const siluKernel = unary<'silu'>(silu);
export const geluKernel = unary<'gelu'>(gelu);
export const softcap = unary<'softcap'>((x, p) => p.cap * Math.tanh(x / p.cap));
export const sigmoidKernel = unary<'sigmoid'>((x) => 1 / (1 + Math.exp(-x)));

export const swiglu: Kernel<'swiglu'> = (_params, [gate, up], out) => {
  const gs = gate!.f32();
  const us = up!.f32();
  const ys = out.f32();
  for (let i = 0; i < gs.length; i++) ys[i] = silu(gs[i]!) * us[i]!;
};

/** gpt-oss's clamped SwiGLU, in float32 steps as ggml's swiglu_oai */
export const swigluOai: Kernel<'swiglu_oai'> = ({ alpha, limit }, [gate, up], out) => {
  const f = Math.fround;
  const a = f(alpha);
  const gs = gate!.f32();
  const us = up!.f32();
  const ys = out.f32();
  for (let i = 0; i < gs.length; i++) {
    const g = Math.min(gs[i]!, limit);
    const u = Math.min(Math.max(us[i]!, -limit), limit);
    ys[i] = f(g / f(1 + f(Math.exp(f(a * -g))))) * f(u + 1);
  }
};
export const sqrtKernel = unary<'sqrt'>((x) => Math.sqrt(x));
