import type { TensorEntry } from '../formats/index.js';
import { rowSlice } from '../formats/transforms.js';
import type { Architecture } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams, LLAMA_TENSORS } from './llama.js';

/**
 * Phi-3 / Phi-3.5 / Phi-4 (GGUF `phi3`): the Llama graph with NeoX rope, its Q, K and V stored as
 * one matrix (attn_qkv) and its gate and up projections as another (ffn_up, gate rows first). The
 * fused matrices are split into row ranges before loading, each still mapped from the file. As
 * llama.cpp's phi3.cpp, which also leaves Phi-3's sliding window off.
 */
export const phi3: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'phi3',
  ggufNames: ['phi3'],
  hfClasses: ['Phi3ForCausalLM'],
  hfModelTypes: ['phi3'],
  tensors: { global: LLAMA_TENSORS.global, layer: LLAMA_TENSORS.layer },
  hparams: (config, file) => decoderHParams('phi3', config, file, 'neox'),
  unfuse(tensors, hp) {
    const out = new Map<string, TensorEntry>(tensors);
    const q = hp.nHeads * hp.headDim, kv = hp.nKVHeads * hp.headDim;
    for (let l = 0; l < hp.nLayers; l++) {
      const p = `blk.${l}.`;
      const qkv = tensors.get(`${p}attn_qkv.weight`);
      if (qkv) {
        out.delete(qkv.name);
        out.set(`${p}attn_q.weight`, rowSlice(qkv, `${p}attn_q.weight`, 0, q));
        out.set(`${p}attn_k.weight`, rowSlice(qkv, `${p}attn_k.weight`, q, kv));
        out.set(`${p}attn_v.weight`, rowSlice(qkv, `${p}attn_v.weight`, q + kv, kv));
      }
      // gate and up in one matrix: twice the FFN's rows (a file with ffn_gate stores them apart)
      const up = tensors.get(`${p}ffn_up.weight`);
      if (up && !tensors.has(`${p}ffn_gate.weight`) && up.shape[0] === 2 * hp.ffnDim) {
        out.set(`${p}ffn_gate.weight`, rowSlice(up, `${p}ffn_gate.weight`, 0, hp.ffnDim));
        out.set(`${p}ffn_up.weight`, rowSlice(up, `${p}ffn_up.weight`, hp.ffnDim, hp.ffnDim));
      }
    }
    return out;
  },
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
