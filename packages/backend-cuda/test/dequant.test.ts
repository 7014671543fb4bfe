import { dequantize, f32ToF16Bytes, quantize, type DTypeName } from '@ix/core';
import { describe, expect, it } from 'vitest';

import { WEIGHT_DTYPES } from '../src/index.js';
import { loadAddon } from '../src/native.js';
import { randomF32, rng } from './helpers.js';

/**
 * The kernels' block decoding (native/kernels/dequant.h, the code every matvec/matmul/get_rows kernel
 * runs) compiled for the host and compared with core's reference dequantizers: the block layouts are
 * checked on every machine, GPU or not.
 */
const load = loadAddon();

function encode(dtype: DTypeName, v: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(v.buffer);
  if (dtype === 'F16') return f32ToF16Bytes(v);
  if (dtype === 'BF16') return new Uint8Array(Uint16Array.from(new Uint32Array(v.buffer), (u) => u >>> 16).buffer);
  return quantize(dtype, v);
}

describe.skipIf(!load.addon)(`weight decoding on the host${load.addon ? '' : ` (${load.error})`}`, () => {
  it.each(WEIGHT_DTYPES.map((d, i) => [d, i] as const))('%s decodes exactly as the reference', (dtype, type) => {
    const n = 256 * 6;
    const v = randomF32(n, rng(3 + type), 4);
    v[5] = 0;
    v[300] = -4; // extremes of a block
    const bytes = encode(dtype, v);
    const ours = load.addon!.hostDequantize(type, bytes, n);
    const ref = dequantize(dtype, bytes, n);
    expect(ours.length).toBe(n);
    // same products d·q (- m) in float32: bit-equal, except fused multiply-adds the host compiler may form
    for (let i = 0; i < n; i++) {
      if (ours[i] !== ref[i]) expect(Math.abs(ours[i]! - ref[i]!), `${dtype} element ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref[i]!)));
    }
    expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(1); // the comparison saw real values
  });

  it('refuses data shorter than the weights asked for, and unknown types', () => {
    expect(() => load.addon!.hostDequantize(3, new Uint8Array(33), 32)).toThrow(/shorter/);
    expect(() => load.addon!.hostDequantize(99, new Uint8Array(4), 1)).toThrow(/unknown weight type/);
    expect(() => load.addon!.hostDequantize(4, new Uint8Array(18), 31)).toThrow(/whole number of blocks/);
  });
});
