import type { TensorEntry } from '../formats/index.js';
import { splitRows } from '../formats/transforms.js';
import type { Architecture } from './architecture.js';
import { buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { layerNormDecoderHParams } from './starcoder2.js';

/**
 * GPT-2 (GGUF `gpt2`, HF GPT2LMHeadModel): learned position embeddings instead of rope, LayerNorm,
 * biases everywhere, an ungated GELU FFN and Q, K, V in one matrix (attn_qkv, split into mapped
 * row ranges before loading). The output projection is the embedding table. As llama.cpp's gpt2.cpp;
 * a Hugging Face folder's Conv1D weights are transposed on reading, as convert_hf_to_gguf does.
 */
const layer = (gguf: string, hf: string, split = false) => ({ gguf: `blk.{n}.${gguf}`, hf: `transformer.h.{n}.${hf}`, ...(split && { split }) });

export const gpt2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'gpt2',
  ggufNames: ['gpt2'],
  hfClasses: ['GPT2LMHeadModel'],
  hfModelTypes: ['gpt2'],
  tensors: {
    global: {
      tokenEmbd: { gguf: 'token_embd.weight', hf: 'transformer.wte.weight' },
      posEmbd: { gguf: 'position_embd.weight', hf: 'transformer.wpe.weight' },
      outputNorm: { gguf: 'output_norm.weight', hf: 'transformer.ln_f.weight' },
      outputNormB: { gguf: 'output_norm.bias', hf: 'transformer.ln_f.bias' },
      output: { gguf: 'output.weight', hf: 'lm_head.weight', tiedTo: 'tokenEmbd' },
    },
    layer: {
      attnNorm: layer('attn_norm.weight', 'ln_1.weight'),
      attnNormB: layer('attn_norm.bias', 'ln_1.bias'),
      wq: layer('attn_q.weight', 'attn.c_attn.weight', true),
      wk: layer('attn_k.weight', 'attn.c_attn.weight', true),
      wv: layer('attn_v.weight', 'attn.c_attn.weight', true),
      bq: layer('attn_q.bias', 'attn.c_attn.bias', true),
      bk: layer('attn_k.bias', 'attn.c_attn.bias', true),
      bv: layer('attn_v.bias', 'attn.c_attn.bias', true),
      wo: layer('attn_output.weight', 'attn.c_proj.weight'),
      bo: layer('attn_output.bias', 'attn.c_proj.bias'),
      ffnNorm: layer('ffn_norm.weight', 'ln_2.weight'),
      ffnNormB: layer('ffn_norm.bias', 'ln_2.bias'),
      wUp: layer('ffn_up.weight', 'mlp.c_fc.weight'),
      bUp: layer('ffn_up.bias', 'mlp.c_fc.bias'),
      wDown: layer('ffn_down.weight', 'mlp.c_proj.weight'),
      bDown: layer('ffn_down.bias', 'mlp.c_proj.bias'),
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
        for (const slice of splitRows(fused, [[at('q'), q], [at('k'), kv], [at('v'), kv]])) out.set(slice.name, slice);
      }
    }
    return out;
  },
  buildStep: buildDecoderStep,
};
