import { Graph, ModelFormatError, type GraphNode, type Tensor } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, EmbedGraph, ModelHParams } from './architecture.js';
import { joinRows, rowsOf } from './graph-rows.js';

/**
 * BERT encoders (all-MiniLM, bge-small/base, e5): embeddings only. As llama.cpp builds it:
 *   x = LayerNorm(tok[tokens] + type[types] + position[pos])
 *   per layer: x = LayerNorm(x + Wo·attn(Wq·x, Wk·x, Wv·x))   (each input attends to all of itself)
 *              x = LayerNorm(x + W2·gelu(W1·x))              (every linear has a bias)
 * The pooled embedding is made of x by the runtime (mean, CLS, last).
 */
export interface BertHParams extends ModelHParams {
  ffnDim: number;
  nHeads: number;
  normEps: number;
}

export interface BertWeights {
  tokenEmbd: Tensor;
  tokenTypes?: Tensor;
  positionEmbd: Tensor;
  embdNorm: Tensor;
  embdNormB: Tensor;
  layers: BertLayerWeights[];
}

export interface BertLayerWeights {
  wq: Tensor;
  bq: Tensor;
  wk: Tensor;
  bk: Tensor;
  wv: Tensor;
  bv: Tensor;
  wo: Tensor;
  bo: Tensor;
  attnOutNorm: Tensor;
  attnOutNormB: Tensor;
  wUp: Tensor;
  bUp: Tensor;
  wDown: Tensor;
  bDown: Tensor;
  outNorm: Tensor;
  outNormB: Tensor;
}

const L = 'encoder.layer.{n}.';
const layer = (gguf: string, hf: string) => ({ gguf: `blk.{n}.${gguf}`, hf: L + hf });

export function bertHParams(c: ModelConfig, file: string): BertHParams {
  if (c.normType !== 'layer' || c.activation !== 'gelu') throw new ModelFormatError(file, `BERT uses LayerNorm and GELU, the config says ${c.normType} norm and ${c.activation}`);
  if (c.causal) throw new ModelFormatError(file, 'a causal BERT is not supported (BERT attends both ways)');
  if (c.nKVHeads !== c.nHeads) throw new ModelFormatError(file, `BERT has as many key/value heads as query heads (${c.nKVHeads} vs ${c.nHeads})`);
  if (c.headDim * c.nHeads !== c.hiddenSize) throw new ModelFormatError(file, `BERT head width ${c.headDim} × ${c.nHeads} heads is not the hidden size ${c.hiddenSize}`);
  return {
    arch: 'bert',
    vocabSize: c.vocabSize,
    embedDim: c.hiddenSize,
    ffnDim: c.intermediateSize,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKVHeads: c.nKVHeads,
    headDim: c.headDim,
    contextLength: c.contextLength,
    normEps: c.normEps,
    pooling: c.pooling ?? 'none',
    typeVocabSize: c.typeVocabSize ?? 2,
  };
}

export function buildBertEmbed(hp: BertHParams, w: BertWeights, lengths: readonly number[]): EmbedGraph {
  const g = new Graph();
  const T = lengths.reduce((a, b) => a + b, 0);
  const { nHeads: H, headDim: D } = hp;
  const tokens = g.input('tokens', [T], 'I32');
  const pos = g.input('pos', [T], 'I32');
  const types = g.input('types', [T], 'I32');
  const c = (t: Tensor) => g.constant(t);
  const norm = (x: GraphNode, weight: Tensor, bias: Tensor) => g.add(g.mul(g.layerNorm(x, hp.normEps), c(weight)), c(bias));
  const linear = (x: GraphNode, weight: Tensor, bias: Tensor) => g.add(g.matmul(x, c(weight)), c(bias));

  let x: GraphNode = g.add(g.getRows(c(w.tokenEmbd), tokens), g.getRows(c(w.positionEmbd), pos));
  if (w.tokenTypes) x = g.add(x, g.getRows(c(w.tokenTypes), types));
  x = norm(x, w.embdNorm, w.embdNormB);
  for (const Lw of w.layers) {
    const q = g.view(linear(x, Lw.wq, Lw.bq), [T, H, D]);
    const k = g.view(linear(x, Lw.wk, Lw.bk), [T, H, D]);
    const v = g.view(linear(x, Lw.wv, Lw.bv), [T, H, D]);
    let row = 0;
    const attended = lengths.map((n) => {
      const [qs, ks, vs] = [q, k, v].map((t) => rowsOf(g, t, row, n));
      row += n;
      return g.attention(qs!, ks!, vs!, { pos0: 0, kvLen: n, scale: 1 / Math.sqrt(D), causal: false });
    });
    x = norm(g.add(x, linear(g.view(joinRows(g, attended), [T, H * D]), Lw.wo, Lw.bo)), Lw.attnOutNorm, Lw.attnOutNormB);
    x = norm(g.add(x, linear(g.gelu(linear(x, Lw.wUp, Lw.bUp)), Lw.wDown, Lw.bDown)), Lw.outNorm, Lw.outNormB);
  }
  return { graph: g, hidden: x };
}

export const bert: Architecture<BertHParams, BertWeights> = {
  name: 'bert',
  ggufNames: ['bert'],
  hfClasses: ['BertModel', 'BertForMaskedLM', 'BertForPreTraining', 'BertForSequenceClassification'],
  hfModelTypes: ['bert'],
  tensors: {
    global: {
      tokenEmbd: { gguf: 'token_embd.weight', hf: 'embeddings.word_embeddings.weight' },
      tokenTypes: { gguf: 'token_types.weight', hf: 'embeddings.token_type_embeddings.weight', optional: true },
      positionEmbd: { gguf: 'position_embd.weight', hf: 'embeddings.position_embeddings.weight' },
      embdNorm: { gguf: 'token_embd_norm.weight', hf: 'embeddings.LayerNorm.weight' },
      embdNormB: { gguf: 'token_embd_norm.bias', hf: 'embeddings.LayerNorm.bias' },
    },
    layer: {
      wq: layer('attn_q.weight', 'attention.self.query.weight'),
      bq: layer('attn_q.bias', 'attention.self.query.bias'),
      wk: layer('attn_k.weight', 'attention.self.key.weight'),
      bk: layer('attn_k.bias', 'attention.self.key.bias'),
      wv: layer('attn_v.weight', 'attention.self.value.weight'),
      bv: layer('attn_v.bias', 'attention.self.value.bias'),
      wo: layer('attn_output.weight', 'attention.output.dense.weight'),
      bo: layer('attn_output.bias', 'attention.output.dense.bias'),
      attnOutNorm: layer('attn_output_norm.weight', 'attention.output.LayerNorm.weight'),
      attnOutNormB: layer('attn_output_norm.bias', 'attention.output.LayerNorm.bias'),
      wUp: layer('ffn_up.weight', 'intermediate.dense.weight'),
      bUp: layer('ffn_up.bias', 'intermediate.dense.bias'),
      wDown: layer('ffn_down.weight', 'output.dense.weight'),
      bDown: layer('ffn_down.bias', 'output.dense.bias'),
      outNorm: layer('layer_output_norm.weight', 'output.LayerNorm.weight'),
      outNormB: layer('layer_output_norm.bias', 'output.LayerNorm.bias'),
    },
  },
  hparams: bertHParams,
  buildEmbed: buildBertEmbed,
};
