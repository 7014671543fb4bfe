import type { DTypeName } from '@ix/core';

/** Weight types the shaders decode (matmul and get_rows). */
export const WEIGHT_DTYPES = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const satisfies readonly DTypeName[];
export type WeightDType = (typeof WEIGHT_DTYPES)[number];

/** Elements and bytes of one block (a row is K / elements blocks). */
const BLOCKS: Record<WeightDType, readonly [number, number]> = {
  F32: [1, 4],
  F16: [1, 2],
  Q8_0: [32, 34],
  Q4_0: [32, 18],
  Q4_K: [256, 144],
  Q5_K: [256, 176],
  Q6_K: [256, 210],
};

export function rowBytes(dtype: WeightDType, k: number): number {
  const [elems, bytes] = BLOCKS[dtype];
  return (k / elems) * bytes;
}

/**
 * `dq32(rb, c, K, out)`: elements 32c .. 32c+31 of the row that starts at byte `rb` of operand `w`,
 * decoded to f32 (zero past K). Float steps follow ggml's dequantizers (d·sc first, then ·q − dmin·m).
 */
export function dequantWgsl(dtype: WeightDType): string {
  const head = 'fn dq32(rb: u32, c: u32, K: u32, out: ptr<function, array<f32, 32>>) {';
  switch (dtype) {
    case 'F32':
      return `${head}
  for (var l = 0u; l < 32u; l++) { let j = c * 32u + l; (*out)[l] = select(0.0, w_f32((rb >> 2u) + j), j < K); }
}`;
    case 'F16':
      return `${head}
  for (var l = 0u; l < 32u; l++) { let j = c * 32u + l; (*out)[l] = select(0.0, w_f16((rb >> 1u) + j), j < K); }
}`;
    case 'Q8_0':
      return `${head}
  let b = rb + c * 34u;
  let d = w_f16(b >> 1u);
  for (var q = 0u; q < 8u; q++) {
    let v = w_u32at(b + 2u + 4u * q);
    for (var i = 0u; i < 4u; i++) { (*out)[4u * q + i] = d * f32(extractBits(bitcast<i32>(v), 8u * i, 8u)); }
  }
}`;
    case 'Q4_0':
      return `${head}
  let b = rb + c * 18u;
  let d = w_f16(b >> 1u);
  for (var q = 0u; q < 4u; q++) {
    let v = w_u32at(b + 2u + 4u * q);
    for (var i = 0u; i < 4u; i++) {
      let byte = (v >> (8u * i)) & 0xffu;
      (*out)[4u * q + i] = d * (f32(byte & 0xfu) - 8.0);
      (*out)[16u + 4u * q + i] = d * (f32(byte >> 4u) - 8.0);
    }
  }
}`;
    case 'Q4_K':
    case 'Q5_K':
      return `${SCALE_MIN_K4}
${head}
  let b = rb + (c >> 3u) * ${dtype === 'Q4_K' ? 144 : 176}u;
  let j = c & 7u; // which 32 of the super-block: scale/min j, nibbles of bytes 32·(j/2).., high half when j is odd
  let d = w_f16(b >> 1u);
  let dmin = w_f16((b >> 1u) + 1u);
  let sm = scale_min_k4(b + 4u, j);
  let d1 = d * f32(sm.x);
  let m1 = dmin * f32(sm.y);
  let qs = b + ${dtype === 'Q4_K' ? 16 : 48}u + 32u * (j >> 1u);
  let shift = 4u * (j & 1u);
  for (var q = 0u; q < 8u; q++) {
    let v = w_u32at(qs + 4u * q);${dtype === 'Q5_K' ? '\n    let h = w_u32at(b + 16u + 4u * q);' : ''}
    for (var i = 0u; i < 4u; i++) {
      var n = (v >> (8u * i + shift)) & 0xfu;${dtype === 'Q5_K' ? '\n      n = n + 16u * ((h >> (8u * i + j)) & 1u);' : ''}
      (*out)[4u * q + i] = d1 * f32(n) - m1;
    }
  }
}`;
    case 'Q6_K':
      return `${head}
  let b = rb + (c >> 3u) * 210u;
  let half = (c >> 2u) & 1u; // which 128 of the super-block
  let s = c & 3u;             // which 32 of that half: low/high nibbles of ql[0..32) or ql[32..64)
  let d = w_f16((b >> 1u) + 104u);
  let ql = b + 64u * half + 32u * (s & 1u);
  let qh = b + 128u + 32u * half;
  for (var q = 0u; q < 8u; q++) {
    let lo = w_u32at(ql + 4u * q);
    let hi = w_u32at(qh + 4u * q);
    for (var i = 0u; i < 4u; i++) {
      let l = 4u * q + i;
      let n = ((lo >> (8u * i + 4u * (s >> 1u))) & 0xfu) | (((hi >> (8u * i + 2u * s)) & 3u) << 4u);
      let sc = extractBits(i32(w_byte(b + 192u + 8u * half + (l >> 4u) + 2u * s)), 0u, 8u); // int8
      (*out)[l] = (d * f32(sc)) * f32(i32(n) - 32);
    }
  }
}`;
  }
}

/** ggml's get_scale_min_k4 over the 12 packed scale bytes at byte `sb` of `w`: (scale, min) of sub-block j */
const SCALE_MIN_K4 = `
fn scale_min_k4(sb: u32, j: u32) -> vec2u {
  if (j < 4u) { return vec2u(w_byte(sb + j) & 63u, w_byte(sb + j + 4u) & 63u); }
  let a = w_byte(sb + j + 4u);
  return vec2u((a & 0xfu) | ((w_byte(sb + j - 4u) >> 6u) << 4u), (a >> 4u) | ((w_byte(sb + j) >> 6u) << 4u));
}`;
