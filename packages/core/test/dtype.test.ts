import { describe, expect, it } from 'vitest';
import { DTYPES, dtypeByteSize, dtypeInfo, isDTypeName } from '../src/dtype.js';
import { InvalidArgumentError, ShapeError, UnknownDTypeError } from '../src/errors.js';

// Independent truth: ggml/include/ggml.h `enum ggml_type` (ids) and the block structs of
// ggml/src/ggml-common.h, whose sizes are pinned there by static_asserts (QK_K = 256,
// K_SCALE_SIZE = 12, ggml_half = 2 bytes). The GGUF spec (ggml/docs/gguf.md) uses the same ids.
// Each row: [id, elements per block, bytes per block written as the static_assert formula].
const QK_K = 256;
const HALF = 2;
const GGML: Record<string, [id: number, blockSize: number, typeSize: number]> = {
  F32: [0, 1, 4],
  F16: [1, 1, 2],
  Q4_0: [2, 32, HALF + 32 / 2],
  Q4_1: [3, 32, 2 * HALF + 32 / 2],
  Q5_0: [6, 32, HALF + 4 + 32 / 2],
  Q5_1: [7, 32, 2 * HALF + 4 + 32 / 2],
  Q8_0: [8, 32, HALF + 32],
  Q8_1: [9, 32, 2 * HALF + 32],
  Q2_K: [10, QK_K, 2 * HALF + QK_K / 16 + QK_K / 4],
  Q3_K: [11, QK_K, HALF + QK_K / 4 + QK_K / 8 + 12],
  Q4_K: [12, QK_K, 2 * HALF + 12 + QK_K / 2],
  Q5_K: [13, QK_K, 2 * HALF + 12 + QK_K / 2 + QK_K / 8],
  Q6_K: [14, QK_K, HALF + QK_K / 16 + (3 * QK_K) / 4],
  Q8_K: [15, QK_K, 4 + QK_K + (QK_K / 16) * 2],
  IQ2_XXS: [16, QK_K, HALF + (QK_K / 8) * 2],
  IQ2_XS: [17, QK_K, HALF + (QK_K / 8) * 2 + QK_K / 32],
  IQ3_XXS: [18, QK_K, HALF + 3 * (QK_K / 8)],
  IQ1_S: [19, QK_K, HALF + QK_K / 8 + QK_K / 16],
  IQ4_NL: [20, 32, HALF + 32 / 2],
  IQ3_S: [21, QK_K, HALF + 13 * (QK_K / 32) + QK_K / 64],
  IQ2_S: [22, QK_K, HALF + QK_K / 4 + QK_K / 16],
  IQ4_XS: [23, QK_K, HALF + 2 + QK_K / 64 + QK_K / 2],
  I8: [24, 1, 1],
  I16: [25, 1, 2],
  I32: [26, 1, 4],
  I64: [27, 1, 8],
  F64: [28, 1, 8],
  IQ1_M: [29, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
  BF16: [30, 1, 2],
  TQ1_0: [34, QK_K, HALF + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5],
  TQ2_0: [35, QK_K, HALF + QK_K / 4],
  MXFP4: [39, 32, 1 + 32 / 2],
};

describe('dtype table', () => {
  it('lists exactly the ggml types that GGUF files can hold', () => {
    expect(DTYPES.map((t) => t.name).sort()).toEqual(Object.keys(GGML).sort());
  });

  it.each(Object.entries(GGML))('%s matches ggml id, block size and block bytes', (name, [id, blockSize, typeSize]) => {
    const info = dtypeInfo(name);
    expect(info).toMatchObject({ id, blockSize, typeSize, quantized: blockSize > 1 });
    expect(dtypeInfo(id).name).toBe(name);
  });

  it('resolves names case-insensitively', () => {
    expect(dtypeInfo('q4_k').name).toBe('Q4_K');
    expect(isDTypeName('Q4_K')).toBe(true);
    expect(isDTypeName('q4_k')).toBe(false);
  });

  it('rejects unknown names and removed ids with UnknownDTypeError', () => {
    for (const bad of ['Q4_2', 'F8', '', 4, 5, 31, 36, 40, -1]) {
      expect(() => dtypeInfo(bad)).toThrow(UnknownDTypeError);
    }
  });

  it('computes byte sizes of whole blocks and refuses partial blocks or bad counts', () => {
    expect(dtypeByteSize('Q4_K', 512)).toBe(288);
    expect(dtypeByteSize('F16', 3)).toBe(6);
    expect(dtypeByteSize('Q8_0', 0)).toBe(0);
    expect(() => dtypeByteSize('Q4_0', 33)).toThrow(ShapeError);
    expect(() => dtypeByteSize('F32', -1)).toThrow(InvalidArgumentError);
    expect(() => dtypeByteSize('F32', 1.5)).toThrow(InvalidArgumentError);
  });
});
