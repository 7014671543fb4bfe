import type { Architecture } from './architecture.js';
import { buildDecoderStep, type DecoderHParams, type DecoderWeights } from './decoder.js';
import { decoderHParams } from './llama.js';
import { withExperts } from './moe.js';
import { qwen2 } from './qwen2.js';
import { qwen3 } from './qwen3.js';

/**
 * Qwen3-MoE (Qwen3-30B-A3B, Qwen3-235B-A22B, Qwen3-Coder-30B): Qwen3 whose FFNs are experts, 8 of
 * 128 per token, their weights renormalized (llama.cpp's qwen3moe.cpp).
 */
export const qwen3moe: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'qwen3moe',
  ggufNames: ['qwen3moe'],
  hfClasses: ['Qwen3MoeForCausalLM'],
  hfModelTypes: ['qwen3_moe'],
  tensors: withExperts(qwen3.tensors),
  hparams: (config, file) => decoderHParams('qwen3moe', config, file, 'neox', { normWeights: true }),
  buildStep: buildDecoderStep,
};

/**
 * Qwen2-MoE (Qwen1.5-MoE-A2.7B, Qwen2-57B-A14B): Qwen2 (Q/K/V biases) whose FFNs are experts, their
 * weights not renormalized, plus a shared expert every token uses, gated by a sigmoid (qwen2moe.cpp).
 */
export const qwen2moe: Architecture<DecoderHParams, DecoderWeights> = {
  name: 'qwen2moe',
  ggufNames: ['qwen2moe'],
  hfClasses: ['Qwen2MoeForCausalLM'],
  hfModelTypes: ['qwen2_moe'],
  tensors: withExperts(qwen2.tensors, true),
  hparams: (config, file) => decoderHParams('qwen2moe', config, file, 'neox', { normWeights: false }),
  buildStep: buildDecoderStep,
};
