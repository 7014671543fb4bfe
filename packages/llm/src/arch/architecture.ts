import type { Graph, GraphNode, Tensor } from '@ix/core';
import type { TensorEntry } from '../formats/index.js';
import type { ModelConfig, PoolingType } from '../model-config.js';

/**
 * One architecture: how its hyper-parameters are read, which tensors it needs (by GGUF and by
 * Hugging Face name) and its step graph. A file per architecture declares one; `registry.ts`
 * lists them. docs/adding-an-architecture.md walks through adding one.
 */
export interface Architecture<H extends ModelHParams = ModelHParams, W extends ModelWeights = ModelWeights> {
  /** the name shown to users (ix info, ix run) */
  readonly name: string;
  /** GGUF `general.architecture` values it runs (llama.cpp's names) */
  readonly ggufNames: readonly string[];
  /** Hugging Face config.json: `architectures[]` classes and `model_type` values it runs */
  readonly hfClasses: readonly string[];
  readonly hfModelTypes: readonly string[];
  /** every tensor the graph reads */
  readonly tensors: TensorTable;
  /** the table for a model whose tensors differ from `tensors` (a Llama whose FFNs are experts: Mixtral) */
  tensorsFor?(hp: H): TensorTable;
  /** the graph's view of a model config; refuses what the graph cannot run, saying why */
  hparams(config: ModelConfig, file: string): H;
  /**
   * tensors the file stores fused that the table names apart (Phi-3's attn_qkv, its gate+up
   * ffn_up): the file's tensors with those split, before loading
   */
  unfuse?(tensors: ReadonlyMap<string, TensorEntry>, hp: H, file: string): ReadonlyMap<string, TensorEntry>;
  /** generative models: the forward step over one or more sequences (see StepSegment) */
  buildStep?(hp: H, weights: W, segments: readonly StepSegment[], options?: StepOptions): StepGraph;
  /** embedding models: the last hidden states of several whole inputs at once (see EmbedGraph) */
  buildEmbed?(hp: H, weights: W, lengths: readonly number[], refine?: Refinement): EmbedGraph;
}

/** What the runtime (sessions, KV caches, samplers) needs of every architecture's hyper-parameters. */
export interface ModelHParams {
  /** the architecture's name */
  arch: string;
  vocabSize: number;
  /** width of a token's hidden state */
  embedDim: number;
  nLayers: number;
  /** KV cache rows are [nKVHeads, headDim] per layer */
  nKVHeads: number;
  headDim: number;
  contextLength: number;
  /** layers with a KV cache of their own, the first ones (default: every layer); the later layers
   * attend to an earlier layer's cache (Gemma 3n), so a session allocates none for them */
  kvCacheLayers?: number;
  /** embedding models: how the file says token states become an input's embedding */
  pooling?: PoolingType;
  /** encoders: rows of the token-type table (2 for BERT: a pair's second text is type 1) */
  typeVocabSize?: number;
}

/**
 * A tensor the graph reads. `gguf` is its name in a GGUF file (and in every ModelFile, which
 * renames Hugging Face tensors as convert_hf_to_gguf does), `hf` its name in a safetensors folder;
 * in layer tensors `{n}` stands for the layer index. `tiedTo` names the tensor used when this one is
 * absent (an output projection tied to the embedding table).
 */
export interface TensorSpec {
  gguf: string;
  hf: string;
  optional?: boolean;
  tiedTo?: string;
  /** made by the architecture's `unfuse` from a fused tensor (`hf` names the fused one) */
  split?: boolean;
}

/** `global` tensors once per model, `layer` tensors once per layer (the loader fills `layers`). */
export interface TensorTable {
  global: Record<string, TensorSpec>;
  layer: Record<string, TensorSpec>;
}

/** Weights as the loader hands them to the graph: one field per TensorTable entry. */
export interface ModelWeights {
  layers: readonly object[];
  /** nested models: each nested matrix's residual (what its higher level adds), by the base tensor */
  residuals?: ReadonlyMap<Tensor, Tensor>;
}

/** how many layers keep a KV cache of their own (ModelHParams.kvCacheLayers) */
export function kvCacheLayerCount(hp: ModelHParams): number {
  return hp.kvCacheLayers ?? hp.nLayers;
}

/** One sequence's KV cache: a [contextLength, nKVHeads, headDim] tensor for keys and one for values
 * per layer that keeps a cache (the first `kvCacheLayers`, or every layer). */
export interface KVCache {
  k: Tensor[];
  v: Tensor[];
}

/** One sequence's share of a step: `nTokens` new tokens at positions pos0.. against its own cache. */
export interface StepSegment {
  cache: KVCache;
  pos0: number;
  nTokens: number;
  /** logits for every token of the segment (perplexity), otherwise only for its last */
  allLogits?: boolean;
}

export interface StepOptions {
  /** also output each logits row's `candidates` best token ids (a sampler's top-k, on the backend) */
  candidates?: number;
  /** adaptive precision: the nested matrices this step reads at their higher level */
  refine?: Refinement;
}

/**
 * Nested matrices read at their higher level (docs/adaptive-precision.md): the graph adds the
 * residual's product to the base's for each weight in `residuals`. `key` names the set, so graphs
 * are kept per precision.
 */
export interface Refinement {
  key: string;
  residuals: ReadonlyMap<Tensor, Tensor>;
}

/**
 * A step's graph, with inputs "tokens" and "pos" (I32, the segments' tokens back to back). Only the
 * `positional` nodes depend on where each segment starts, so one graph serves every step of the
 * same shape: the runtime moves them to the next positions (bindPositions) and runs it again.
 */
export interface StepGraph {
  graph: Graph;
  /** per segment: its attention and cache-write nodes, whose params follow the segment's pos0 */
  positional: GraphNode<'attention' | 'write_rows'>[][];
  /** logits rows, segment after segment: one row per segment, or one per token with `allLogits` */
  logits: GraphNode;
  /** with `candidates: k`: ids of each row's k largest logits, best first (ties: lower id first) */
  candidates?: GraphNode;
}

/**
 * An embedding model's graph over several inputs packed back to back (no padding): inputs
 * "tokens", "pos" (each input's positions from 0) and "types" (token type ids), all I32 [T].
 * Each input attends to itself only.
 */
export interface EmbedGraph {
  graph: Graph;
  /** [T, embedding width]: every token's final state, input after input */
  hidden: GraphNode;
}
