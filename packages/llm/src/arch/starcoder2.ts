import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, TensorTable } from './architecture.js';
import { buildDecoderEmbed, buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderShape, LLAMA_TENSORS } from './llama.js';

/**
 * StarCoder2 (GGUF `starcoder2`): the decoder with LayerNorm, a bias on every projection and norm,
 * and an ungated GELU FFN (c_fc, c_proj); NeoX rope. As llama.cpp's starcoder2.cpp (which has no
 * sliding window for it either).
 */
const { wGate: _wGate, ...layer } = LLAMA_TENSORS.layer;
const { ropeFreqs: _ropeFreqs, ...global } = LLAMA_TENSORS.global;

export const STARCODER2_TENSORS = {
  global: { ...global, outputNormB: { gguf: 'output_norm.bias', hf: 'model.norm.bias' } },
  layer: {
    ...layer,
    attnNormB: { gguf: 'blk.{n}.attn_norm.bias', hf: 'model.layers.{n}.input_layernorm.bias' },
    bo: { gguf: 'blk.{n}.attn_output.bias', hf: 'model.layers.{n}.self_attn.o_proj.bias' },
    ffnNormB: { gguf: 'blk.{n}.ffn_norm.bias', hf: 'model.layers.{n}.post_attention_layernorm.bias' },
    wUp: { gguf: 'blk.{n}.ffn_up.weight', hf: 'model.layers.{n}.mlp.c_fc.weight' },
    bUp: { gguf: 'blk.{n}.ffn_up.bias', hf: 'model.layers.{n}.mlp.c_fc.bias' },
    wDown: { gguf: 'blk.{n}.ffn_down.weight', hf: 'model.layers.{n}.mlp.c_proj.weight' },
    bDown: { gguf: 'blk.{n}.ffn_down.bias', hf: 'model.layers.{n}.mlp.c_proj.bias' },
  },
} satisfies TensorTable;

/** The decoder's view of a LayerNorm, GELU-FFN config (StarCoder2, GPT-2). */
export function layerNormDecoderHParams(name: string, c: ModelConfig, file: string, positions: 'rope' | 'learned'): DecoderHParams {
  if (c.nExperts > 0) throw new ModelFormatError(file, `${name}: mixture-of-experts layers are not supported`);
  if (c.normType !== 'layer' || c.activation !== 'gelu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not a ${name} decoder (LayerNorm, GELU)`);
  if (c.ropeScaling && c.ropeScaling.type !== 'linear') throw new ModelFormatError(file, `rope scaling "${c.ropeScaling.type}" is not supported for ${name}`);
  return {
    ...decoderShape(name, c, 'neox'),
    norm: 'layer',
    ffn: 'gelu',
    positions,
  };
}

export const starcoder2: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'starcoder2',
  ggufNames: ['starcoder2'],
  hfClasses: ['Starcoder2ForCausalLM'],
  hfModelTypes: ['starcoder2'],
  tensors: STARCODER2_TENSORS,
  hparams: (config, file) => layerNormDecoderHParams('starcoder2', config, file, 'rope'),
  buildStep: buildDecoderStep,
  buildEmbed: buildDecoderEmbed,
};
