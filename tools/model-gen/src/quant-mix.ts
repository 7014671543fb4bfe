import { isDTypeName, type DTypeName } from '@ix/core';
import type { TensorSpec } from './shapes.js';

/** A single type for every matrix, or one of llama.cpp's mixes. */
export type QuantPreset = DTypeName | 'Q4_K_M' | 'Q4_K_S' | 'Q5_K_M';

/**
 * Which dtype each tensor gets. Norms and biases stay F32 (as llama.cpp keeps them). The K-quant
 * mixes follow llama.cpp's llama_tensor_get_type: the output matrix in Q6_K, and attn_v / ffn_down
 * in Q6_K on the layers use_more_bits picks (first and last eighth, every third in between).
 */
export function quantMix(preset: QuantPreset, nLayers: number): (t: TensorSpec) => DTypeName {
  const base: DTypeName = preset === 'Q4_K_M' || preset === 'Q4_K_S' ? 'Q4_K' : preset === 'Q5_K_M' ? 'Q5_K' : preset;
  if (!isDTypeName(base)) throw new Error(`unknown quant preset ${preset}`);
  const mixed = preset.endsWith('_M');
  const useMoreBits = (i: number) => i < nLayers / 8 || i >= (7 * nLayers) / 8 || (i - Math.floor(nLayers / 8)) % 3 === 2;
  return (t) => {
    if (t.kind === 'norm' || t.kind === 'bias') return 'F32';
    // as llama-quantize: BERT's position and token-type tables stay F32 (llama.cpp adds a token-type row as it is)
    if (t.name === 'position_embd.weight' || t.name === 'token_types.weight') return 'F32';
    const cols = t.shape[t.shape.length - 1]!;
    if (base.startsWith('Q') && base.endsWith('_K') && cols % 256 !== 0) return 'Q8_0';
    if (!mixed) return base;
    if (t.name === 'output.weight') return 'Q6_K';
    const layer = /^blk\.(\d+)\.(attn_v|ffn_down)\.weight$/.exec(t.name);
    if (layer && useMoreBits(Number(layer[1]))) return 'Q6_K';
    return base;
  };
}
