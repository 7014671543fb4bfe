/**
 * How a nested model is stored in GGUF (docs/adaptive-precision.md). A nested matrix is two
 * tensors of the same shape, both Q4_0: `<name>` holds the 4-bit level (the base) and
 * `<name>.residual` what the 8-bit level adds to it (core's quantizeNested). Everything else is an
 * ordinary tensor. The header says which levels the file holds:
 *   ix.nested.version  UINT32  1
 *   ix.nested.levels   ARRAY[UINT32]  [4, 8]
 */
import { ModelFormatError } from '@ix/core';
import type { TensorEntry } from '../formats/index.js';
import { NESTED_LEVELS, RESIDUAL_SUFFIX } from '../formats/gguf/nested-keys.js';

export { NESTED_KEYS, NESTED_LEVELS, NESTED_VERSION, RESIDUAL_SUFFIX } from '../formats/gguf/nested-keys.js';
export type NestedLevel = (typeof NESTED_LEVELS)[number];

/** The decoder matrices that are nested: attention's and the dense FFN's (not embeddings, outputs, routers, experts). */
const NESTED_MATRIX = /^blk\.\d+\.(attn_(q|k|v|qkv|output)|ffn_(gate|up|down))\.weight$/;

/** Whether the tensor `name` of this shape is stored nested (its rows must be whole 32-blocks). */
export function isNestedMatrix(name: string, shape: readonly number[]): boolean {
  return NESTED_MATRIX.test(name) && shape.length === 2 && shape[1]! % 32 === 0;
}

/** Which part of a layer a nested matrix belongs to, for precision plans. */
export function layerPart(name: string): { layer: number; part: 'attn' | 'ffn' } | undefined {
  const m = /^blk\.(\d+)\.(attn|ffn)_/.exec(name);
  return m ? { layer: Number(m[1]), part: m[2] as 'attn' | 'ffn' } : undefined;
}

/**
 * A file's tensors without the residuals, and the residuals by the name of the matrix they refine.
 * A residual must match its base: both Q4_0 of one shape (anything else is a malformed file).
 */
export function splitResiduals(tensors: ReadonlyMap<string, TensorEntry>, file: string): { base: Map<string, TensorEntry>; residuals: Map<string, TensorEntry> } {
  const base = new Map<string, TensorEntry>();
  const residuals = new Map<string, TensorEntry>();
  for (const [name, entry] of tensors) {
    if (!name.endsWith(RESIDUAL_SUFFIX)) {
      base.set(name, entry);
      continue;
    }
    const of = name.slice(0, -RESIDUAL_SUFFIX.length);
    residuals.set(of, { ...entry, name: of });
  }
  for (const [of, r] of residuals) {
    const b = tensors.get(of);
    if (!b) throw new ModelFormatError(file, `nested residual "${of}${RESIDUAL_SUFFIX}" has no base tensor "${of}"`);
    if (b.dtype !== 'Q4_0' || r.dtype !== 'Q4_0' || b.shape.join() !== r.shape.join()) {
      throw new ModelFormatError(file, `nested tensor "${of}": base ${b.dtype} [${b.shape.join(', ')}] and residual ${r.dtype} [${r.shape.join(', ')}] must both be Q4_0 of one shape`);
    }
  }
  return { base, residuals };
}
