import type { TensorEntry } from '../formats/index.js';
import { rowSlice } from '../formats/transforms.js';
import type { Architecture } from './architecture.js';
import { buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { layerNormDecoderHParams, STARCODER2_TENSORS } from './starcoder2.js';

/**
 * GPT-2 (GGUF `gpt2`): learned position embeddings instead of rope, LayerNorm, biases everywhere,
 * an ungated GELU FFN and Q, K, V in one matrix (attn_qkv, split into mapped row ranges before
 * loading). The output projection is the embedding table. As llama.cpp's gpt2.cpp. GGUF only: a
 * Hugging Face GPT-2 folder stores its Conv1D weights transposed, which the folder reader does not
 * undo yet.
 */
export const gpt2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gpt2',
  ggufNames: ['gpt2'],
  hfClasses: [],
  hfModelTypes: [],
  tensors: {
    global: { ...STARCODER2_TENSORS.global, posEmbd: { gguf: 'position_embd.weight', hf: 'transformer.wpe.weight' } },
    layer: {
      ...STARCODER2_TENSORS.layer,
      // split from attn_qkv (HF: the transposed Conv1D c_attn)
      bq: { gguf: 'blk.{n}.attn_q.bias', hf: 'transformer.h.{n}.attn.c_attn.bias' },
      bk: { gguf: 'blk.{n}.attn_k.bias', hf: 'transformer.h.{n}.attn.c_attn.bias' },
      bv: { gguf: 'blk.{n}.attn_v.bias', hf: 'transformer.h.{n}.attn.c_attn.bias' },
    },
  },
  hparams: (config, file) => layerNormDecoderHParams('gpt2', config, file, 'learned'),
  unfuse(tensors, hp) {
    const out = new Map<string, TensorEntry>(tensors);
    const q = hp.nHeads * hp.headDim, kv = hp.nKVHeads * hp.headDim;
    for (let l = 0; l < hp.nLayers; l++) {
      for (const part of ['weight', 'bias']) {
        const fused = tensors.get(`blk.${l}.attn_qkv.${part}`);
        if (!fused) continue;
        out.delete(fused.name);
        const at = (x: string) => `blk.${l}.attn_${x}.${part}`;
        out.set(at('q'), rowSlice(fused, at('q'), 0, q));
        out.set(at('k'), rowSlice(fused, at('k'), q, kv));
        out.set(at('v'), rowSlice(fused, at('v'), q + kv, kv));
      }
    }
    return out;
  },
  buildStep: buildDecoderStep,
};
