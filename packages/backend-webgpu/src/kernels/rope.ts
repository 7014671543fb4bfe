import type { RopeParams } from '@ix/core';

import { MAIN, type Dispatch, type PlanContext } from './dispatch.js';

/**
 * Rotary embedding on x[T, H, D]: one thread per element pair (and per unrotated element). The
 * frequencies base^(-2i/dims) come from a table the host computes in double precision; the angle,
 * YaRN's mix and cos/sin are f32.
 */
export function planRope({ node, input, out, ropeTable }: PlanContext): Dispatch[] {
  const x = input(0), pos = input(1);
  const p = node.params as RopeParams;
  const [t, h, d] = x.shape as [number, number, number];
  if (t * h * d === 0) return [];
  const factors = node.inputs.length > 2 ? input(2) : undefined;
  const table = ropeTable(p.dims, p.base);
  const ext = p.yarn?.extFactor ?? 0;
  const [c0, c1] = p.yarn?.corrDims ?? [0, 0];
  const mscale = (p.yarn?.attnFactor ?? 1) * (ext !== 0 ? 1 + 0.1 * Math.log(1 / p.freqScale) : 1);
  // per head: dims/2 pairs, then the elements past dims copied
  const perHead = p.dims / 2 + (d - p.dims);
  return [{
    kernel: {
      key: `rope_${p.mode}${factors ? '_ff' : ''}`,
      params: [['T', 'u32'], ['H', 'u32'], ['D', 'u32'], ['dims', 'u32'], ['freqScale', 'f32'], ['ext', 'f32'], ['c0', 'f32'], ['c1', 'f32'], ['mscale', 'f32']],
      body: `${SIN_COS}
${MAIN}
  let perHead = P.dims / 2u + (P.D - P.dims);
  let i = g * WG + lid;
  if (i >= P.T * P.H * perHead) { return; }
  let th = i / perHead;
  let k = i % perHead;
  let o = th * P.D;
  if (k >= P.dims / 2u) {
    let e = o + P.dims + (k - P.dims / 2u);
    y_set_f32(e, x_f32(e));
    return;
  }
  let half = P.dims / 2u;
  let t = th / P.H;
  let extrap = f32(pos_i32(t)) * inv_f32(k)${factors ? ' / ff_f32(k)' : ''};
  var m = 0.0;
  if (P.ext != 0.0) { m = P.ext * (1.0 - clamp((f32(k) - P.c0) / max(0.001, P.c1 - P.c0), 0.0, 1.0)); }
  let theta = P.freqScale * extrap * (1.0 - m) + extrap * m;
  let sc = sin_cos(theta);
  let c = sc.y * P.mscale;
  let s = sc.x * P.mscale;
  ${p.mode === 'normal' ? 'let a = o + 2u * k;\n  let b = a + 1u;' : 'let a = o + k;\n  let b = a + half;'}
  let x0 = x_f32(a);
  let x1 = x_f32(b);
  y_set_f32(a, x0 * c - x1 * s);
  y_set_f32(b, x0 * s + x1 * c);
}`,
    },
    operands: [
      { name: 'x', tensor: x }, { name: 'pos', tensor: pos }, { name: 'inv', tensor: table },
      ...(factors ? [{ name: 'ff', tensor: factors }] : []),
      { name: 'y', tensor: out, write: true },
    ],
    params: () => [t, h, d, p.dims, p.freqScale, ext, c0, c1, mscale],
    groups: Math.ceil((t * h * perHead) / 64),
  }];
}

/** base^(-2i/dims) for i < dims/2 (double precision, rounded once to f32) */
export function ropeFrequencies(dims: number, base: number): Float32Array {
  return Float32Array.from({ length: dims / 2 }, (_, i) => Math.pow(base, (-2 * i) / dims));
}

/**
 * sin and cos to about an f32 ulp (Cephes' sinf/cosf): WGSL lets a device's own be off by 2^-11 on
 * [-pi, pi] (SwiftShader is, by 4e-4), which moves every rotated key. Reduced by multiples of pi/2,
 * pi/2 in three parts so that j·part is exact.
 */
const SIN_COS = `
fn sin_cos(x: f32) -> vec2f {
  let j = round(x * 0.63661977236758134);
  let y = ((x - j * 1.5703125) - j * 4.837512969970703125e-4) - j * 7.54978995489188216e-8;
  let z = y * y;
  let s = y + y * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  switch (i32(j) & 3) {
    case 0: { return vec2f(s, c); }
    case 1: { return vec2f(c, -s); }
    case 2: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }
  }
}`;
