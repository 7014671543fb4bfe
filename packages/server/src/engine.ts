import type { ChatMessage, ChatTool, ExpertUseReport, GrammarSpec, Precision, TokenConstraint } from '@ix/llm';

/**
 * What the server needs from a model. The scheduler drives generation one step at a time through
 * `step`, so that every active request advances in the same step; sampling, stop strings and
 * detokenization happen in the server (see generation.ts).
 */
export interface Engine {
  readonly info: EngineInfo;
  /** A sequence owns one KV cache (one scheduler slot). */
  createSequence(): EngineSequence;
  /**
   * One forward step over several sequences: each `seq` is brought to hold `tokens` (reusing the
   * longest prefix it already caches, evaluating the rest) and the logits of its last token come
   * back, in order. A sequence appears at most once. The arrays may be reused by the next step:
   * consume them before calling step again.
   */
  step(items: readonly StepItem[]): Promise<StepOutput[]>;
  /** Prompt tokens: text is encoded as is (with BOS); messages go through the chat template. */
  promptTokens(input: PromptInput): number[] | Promise<number[]>;
  /** Tokens of a piece of text, without BOS or special-token parsing (logit_bias given as text). */
  tokenize(text: string): number[];
  /** The text of one token, for logprobs. */
  tokenText(id: number): string;
  /** Detokenizer for tokens generated after `prompt` (the text continues the prompt's: a leading space is kept). */
  createStreamDecoder(prompt: readonly number[]): { push(id: number): string; flush(): string };
  isEndOfGeneration(id: number): boolean;
  /** Embeddings of texts or token ids (embedding models); absent or refusing: the model has none */
  embed?(inputs: readonly (string | readonly number[])[], options: EmbedRequestOptions): Promise<EmbedOutput>;
  /** Relevance scores of documents for a query (rerankers) */
  rerank?(query: string, documents: readonly string[]): Promise<RerankOutput>;
  /** Mixture-of-experts models: how each layer's chosen experts were found (resident or read), for /metrics */
  expertUse?(): ExpertUseReport | undefined;
  /** Nested models: give back the memory of what `precision` does not read (after the server's precision is lowered) */
  releaseUnread?(precision: Precision): void;
  /** A compiled grammar over this engine's vocabulary (structured output); absent: the engine cannot constrain */
  createConstraint?(spec: GrammarSpec): Promise<TokenConstraint>;
  close(): Promise<void>;
}

export type PromptInput = { text: string } | { messages: readonly ChatMessage[]; tools?: readonly ChatTool[] };

export interface EngineSequence {
  /** tokens whose keys/values the sequence holds, in order */
  readonly tokens: readonly number[];
  /** tokens a sequence can hold */
  readonly contextLength: number;
}

export interface StepOutput {
  /** logits of the sequence's last token */
  logits: Float32Array;
  /**
   * ids of the largest logits, best first (ties: lower id first), when the engine finds them on
   * its backend: the sampler's top-k then needs no pass over the vocabulary (Sampler.sample)
   */
  candidates?: Int32Array;
}

export interface StepItem {
  seq: EngineSequence;
  tokens: readonly number[];
  /** nested models: the precision this sequence's request reads (checked with checkPrecision) */
  precision?: Precision;
}

export interface EmbedRequestOptions {
  /** unit-length vectors (default true) */
  normalize?: boolean;
  /** keep the first `dimensions` values (Matryoshka), before normalizing */
  dimensions?: number;
  /** cut inputs longer than the model takes (keeping its end-of-input token) instead of refusing them */
  truncate?: boolean;
}

export interface EmbedOutput {
  embeddings: Float32Array[];
  /** tokens of each input as embedded */
  tokens: number[];
}

export interface RerankOutput {
  /** one per document, in order: the classifier's raw output */
  scores: number[];
  /** tokens of each (query, document) pair */
  tokens: number[];
}

export interface EngineInfo {
  /** architecture name, e.g. "llama" */
  arch: string;
  /** what the model does: generate text (chat/completions; it embeds too), embed it (embeddings) or score pairs (rerank) */
  kind: 'generative' | 'embedding' | 'reranker';
  /** values per embedding (embedding and generative models) */
  embeddingLength?: number;
  vocabSize: number;
  /** context length of each sequence */
  contextLength: number;
  /** the Jinja chat template, when the model has one (or one was given) */
  chatTemplate?: string;
  /** model file size in bytes and its modification time, for /api/tags */
  sizeBytes: number;
  modifiedAt: Date;
  /** weight type of the bulk of the model, e.g. "Q8_0" */
  quantization?: string;
  parameterCount?: number;
  /** the backend computing it */
  backend: string;
  /** nested models (ix quantize --nested): layers whose precision a request may choose */
  nestedLayers?: number;
}
