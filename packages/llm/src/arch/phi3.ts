import type { TensorEntry } from '../formats/index.js';
import { splitRows } from '../formats/transforms.js';
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
    const split = (fused: TensorEntry, parts: [string, number][]) => {
      out.delete(fused.name);
      for (const part of splitRows(fused, parts)) out.set(part.name, part);
    };
    const q = hp.nHeads * hp.headDim, kv = hp.nKVHeads * hp.headDim;
    for (let l = 0; l < hp.nLayers; l++) {
      const p = `blk.${l}.`;
      const qkv = tensors.get(`${p}attn_qkv.weight`);
      if (qkv) split(qkv, [[`${p}attn_q.weight`, q], [`${p}attn_k.weight`, kv], [`${p}attn_v.weight`, kv]]);
      // gate rows, then up rows, in one matrix (a file with ffn_gate stores them apart)
      const up = tensors.get(`${p}ffn_up.weight`);
      if (up && !tensors.has(`${p}ffn_gate.weight`)) split(up, [[`${p}ffn_gate.weight`, hp.ffnDim], [`${p}ffn_up.weight`, hp.ffnDim]]);
    }
    return out;
  },
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
