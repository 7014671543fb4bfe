/**
 * ModelConfig from a Hugging Face config.json (transformers' LlamaConfig, MistralConfig,
 * MixtralConfig, Qwen2Config, Qwen3Config, Qwen3MoeConfig, BertConfig, XLMRobertaConfig, ...), with the defaults those
 * classes use for absent keys.
 */
import { ModelFormatError } from '@ix/core';
import type { ModelConfig, PoolingType, RopeScaling } from '../../model-config.js';
import { ropeTypeOf } from './rope.js';

/** HF model_type -> llama.cpp architecture name */
const ARCHITECTURES: Record<string, string> = {
  llama: 'llama',
  mistral: 'llama',
  mixtral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen3_moe: 'qwen3moe',
  qwen2_moe: 'qwen2moe',
  olmoe: 'olmoe',
  gemma2: 'gemma2',
  gemma3_text: 'gemma3',
  // Gemma3nForConditionalGeneration (its text_config is read) and Gemma3nForCausalLM
  gemma3n: 'gemma3n',
  gemma3n_text: 'gemma3n',
  phi3: 'phi3',
  olmo2: 'olmo2',
  granite: 'granite',
  starcoder2: 'starcoder2',
  cohere: 'command-r',
  gpt2: 'gpt2',
  cohere2: 'cohere2',
  gpt_oss: 'gpt-oss',
  bert: 'bert',
  // XLMRobertaModel / XLMRobertaForSequenceClassification: BERT with a shifted position table, as convert_hf_to_gguf writes them
  'xlm-roberta': 'bert',
  // NomicBertModel (nomic-embed-text v1/v1.5): rotary BERT with SwiGLU
  nomic_bert: 'nomic-bert',
};

function hfArchitecture(config: Record<string, unknown>, file: string): string {
  const type = config['model_type'];
  const arch = typeof type === 'string' ? ARCHITECTURES[type] : undefined;
  if (!arch) throw new ModelFormatError(file, `model_type ${JSON.stringify(type)} is not supported (${Object.keys(ARCHITECTURES).join(', ')})`);
  // EmbeddingGemma is a bare Gemma 3 text model (convert_hf_to_gguf converts Gemma3TextModel as gemma-embedding)
  if (arch === 'gemma3' && stringList(config['architectures']).includes('Gemma3TextModel')) return 'gemma-embedding';
  return arch;
}

/** `pooling` comes from sentence-transformers' 1_Pooling/config.json when the folder has one. */
export function configFromHF(config0: Record<string, unknown>, file: string, pooling?: PoolingType): ModelConfig {
  const config =
    config0['model_type'] === 'gpt2' ? gpt2Keys(config0, file)
    : config0['model_type'] === 'nomic_bert' ? nomicBertKeys(config0, file)
    : config0['model_type'] === 'gemma3n' ? gemma3nTextConfig(config0, file)
    : config0;
  const architecture = hfArchitecture(config, file);
  const modelType = config['model_type'] as string;
  const used = new Set<string>(['model_type']);
  const get = (key: string): unknown => {
    used.add(key);
    return config[key];
  };
  const num = (key: string, fallback?: number): number => {
    const v = get(key);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
    }
    throw new ModelFormatError(file, `"${key}" is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`);
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = get(key);
    return typeof v === 'boolean' ? v : fallback;
  };

  const isNomic = architecture === 'nomic-bert';
  const isBert = architecture === 'bert' || isNomic;
  const isGpt2 = architecture === 'gpt2';
  const isGemma = architecture.startsWith('gemma');
  // StarCoder2: LayerNorm (norm_epsilon), GELU, biases (use_bias)
  const isStarCoder2 = architecture === 'starcoder2';
  // Command-R / Cohere2: LayerNorm without bias (layer_norm_eps), SwiGLU
  const isCohere = architecture === 'command-r' || architecture === 'cohere2';
  const hiddenSize = num('hidden_size');
  const nHeads = num('num_attention_heads');
  const headDim = num('head_dim', hiddenSize / nHeads);
  const nExperts = num(modelType === 'mixtral' || modelType === 'gpt_oss' ? 'num_local_experts' : 'num_experts', 0);
  const cfg: ModelConfig = {
    architecture,
    vocabSize: num('vocab_size'),
    hiddenSize,
    intermediateSize: num('intermediate_size'),
    nLayers: num('num_hidden_layers'),
    nHeads,
    nKVHeads: isBert ? nHeads : num('num_key_value_heads', nHeads),
    headDim,
    contextLength: num('max_position_embeddings'),
    ropeTheta: isNomic ? num('rotary_emb_base', 10000) : isBert ? 10000 : num('rope_theta', modelType === 'mixtral' ? 1e6 : 10000),
    ropeDims: isNomic ? headDim : isBert ? 0 : headDim,
    ropeType: ropeTypeOf(architecture),
    normEps: isBert ? num('layer_norm_eps', 1e-12) : isStarCoder2 ? num('norm_epsilon', 1e-5) : isCohere || isGpt2 ? num('layer_norm_eps', 1e-5) : num('rms_norm_eps', 1e-6),
    normType: isBert || isStarCoder2 || isCohere || isGpt2 ? 'layer' : 'rms',
    activation: (isBert && !isNomic) || isGemma || isStarCoder2 || isGpt2 ? 'gelu' : 'silu',
    // LlamaConfig defaults tie_word_embeddings to false, the Gemma configs to true, the Qwen configs
    // state it; encoders have no output projection
    tiedEmbeddings: !isBert && bool('tie_word_embeddings', isGemma || isCohere || isGpt2),
    qkvBias: architecture === 'qwen2' || architecture === 'qwen2moe' || (isBert && !isNomic) || bool(isStarCoder2 ? 'use_bias' : 'attention_bias', isStarCoder2),
    qkNorm: architecture === 'qwen3' || architecture === 'qwen3moe',
    nExperts,
    nExpertsUsed: nExperts ? num('num_experts_per_tok', 2) : 0,
    causal: !isBert && architecture !== 'gemma-embedding',
    hf: { modelType, architectures: stringList(get('architectures')) },
    extra: {},
  };
  if (isGemma) gemmaKeys(cfg, get, num, file);
  if (architecture === 'gemma3n') gemma3nKeys(cfg, get, file);
  if (architecture === 'granite') graniteKeys(cfg, get);
  if (isCohere || architecture === 'gpt-oss') slidingKeys(cfg, get);
  if (isCohere) logitScaleKey(cfg, get);
  if (isStarCoder2) {
    const act = get('hidden_act');
    if (act !== undefined && act !== 'gelu_pytorch_tanh' && act !== 'gelu') throw new ModelFormatError(file, `StarCoder2 hidden_act ${JSON.stringify(act)} is not supported (gelu_pytorch_tanh)`);
  }
  // Phi-3 and Cohere2 rotate part of each head when partial_rotary_factor / rotary_pct says so
  const rotary = get('partial_rotary_factor') ?? get('rotary_pct');
  if (typeof rotary === 'number' && rotary > 0 && rotary < 1) cfg.ropeDims = Math.floor((rotary * hiddenSize) / nHeads);
  // Qwen MoE experts have a width of their own; Mixtral's and OLMoE's are intermediate_size
  if (architecture === 'qwen3moe' || architecture === 'qwen2moe') cfg.expertIntermediateSize = num('moe_intermediate_size');
  else if (nExperts) cfg.expertIntermediateSize = cfg.intermediateSize;
  if (architecture === 'qwen2moe') cfg.sharedExpertIntermediateSize = num('shared_expert_intermediate_size');
  const normTopK = get('norm_topk_prob');
  if (nExperts && typeof normTopK === 'boolean') cfg.expertWeightsNorm = normTopK;
  const scaling = ropeScaling(get('rope_scaling'), file, { maxPositions: cfg.contextLength, original: get('original_max_position_embeddings'), ropeDims: cfg.ropeDims });
  if (scaling) cfg.ropeScaling = scaling;
  // a sentence-transformers folder of a decoder (Qwen3-Embedding) is an embedding model too
  if (pooling && pooling !== 'none') cfg.pooling = pooling;
  if (isBert) {
    cfg.typeVocabSize = num('type_vocab_size', 2);
    // a cross-encoder scores pairs with its classification head (llama.cpp's "rank" pooling)
    const classifier = ['BertForSequenceClassification', 'XLMRobertaForSequenceClassification'].some((c) => cfg.hf?.architectures.includes(c));
    cfg.pooling = classifier ? 'rank' : (pooling ?? 'none');
    if (modelType === 'xlm-roberta') {
      // RoBERTa numbers positions from pad_token_id + 1: the rows before are never read, and
      // convert_hf_to_gguf drops them (the context shrinks by as many)
      const offset = num('pad_token_id', 1) + 1;
      if (!Number.isInteger(offset) || offset < 1 || offset >= cfg.contextLength) throw new ModelFormatError(file, `pad_token_id ${offset - 1} does not fit max_position_embeddings ${cfg.contextLength}`);
      cfg.contextLength -= offset;
      cfg.hf!.positionOffset = offset;
    }
    const act = get('hidden_act');
    if (act !== undefined && act !== (isNomic ? 'swiglu' : 'gelu')) throw new ModelFormatError(file, `${isNomic ? 'nomic-bert' : 'BERT'} activation ${JSON.stringify(act)} is not supported (${isNomic ? 'swiglu' : 'gelu'})`);
  }
  for (const key of Object.keys(config)) if (!used.has(key)) cfg.extra[key] = config[key];
  return cfg;
}

/**
 * Gemma3nForConditionalGeneration's config.json: the text model's config is its text_config (the
 * audio and vision towers are not run); the class names stay the folder's
 */
function gemma3nTextConfig(c: Record<string, unknown>, file: string): Record<string, unknown> {
  const text = c['text_config'];
  if (!text || typeof text !== 'object' || Array.isArray(text)) throw new ModelFormatError(file, 'a gemma3n config.json needs its text_config');
  const t = text as Record<string, unknown>;
  // E2B/E4B list the FFN width per layer
  const widths = t['intermediate_size'];
  if (Array.isArray(widths) && !widths.every((w) => typeof w === 'number' && w === widths[0])) throw new ModelFormatError(file, 'gemma3n with FFN widths that differ by layer is not supported');
  return { ...t, ...(Array.isArray(widths) && { intermediate_size: widths[0] }), model_type: 'gemma3n', architectures: c['architectures'] };
}

/**
 * Gemma3nTextConfig's keys under the names of the GGUF keys convert_hf_to_gguf writes (which the
 * architecture reads): each layer's sparsity as the standard normal quantile of its
 * activation_sparsity_pattern entry (0: none; the converter's torch float32 icdf gives 0.95 as
 * 1.6448533535003662, this 1.6448535919189453 in f32: a part in ten million)
 */
function gemma3nKeys(cfg: ModelConfig, get: (key: string) => unknown, file: string): void {
  const k = (key: string, v: unknown) => (cfg.extra[`gemma3n.${key}`] = v);
  k('altup.num_inputs', get('altup_num_inputs') ?? 4);
  k('altup.active_idx', get('altup_active_idx') ?? 0);
  k('embedding_length_per_layer_input', get('hidden_size_per_layer_input') ?? 256);
  k('attention.shared_kv_layers', get('num_kv_shared_layers') ?? 0);
  const pattern = get('activation_sparsity_pattern');
  if (pattern !== undefined && pattern !== null) {
    if (!Array.isArray(pattern) || pattern.length !== cfg.nLayers || !pattern.every((p) => typeof p === 'number' && p >= 0 && p < 1)) {
      throw new ModelFormatError(file, `activation_sparsity_pattern must hold a probability in [0, 1) per layer (${cfg.nLayers})`);
    }
    k('activation_sparsity_scale', Float32Array.from(pattern as number[], (p) => normalQuantile(p)));
  }
}

/**
 * The standard normal distribution's quantile (Wichura's AS241, ~1e-16 relative): what
 * torch.distributions.Normal(0, 1).icdf gives the converter (-Infinity at 0)
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const q = p - 0.5;
  const poly = (c: readonly number[], x: number) => c.reduceRight((acc, v) => acc * x + v, 0);
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(AS241_A, r)) / poly(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = poly(AS241_C, r) / poly(AS241_D, r);
  } else {
    r -= 5;
    x = poly(AS241_E, r) / poly(AS241_F, r);
  }
  return q < 0 ? -x : x;
}

const AS241_A = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const AS241_B = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925];
const AS241_C = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const AS241_D = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
const AS241_E = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const AS241_F = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

/** GraniteConfig's multipliers, as convert_hf_to_gguf's GraniteModel names them (attention_multiplier is the query scale). */
function graniteKeys(cfg: ModelConfig, get: (key: string) => unknown): void {
  const keys = { attention_multiplier: 'attentionScale', embedding_multiplier: 'embeddingScale', residual_multiplier: 'residualScale', logits_scaling: 'logitScale' } as const;
  for (const [key, field] of Object.entries(keys)) {
    const v = get(key);
    // as f32, the way the converter stores them (so a folder and its GGUF agree to the bit)
    if (typeof v === 'number' && v !== 0) cfg[field] = Math.fround(v);
  }
}

/**
 * GPT2Config's names as the common ones (n_embd -> hidden_size, ...); the context is n_ctx, as
 * convert_hf_to_gguf writes it, and the FFN 4 x n_embd unless n_inner says otherwise.
 */
function gpt2Keys(c: Record<string, unknown>, file: string): Record<string, unknown> {
  const { n_embd, n_layer, n_head, n_positions, n_ctx, n_inner, layer_norm_epsilon, activation_function, ...rest } = c;
  for (const [key, v] of Object.entries({ n_embd, n_layer, n_head })) {
    if (typeof v !== 'number') throw new ModelFormatError(file, `"${key}" is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`);
  }
  if (activation_function !== undefined && activation_function !== 'gelu_new' && activation_function !== 'gelu_pytorch_tanh') {
    throw new ModelFormatError(file, `GPT-2 activation_function ${JSON.stringify(activation_function)} is not supported (gelu_new)`);
  }
  return {
    ...rest,
    hidden_size: n_embd,
    num_hidden_layers: n_layer,
    num_attention_heads: n_head,
    max_position_embeddings: n_ctx ?? n_positions,
    intermediate_size: n_inner ?? (typeof n_embd === 'number' ? 4 * n_embd : undefined),
    layer_norm_eps: layer_norm_epsilon,
  };
}

/**
 * NomicBertConfig's GPT-2-style names, checked as convert_hf_to_gguf's NomicBertModel checks them
 * (post-norm, no biases, full-width non-interleaved rotary, SwiGLU); the context is the trained
 * length (nomic-embed-text v1/v1.5 say n_positions 8192 but were trained for 2048)
 */
function nomicBertKeys(c: Record<string, unknown>, file: string): Record<string, unknown> {
  const { n_embd, n_layer, n_head, n_positions, max_trained_positions, n_inner, layer_norm_epsilon, activation_function, rotary_emb_fraction, ...rest } = c;
  for (const [key, v] of Object.entries({ n_embd, n_layer, n_head, n_inner })) {
    if (typeof v !== 'number') throw new ModelFormatError(file, `"${key}" is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`);
  }
  const refuse = (what: string) => new ModelFormatError(file, `nomic-bert with ${what} is not supported`);
  if (c['moe_every_n_layers']) throw refuse('experts (nomic-embed-text-v2-moe)');
  if (c['prenorm'] === true) throw refuse('pre-norms');
  if (c['qkv_proj_bias'] === true || c['mlp_fc1_bias'] === true || c['mlp_fc2_bias'] === true) throw refuse('biases');
  if (c['rotary_emb_interleaved'] === true) throw refuse('interleaved rotary');
  if (c['rotary_emb_scale_base'] !== undefined && c['rotary_emb_scale_base'] !== null) throw refuse('xPos rotary scaling');
  if (c['causal'] === true) throw refuse('causal attention');
  if (rotary_emb_fraction !== undefined && rotary_emb_fraction !== 1) throw refuse(`rotary_emb_fraction ${JSON.stringify(rotary_emb_fraction)}`);
  const trained = typeof max_trained_positions === 'number' ? max_trained_positions : undefined;
  return {
    ...rest,
    hidden_size: n_embd,
    num_hidden_layers: n_layer,
    num_attention_heads: n_head,
    intermediate_size: n_inner,
    max_position_embeddings: typeof n_positions === 'number' && trained !== undefined ? Math.min(n_positions, trained) : (n_positions ?? trained),
    layer_norm_eps: layer_norm_epsilon,
    hidden_act: activation_function,
  };
}

/** CohereConfig / Cohere2Config: logit_scale. */
function logitScaleKey(cfg: ModelConfig, get: (key: string) => unknown): void {
  const scale = get('logit_scale');
  if (typeof scale === 'number' && scale !== 0) cfg.logitScale = Math.fround(scale);
  get('use_qk_norm');
}

/** A sliding window and which layers slide: layer_types or a period (Cohere2Config, GptOssConfig). */
function slidingKeys(cfg: ModelConfig, get: (key: string) => unknown): void {
  const window = get('sliding_window');
  if (typeof window === 'number' && window > 0) cfg.slidingWindow = window;
  const types = get('layer_types');
  const period = get('sliding_window_pattern');
  if (Array.isArray(types)) cfg.slidingWindowPattern = types.map((t) => t === 'sliding_attention');
  else if (typeof period === 'number' && period > 0) cfg.slidingWindowPattern = period;
}

/** Gemma 2/3 (Gemma2Config, Gemma3TextConfig): soft-capping, query scale, sliding windows. */
function gemmaKeys(cfg: ModelConfig, get: (key: string) => unknown, num: (key: string, fallback?: number) => number, file: string): void {
  const optional = (key: string) => {
    const v = get(key);
    return typeof v === 'number' && v > 0 ? v : undefined;
  };
  const act = get('hidden_activation') ?? get('hidden_act');
  if (act !== undefined && act !== 'gelu_pytorch_tanh' && act !== 'gelu') throw new ModelFormatError(file, `Gemma hidden_activation ${JSON.stringify(act)} is not supported (gelu_pytorch_tanh)`);
  const attnSoftcap = optional('attn_logit_softcapping');
  const finalSoftcap = optional('final_logit_softcapping');
  if (attnSoftcap) cfg.attnSoftcap = attnSoftcap;
  if (finalSoftcap) cfg.finalSoftcap = finalSoftcap;
  cfg.attentionScale = 1 / Math.sqrt(num('query_pre_attn_scalar', cfg.headDim));
  const window = optional('sliding_window');
  if (window) cfg.slidingWindow = window;
  const types = get('layer_types');
  const period = optional('sliding_window_pattern');
  if (Array.isArray(types)) cfg.slidingWindowPattern = types.map((t) => t === 'sliding_attention');
  else if (period) cfg.slidingWindowPattern = period;
  const local = optional('rope_local_base_freq');
  if (local) cfg.ropeThetaSwa = local;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function ropeScaling(v: unknown, file: string, model: { maxPositions: number; original: unknown; ropeDims: number }): RopeScaling | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw new ModelFormatError(file, 'rope_scaling is not an object');
  const s = v as Record<string, unknown>;
  const type = s['rope_type'] ?? s['type'];
  const factor = typeof s['factor'] === 'number' ? s['factor'] : 1;
  const original = typeof s['original_max_position_embeddings'] === 'number' ? s['original_max_position_embeddings'] : undefined;
  switch (type) {
    case 'default':
      return undefined;
    case 'linear':
      return { type: 'linear', factor };
    case 'yarn': {
      // DeepSeek's mscale / mscale_all_dim change the magnitude by rules of their own
      for (const k of ['mscale', 'mscale_all_dim']) if (typeof s[k] === 'number' && s[k] !== 0 && s[k] !== 1) throw new ModelFormatError(file, `rope_scaling yarn with ${k} ${s[k]} is not supported`);
      const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
      const [betaFast, betaSlow, attentionFactor] = [num('beta_fast'), num('beta_slow'), num('attention_factor')];
      return {
        type: 'yarn',
        factor,
        ...(original !== undefined && { originalContextLength: original }),
        ...(betaFast !== undefined && { betaFast }),
        ...(betaSlow !== undefined && { betaSlow }),
        ...(attentionFactor !== undefined && { attentionFactor }),
      };
    }
    case 'longrope':
    case 'su':
      return longRope(s, file, model, original);
    case 'llama3':
      return {
        type: 'llama3',
        factor,
        lowFreqFactor: typeof s['low_freq_factor'] === 'number' ? s['low_freq_factor'] : 1,
        highFreqFactor: typeof s['high_freq_factor'] === 'number' ? s['high_freq_factor'] : 4,
        originalContextLength: original ?? 8192,
      };
    default:
      throw new ModelFormatError(file, `rope_scaling type ${JSON.stringify(type)} is not supported (linear, yarn, llama3, longrope)`);
  }
}

/**
 * Phi-3's LongRoPE from rope_scaling: its two factor lists (rope dims / 2 each) and the magnitude
 * convert_hf_to_gguf's Phi3MiniModel computes from max / original positions
 */
function longRope(s: Record<string, unknown>, file: string, model: { maxPositions: number; original: unknown; ropeDims: number }, original: number | undefined): RopeScaling {
  const orig = original ?? (typeof model.original === 'number' ? model.original : undefined);
  if (orig === undefined || orig <= 0) throw new ModelFormatError(file, 'rope_scaling longrope needs original_max_position_embeddings');
  const list = (key: string) => {
    const v = s[key];
    if (!Array.isArray(v) || v.length !== model.ropeDims / 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      throw new ModelFormatError(file, `rope_scaling.${key} must be ${model.ropeDims / 2} positive numbers (rope dims / 2)`);
    }
    return v as number[];
  };
  const scale = model.maxPositions / orig;
  const attentionFactor = scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
  return { type: 'longrope', originalContextLength: orig, attentionFactor: Math.fround(attentionFactor), longFactors: list('long_factor'), shortFactors: list('short_factor') };
}

/** sentence-transformers 1_Pooling/config.json -> pooling type */
export function poolingFromSentenceTransformers(pooling: Record<string, unknown>): PoolingType {
  if (pooling['pooling_mode_mean_tokens'] === true) return 'mean';
  if (pooling['pooling_mode_cls_token'] === true) return 'cls';
  if (pooling['pooling_mode_lasttoken'] === true) return 'last';
  return 'none';
}

/**
 * The per-dimension RoPE frequency divisors llama.cpp stores as rope_freqs.weight for Llama 3
 * scaling (convert_hf_to_gguf LlamaModel.generate_extra_tensors), so HF and GGUF agree.
 */
export function llama3RopeFreqs(cfg: ModelConfig): Float32Array | undefined {
  const s = cfg.ropeScaling;
  if (s?.type !== 'llama3') return undefined;
  const factor = s.factor ?? 8;
  const low = s.lowFreqFactor ?? 1;
  const high = s.highFreqFactor ?? 4;
  const old = s.originalContextLength ?? 8192;
  const lowWavelen = old / low;
  const highWavelen = old / high;
  const out = new Float32Array(cfg.ropeDims / 2);
  for (let i = 0; i < out.length; i++) {
    const freq = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.ropeDims);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = (old / wavelen - low) / (high - low);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}
