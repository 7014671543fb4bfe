import { isDTypeName, type DTypeName } from '@ix/core';
import { isExpertTensor, type TensorSpec } from './shapes.js';

/**
 * A single type for every matrix, or one of llama.cpp's mixes. 'MXFP4' is llama.cpp's MXFP4_MOE
 * (as gpt-oss's GGUF files ship): the 3-D expert tensors MXFP4, every other matrix Q8_0.
 */
export type QuantPreset = DTypeName | 'Q4_K_M' | 'Q4_K_S' | 'Q5_K_M';

/**
 * Which dtype each tensor gets. Norms, biases and other 1-D weights stay F32 (as llama.cpp keeps
 * them), and so do MoE routers (ffn_gate_inp: convert_hf_to_gguf and llama-quantize keep them F32).
 * Expert tensors (3-D) quantize by rows as matrices do. The _M mixes follow llama.cpp's
 * llama_tensor_get_type: the output matrix in Q6_K, and attn_v / ffn_down (and ffn_down_exps,
 * ffn_down_shexp) in Q6_K on the layers use_more_bits picks (first and last eighth, every third in
 * between); with exactly 8 experts (Mixtral's count) attn_k and attn_v in Q8_0, and for Q4_K_M
 * attn_output in Q5_K. MXFP4 follows llama-quantize's MXFP4_MOE: experts (ffn_*_exps.weight) in
 * MXFP4, every other matrix (embedding and output included) in Q8_0.
 */
export function quantMix(preset: QuantPreset, nLayers: number, nExperts = 0): (t: TensorSpec) => DTypeName {
  const base: DTypeName = preset === 'Q4_K_M' || preset === 'Q4_K_S' ? 'Q4_K' : preset === 'Q5_K_M' ? 'Q5_K' : preset;
  if (!isDTypeName(base)) throw new Error(`unknown quant preset ${preset}`);
  const mixed = preset.endsWith('_M');
  const useMoreBits = (i: number) => i < nLayers / 8 || i >= (7 * nLayers) / 8 || (i - Math.floor(nLayers / 8)) % 3 === 2;
  return (t) => {
    if (t.kind === 'norm' || t.kind === 'headnorm' || t.kind === 'bias' || t.kind === 'sink' || t.kind === 'coef' || t.shape.length < 2) return 'F32';
    // as llama-quantize: BERT's position and token-type tables stay F32 (llama.cpp adds a token-type row as it is)
    if (t.name === 'position_embd.weight' || t.name === 'token_types.weight') return 'F32';
    if (/\.ffn_gate_inp\.weight$/.test(t.name)) return 'F32';
    if (preset === 'MXFP4') return isExpertTensor(t.name) ? 'MXFP4' : 'Q8_0';
    const cols = t.shape[t.shape.length - 1]!;
    if (base.startsWith('Q') && base.endsWith('_K') && cols % 256 !== 0) return 'Q8_0';
    if (!mixed) return base;
    if (t.name === 'output.weight') return 'Q6_K';
    const m = /^blk\.(\d+)\.(attn_k|attn_v|attn_output|ffn_down|ffn_down_exps|ffn_down_shexp)\.weight$/.exec(t.name);
    const role = m?.[2];
    if (nExperts === 8 && (role === 'attn_k' || role === 'attn_v')) return 'Q8_0';
    if (nExperts === 8 && role === 'attn_output' && preset === 'Q4_K_M') return 'Q5_K';
    if ((role === 'attn_v' || role?.startsWith('ffn_down')) && useMoreBits(Number(m![1]))) return 'Q6_K';
    return base;
  };
}
