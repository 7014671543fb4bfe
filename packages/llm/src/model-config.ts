/**
 * One typed description of a transformer, whatever file it came from (GGUF `<arch>.*` keys, HF
 * config.json, a llama2.c header). Architecture names follow llama.cpp (`llama` also covers
 * Mistral, TinyLlama and Mixtral-style MoE; `qwen3moe` is Qwen3-MoE).
 */
export type RopeType = 'normal' | 'neox' | 'none' | 'unknown';

export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'yarn';
      factor: number;
      originalContextLength?: number;
      /** rotations over the original context that bound the ramp (defaults 32 and 1) */
      betaFast?: number;
      betaSlow?: number;
      /** cos and sin multiplied by this (default 0.1·ln(factor) + 1) */
      attentionFactor?: number;
    }
  /**
   * Llama 3.x frequency scaling. Both the GGUF and the HF path expose the per-dimension divisors as
   * tensor `rope_freqs.weight`; the parameters are only known when read from config.json.
   */
  | { type: 'llama3'; factor?: number; lowFreqFactor?: number; highFreqFactor?: number; originalContextLength?: number }
  /**
   * LongRoPE (Phi-3/3.5 128k, Phi-4-mini): per-dimension frequency divisors for contexts up to the
   * original length (short) and beyond it (long), as tensors `rope_factors_short.weight` /
   * `rope_factors_long.weight` (an HF folder's ModelFile makes them from config.json's lists), and a
   * magnitude on cos and sin: sqrt(1 + ln(scale) / ln(original)) as convert_hf_to_gguf computes it
   */
  | { type: 'longrope'; originalContextLength: number; attentionFactor: number; longFactors?: number[]; shortFactors?: number[] };

export type PoolingType = 'none' | 'mean' | 'cls' | 'last' | 'rank';

export interface ModelConfig {
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  /** dense FFN width (0 when every layer is MoE and the file says nothing else) */
  intermediateSize: number;
  nLayers: number;
  nHeads: number;
  nKVHeads: number;
  headDim: number;
  contextLength: number;
  ropeTheta: number;
  /** leading dimensions of each head that are rotated */
  ropeDims: number;
  /** normal: adjacent pairs rotate (llama, llama2.c); neox: first/second halves (qwen) */
  ropeType: RopeType;
  ropeScaling?: RopeScaling;
  normEps: number;
  normType: 'rms' | 'layer';
  activation: 'silu' | 'gelu';
  /** the output projection is the token embedding */
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases */
  qkvBias: boolean;
  /** per-head RMSNorm on q and k (Qwen3) */
  qkNorm: boolean;
  /** 0 for dense models */
  nExperts: number;
  nExpertsUsed: number;
  /** FFN width of one expert */
  expertIntermediateSize?: number;
  /** FFN width of the shared expert (Qwen2-MoE) */
  sharedExpertIntermediateSize?: number;
  /** the chosen experts' weights renormalized to sum to 1, when the file says (HF norm_topk_prob) */
  expertWeightsNorm?: boolean;
  /** the experts' mixing weights multiplied by this (GGUF expert_weights_scale) */
  expertWeightsScale?: number;
  causal: boolean;
  /** attention scores soft-capped: s -> cap·tanh(s / cap) (Gemma 2) */
  attnSoftcap?: number;
  /** logits soft-capped the same way (Gemma 2) */
  finalSoftcap?: number;
  /** query scale when the file states one (HF query_pre_attn_scalar^-1/2); else 1/√headDim or the architecture's rule */
  attentionScale?: number;
  /** sliding-window attention: the window as the file states it */
  slidingWindow?: number;
  /**
   * which layers slide, as the file states it: a period n (layers with l % n < n - 1 slide, llama.cpp's
   * pattern) or a flag per layer; absent: the architecture's default
   */
  slidingWindowPattern?: number | boolean[];
  /** rope base of sliding-window layers (GGUF rope.freq_base_swa, HF rope_local_base_freq) */
  ropeThetaSwa?: number;
  /** Granite's multipliers: token embeddings, block outputs before the residual adds */
  embeddingScale?: number;
  residualScale?: number;
  /** logit_scale as the file stores it: Granite divides the logits by it, Command-R multiplies */
  logitScale?: number;
  /** embedding models (BERT) */
  pooling?: PoolingType;
  typeVocabSize?: number;
  /** read from a Hugging Face config.json: its model_type and architectures[] (model classes) */
  hf?: {
    modelType: string;
    architectures: string[];
    /** RoBERTa / XLM-R: the position table's first rows are unused (positions start at pad_token_id + 1) */
    positionOffset?: number;
  };
  /** keys of the source the fields above do not cover, as stored */
  extra: Record<string, unknown>;
}
