import { Graph, ModelFormatError, Tensor, type GraphNode } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture, EmbedGraph, ModelHParams } from './architecture.js';
import { joinRows, rowsOf } from './graph-rows.js';

/**
 * BERT encoders (all-MiniLM, bge-small/base, e5; XLM-RoBERTa: bge-m3, bge-reranker-v2-m3) and nomic-bert (nomic-embed-text): embeddings
 * and cross-encoder scores only. As llama.cpp builds them:
 *   x = LayerNorm(tok[tokens] + type[types] (+ position[pos], BERT))
 *   per layer: x = LayerNorm(x + Wo·attn(Wq·x, Wk·x, Wv·x))   (each input attends to all of itself;
 *                                                              nomic: rotary q/k, one fused Wqkv)
 *              x = LayerNorm(x + W2·gelu(W1·x))              (nomic: W2·(silu(Wg·x) * W1·x))
 * BERT's linears have biases, nomic's none. The runtime pools x (mean, CLS, last) or scores it.
 */
export interface BertHParams extends ModelHParams {
  ffnDim: number;
  nHeads: number;
  normEps: number;
  /** nomic-bert: q and k rotate (NeoX pairs) instead of a learned position table */
  rope?: { dims: number; base: number };
}

export interface BertWeights {
  tokenEmbd: Tensor;
  tokenTypes?: Tensor;
  positionEmbd?: Tensor;
  embdNorm: Tensor;
  embdNormB: Tensor;
  layers: BertLayerWeights[];
}

export interface BertLayerWeights {
  /** q, k, v projections, or one fused [3·width, width] matrix (nomic) */
  wq?: Tensor;
  wk?: Tensor;
  wv?: Tensor;
  wqkv?: Tensor;
  bq?: Tensor;
  bk?: Tensor;
  bv?: Tensor;
  wo: Tensor;
  bo?: Tensor;
  attnOutNorm: Tensor;
  attnOutNormB: Tensor;
  wUp: Tensor;
  bUp?: Tensor;
  /** nomic's SwiGLU gate; BERT's FFN is GELU */
  wGate?: Tensor;
  wDown: Tensor;
  bDown?: Tensor;
  outNorm: Tensor;
  outNormB: Tensor;
}

const L = 'encoder.layer.{n}.';
const layer = (gguf: string, hf: string) => ({ gguf: `blk.{n}.${gguf}`, hf: L + hf });

export function bertHParams(c: ModelConfig, file: string): BertHParams {
  if (c.normType !== 'layer' || c.activation !== 'gelu') throw new ModelFormatError(file, `BERT uses LayerNorm and GELU, the config says ${c.normType} norm and ${c.activation}`);
  return encoderHParams('bert', c, file);
}

export function nomicBertHParams(c: ModelConfig, file: string): BertHParams {
  if (c.normType !== 'layer' || c.activation !== 'silu') throw new ModelFormatError(file, `nomic-bert uses LayerNorm and SwiGLU, the config says ${c.normType} norm and ${c.activation}`);
  if (c.ropeDims <= 0 || c.ropeDims > c.headDim || c.ropeDims % 2) throw new ModelFormatError(file, `nomic-bert rotates ${c.ropeDims} of ${c.headDim} head dimensions`);
  return { ...encoderHParams('nomic-bert', c, file), rope: { dims: c.ropeDims, base: c.ropeTheta } };
}

function encoderHParams(arch: string, c: ModelConfig, file: string): BertHParams {
  if (c.causal) throw new ModelFormatError(file, 'a causal BERT is not supported (BERT attends both ways)');
  if (c.nKVHeads !== c.nHeads) throw new ModelFormatError(file, `BERT has as many key/value heads as query heads (${c.nKVHeads} vs ${c.nHeads})`);
  if (c.headDim * c.nHeads !== c.hiddenSize) throw new ModelFormatError(file, `BERT head width ${c.headDim} × ${c.nHeads} heads is not the hidden size ${c.hiddenSize}`);
  return {
    arch,
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
  const linear = (x: GraphNode, weight: Tensor, bias?: Tensor) => {
    const y = g.matmul(x, c(weight));
    return bias ? g.add(y, c(bias)) : y;
  };
  const rope = (x: GraphNode) => (hp.rope ? g.rope(x, pos, { mode: 'neox', dims: hp.rope.dims, base: hp.rope.base, freqScale: 1 }) : x);

  let x: GraphNode = g.getRows(c(w.tokenEmbd), tokens);
  if (w.positionEmbd) x = g.add(x, g.getRows(c(w.positionEmbd), pos));
  if (w.tokenTypes) x = g.add(x, g.getRows(c(w.tokenTypes), types));
  x = norm(x, w.embdNorm, w.embdNormB);
  for (const Lw of w.layers) {
    const [wq, wk, wv] = Lw.wqkv ? rowThirds(Lw.wqkv) : [Lw.wq!, Lw.wk!, Lw.wv!];
    const q = rope(g.view(linear(x, wq, Lw.bq), [T, H, D]));
    const k = rope(g.view(linear(x, wk, Lw.bk), [T, H, D]));
    const v = g.view(linear(x, wv, Lw.bv), [T, H, D]);
    let row = 0;
    const attended = lengths.map((n) => {
      const [qs, ks, vs] = [q, k, v].map((t) => rowsOf(g, t, row, n));
      row += n;
      return g.attention(qs!, ks!, vs!, { pos0: 0, kvLen: n, scale: 1 / Math.sqrt(D), causal: false });
    });
    x = norm(g.add(x, linear(g.view(joinRows(g, attended), [T, H * D]), Lw.wo, Lw.bo)), Lw.attnOutNorm, Lw.attnOutNormB);
    const up = linear(x, Lw.wUp, Lw.bUp);
    const ffn = Lw.wGate ? g.swiglu(g.matmul(x, c(Lw.wGate)), up) : g.gelu(up);
    x = norm(g.add(x, linear(ffn, Lw.wDown, Lw.bDown)), Lw.outNorm, Lw.outNormB);
  }
  return { graph: g, hidden: x };
}

/** A fused [3n, k] q/k/v matrix as its three [n, k] row blocks (views of the same memory) */
function rowThirds(t: Tensor): [Tensor, Tensor, Tensor] {
  const [rows, cols] = t.shape as [number, number];
  const n = rows / 3;
  const bytes = t.byteLength / 3;
  const part = (i: number) => new Tensor([n, cols], t.dtype, t.buffer, t.offset + i * bytes, t.name ? `${t.name}[${i}]` : undefined);
  return [part(0), part(1), part(2)];
}

export const bert: Architecture<BertHParams, BertWeights> = {
  name: 'bert',
  ggufNames: ['bert'],
  hfClasses: ['BertModel', 'BertForMaskedLM', 'BertForPreTraining', 'BertForSequenceClassification', 'XLMRobertaModel', 'XLMRobertaForSequenceClassification'],
  hfModelTypes: ['bert', 'xlm-roberta'],
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

/** nomic-bert (nomic-embed-text v1/v1.5): rotary BERT with a fused QKV and SwiGLU, no biases. */
export const nomicBert: Architecture<BertHParams, BertWeights> = {
  name: 'nomic-bert',
  ggufNames: ['nomic-bert'],
  hfClasses: ['NomicBertModel'],
  hfModelTypes: ['nomic_bert'],
  tensors: {
    global: {
      tokenEmbd: { gguf: 'token_embd.weight', hf: 'embeddings.word_embeddings.weight' },
      tokenTypes: { gguf: 'token_types.weight', hf: 'embeddings.token_type_embeddings.weight', optional: true },
      embdNorm: { gguf: 'token_embd_norm.weight', hf: 'emb_ln.weight' },
      embdNormB: { gguf: 'token_embd_norm.bias', hf: 'emb_ln.bias' },
    },
    layer: {
      wqkv: { gguf: 'blk.{n}.attn_qkv.weight', hf: 'encoder.layers.{n}.attn.Wqkv.weight' },
      wo: { gguf: 'blk.{n}.attn_output.weight', hf: 'encoder.layers.{n}.attn.out_proj.weight' },
      attnOutNorm: { gguf: 'blk.{n}.attn_output_norm.weight', hf: 'encoder.layers.{n}.norm1.weight' },
      attnOutNormB: { gguf: 'blk.{n}.attn_output_norm.bias', hf: 'encoder.layers.{n}.norm1.bias' },
      wUp: { gguf: 'blk.{n}.ffn_up.weight', hf: 'encoder.layers.{n}.mlp.fc11.weight' },
      wGate: { gguf: 'blk.{n}.ffn_gate.weight', hf: 'encoder.layers.{n}.mlp.fc12.weight' },
      wDown: { gguf: 'blk.{n}.ffn_down.weight', hf: 'encoder.layers.{n}.mlp.fc2.weight' },
      outNorm: { gguf: 'blk.{n}.layer_output_norm.weight', hf: 'encoder.layers.{n}.norm2.weight' },
      outNormB: { gguf: 'blk.{n}.layer_output_norm.bias', hf: 'encoder.layers.{n}.norm2.bias' },
    },
  },
  hparams: nomicBertHParams,
  buildEmbed: buildBertEmbed,
};
