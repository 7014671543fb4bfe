import { ModelFormatError, Tensor } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { TensorSpec, TensorTable } from './architecture.js';

/**
 * Mixture-of-experts FFNs (Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE): a router picks `nUsed` of the
 * layer's experts per token, their SwiGLU FFNs run (mul_mat_id: one fused matmul per chosen expert)
 * and are mixed by the router's weights; Qwen2-MoE adds a shared expert gated per token. The tensors
 * follow llama.cpp: `ffn_{gate,up,down}_exps` hold every expert of a layer, [E, F, H] and [E, H, F];
 * a Hugging Face folder's per-expert matrices are stacked into them by its reader.
 */
export interface ExpertHParams {
  nExperts: number;
  nUsed: number;
  /** expert FFN width */
  ffnDim: number;
  /** the chosen experts' weights are renormalized to sum to 1 (softmax over the chosen logits) */
  normWeights: boolean;
  /** the mixing weights are multiplied by this (absent: 1) */
  weightsScale?: number;
  /** gpt-oss: the experts' SwiGLU clamped (the swiglu_oai op) instead of plain */
  clampedGlu?: { alpha: number; limit: number };
}

const exps = (what: string): TensorSpec => ({ gguf: `blk.{n}.ffn_${what}_exps.weight`, hf: `blk.{n}.ffn_${what}_exps.weight` });
const shexp = (what: string, hf: string): TensorSpec => ({ gguf: `blk.{n}.ffn_${what}_shexp.weight`, hf: `model.layers.{n}.mlp.shared_expert.${hf}.weight` });

export const EXPERT_TENSORS = {
  ffnGateInp: { gguf: 'blk.{n}.ffn_gate_inp.weight', hf: 'model.layers.{n}.mlp.gate.weight' },
  ffnGateExps: exps('gate'),
  ffnUpExps: exps('up'),
  ffnDownExps: exps('down'),
} satisfies Record<string, TensorSpec>;

/** Qwen2-MoE's shared expert and its per-token gate (GGUF: a vector [H]; HF: a [1, H] matrix) */
export const SHARED_EXPERT_TENSORS = {
  ffnGateShexp: shexp('gate', 'gate_proj'),
  ffnUpShexp: shexp('up', 'up_proj'),
  ffnDownShexp: shexp('down', 'down_proj'),
  ffnGateInpShexp: { gguf: 'blk.{n}.ffn_gate_inp_shexp.weight', hf: 'model.layers.{n}.mlp.shared_expert_gate.weight' },
} satisfies Record<string, TensorSpec>;

/** A decoder's tensor table with its dense FFN replaced by experts (and a shared expert). */
export function withExperts(table: TensorTable, shared = false): TensorTable {
  const { wGate: _g, wUp: _u, wDown: _d, ...layer } = table.layer;
  return { global: table.global, layer: { ...layer, ...EXPERT_TENSORS, ...(shared && SHARED_EXPERT_TENSORS) } };
}

/**
 * The experts of a config, checked. Whether the chosen weights are renormalized is the
 * architecture's rule in llama.cpp (`normDefault`); a Hugging Face config's norm_topk_prob says it.
 */
export function expertHParams(c: ModelConfig, file: string, normDefault: boolean): ExpertHParams {
  const { nExperts, nExpertsUsed } = c;
  if (!Number.isInteger(nExpertsUsed) || nExpertsUsed < 1 || nExpertsUsed > nExperts) {
    throw new ModelFormatError(file, `the model has ${nExperts} experts but says each token uses ${nExpertsUsed}`);
  }
  const ffnDim = c.expertIntermediateSize ?? c.intermediateSize;
  if (!(ffnDim > 0)) throw new ModelFormatError(file, 'the expert FFN width is missing (expert_feed_forward_length / moe_intermediate_size)');
  return {
    nExperts,
    nUsed: nExpertsUsed,
    ffnDim,
    normWeights: c.expertWeightsNorm ?? normDefault,
    ...(c.expertWeightsScale !== undefined && c.expertWeightsScale !== 0 && c.expertWeightsScale !== 1 && { weightsScale: c.expertWeightsScale }),
  };
}

/** A vector as a one-row matrix (GGUF stores Qwen2-MoE's shared-expert gate as [H]). */
export function asRow(t: Tensor): Tensor {
  return t.shape.length === 1 ? new Tensor([1, t.shape[0]!], t.dtype, t.buffer, t.offset, t.name) : t;
}
