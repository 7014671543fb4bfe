/** Architectures and shapes the generator can write. Presets follow real models' config.json. */
export type GeneratedArch = 'llama' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'gemma-embedding' | 'gemma3n' | 'phi3' | 'olmo2' | 'granite' | 'starcoder2' | 'gpt2' | 'command-r' | 'cohere2' | 'bert' | 'xlm-roberta' | 'nomic-bert' | MoEArch;

/** Mixture-of-Experts decoders (llama.cpp's names; mixtral is written as GGUF `llama`) */
export type MoEArch = 'qwen3moe' | 'qwen2moe' | 'olmoe' | 'mixtral' | 'gpt-oss';

export function isMoE(arch: GeneratedArch): arch is MoEArch {
  return arch === 'qwen3moe' || arch === 'qwen2moe' || arch === 'olmoe' || arch === 'mixtral' || arch === 'gpt-oss';
}

export interface ModelShape {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  nLayers: number;
  nHeads: number;
  nKVHeads: number;
  /** defaults to hiddenSize / nHeads */
  headDim?: number;
  contextLength: number;
  ropeTheta: number;
  normEps: number;
  tiedEmbeddings: boolean;
  /** BERT: rows of the token type table */
  typeVocabSize?: number;
  /**
   * A reranker's classification head: BERT cross-encoders (BertForSequenceClassification) have
   * `classifierLabels` outputs; a decoder (Qwen3-Reranker) 2, its "yes" and "no" rows
   */
  classifierLabels?: number;
  /**
   * Gemma, Cohere2, gpt-oss: the sliding window, and which layers slide (a period: l % n < n - 1;
   * else Gemma's default). gpt-oss: period 2, the even layers slide (its layer_types)
   */
  slidingWindow?: number;
  slidingWindowPattern?: number;
  /** Gemma 2: soft-caps of attention scores and of logits */
  attnSoftcap?: number;
  finalSoftcap?: number;
  /** rope of sliding layers (Gemma 3: 10000); global layers' linear rope scaling factor */
  ropeThetaSwa?: number;
  ropeScalingLinear?: number;
  /**
   * YaRN rope scaling (Qwen's long-context configs, gpt-oss): the factor and the original context;
   * gpt-oss's config also sets beta_fast and beta_slow (convert writes them as rope.scaling.yarn_beta_*)
   */
  ropeScalingYarn?: { factor: number; originalContext: number; betaFast?: number; betaSlow?: number };
  /** Phi-3 LongRoPE: the original context (the factor lists are longRopeFactors') */
  longRope?: { originalContext: number };
  /** Granite's multipliers (config.json attention_multiplier, embedding_multiplier, residual_multiplier, logits_scaling) */
  granite?: { attention: number; embedding: number; residual: number; logits: number };
  /** Command-R / Cohere2: logits times this */
  logitScale?: number;
  /**
   * Mixture of Experts: nExperts experts of width expertFfn per layer, nUsed routed per token;
   * sharedFfn is the width of Qwen2-MoE's always-on shared expert
   */
  moe?: { nExperts: number; nUsed: number; expertFfn: number; sharedFfn?: number };
  /** EmbeddingGemma: the width of sentence-transformers' first Dense module (2_Dense: hidden -> dense, 3_Dense: back) */
  dense?: number;
  /**
   * Gemma 3n: each layer's own input width, LAuReL's rank, how many last layers reuse an earlier
   * KV cache, how many first layers sparsify their FFN gate (llama.cpp fixes 256, 64, n - 20, 10)
   */
  gemma3n?: { perLayerDim: number; laurelRank: number; sharedKvLayers: number; sparseLayers: number };
}

// small shapes that several presets share
const BERT_TINY: ModelShape = { vocabSize: 30522, hiddenSize: 64, intermediateSize: 128, nLayers: 2, nHeads: 4, nKVHeads: 4, contextLength: 128, ropeTheta: 0, normEps: 1e-12, tiedEmbeddings: false, typeVocabSize: 2 };
const QWEN3_TINY: ModelShape = { vocabSize: 151936, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, headDim: 32, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true };
// Qwen3-30B-A3B config.json
// openai/gpt-oss-20b config.json: head_dim 64 x 64 query heads (4096 wide) over a 2880-wide
// residual, experts of 2880, YaRN x32 over 4096 positions, a 128-token window on the even layers
// (its o200k vocabulary stands in as llama's, padded)
const GPT_OSS_20B: ModelShape = {
  vocabSize: 201088, hiddenSize: 2880, intermediateSize: 2880, nLayers: 24, nHeads: 64, nKVHeads: 8, headDim: 64, contextLength: 131072,
  ropeTheta: 150000, normEps: 1e-5, tiedEmbeddings: false, slidingWindow: 128, slidingWindowPattern: 2,
  ropeScalingYarn: { factor: 32, originalContext: 4096, betaFast: 32, betaSlow: 1 },
  moe: { nExperts: 32, nUsed: 4, expertFfn: 2880 },
};
const QWEN3MOE_30B: ModelShape = { vocabSize: 151936, hiddenSize: 2048, intermediateSize: 6144, nLayers: 48, nHeads: 32, nKVHeads: 4, headDim: 128, contextLength: 40960, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: false, moe: { nExperts: 128, nUsed: 8, expertFfn: 768 } };

export const PRESETS: Record<string, { arch: GeneratedArch; shape: ModelShape }> = {
  // TinyLlama-1.1B-Chat-v1.0 config.json
  'tinyllama-1.1b': {
    arch: 'llama',
    shape: { vocabSize: 32000, hiddenSize: 2048, intermediateSize: 5632, nLayers: 22, nHeads: 32, nKVHeads: 4, contextLength: 2048, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false },
  },
  // Mistral-7B-v0.1 config.json (a Llama with GQA and a 32000-token SentencePiece vocabulary)
  'mistral-7b': {
    arch: 'llama',
    shape: { vocabSize: 32000, hiddenSize: 4096, intermediateSize: 14336, nLayers: 32, nHeads: 32, nKVHeads: 8, contextLength: 32768, ropeTheta: 1000000, normEps: 1e-5, tiedEmbeddings: false },
  },
  // small shapes for tests: real structure (GQA, several layers), seconds to run
  'llama-tiny': {
    arch: 'llama',
    shape: { vocabSize: 32000, hiddenSize: 256, intermediateSize: 768, nLayers: 2, nHeads: 8, nKVHeads: 2, contextLength: 512, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false },
  },
  // all-MiniLM-L6-v2 config.json (a BERT embedder; the WordPiece vocabulary comes from its tokenizer folder)
  'minilm-l6': {
    arch: 'bert',
    shape: { vocabSize: 30522, hiddenSize: 384, intermediateSize: 1536, nLayers: 6, nHeads: 12, nKVHeads: 12, contextLength: 512, ropeTheta: 0, normEps: 1e-12, tiedEmbeddings: false, typeVocabSize: 2 },
  },
  'bert-tiny': {
    arch: 'bert',
    shape: BERT_TINY,
  },
  // a cross-encoder reranker of cross-encoder/ms-marco-MiniLM-L-6-v2's kind, at bert-tiny size
  'bert-rerank-tiny': {
    arch: 'bert',
    shape: { ...BERT_TINY, classifierLabels: 1 },
  },
  // XLM-RoBERTa (bge-m3's kind, written as GGUF "bert" with a "t5" vocabulary) at bert-tiny size: the
  // vocabulary is a SentencePiece Unigram sentencepiece.bpe.model of 1500 pieces (+ <pad>, <mask>)
  'xlmr-tiny': {
    arch: 'xlm-roberta',
    shape: { ...BERT_TINY, vocabSize: 1502, typeVocabSize: 1 },
  },
  // BAAI/bge-m3 config.json (XLM-RoBERTa large: 24 layers, 1024 wide, 8192 positions): the vocabulary
  // rows past the tokenizer's pieces are [PAD] fillers, as the converter writes unused ids
  'bge-m3': {
    arch: 'xlm-roberta',
    shape: { vocabSize: 250002, hiddenSize: 1024, intermediateSize: 4096, nLayers: 24, nHeads: 16, nKVHeads: 16, contextLength: 8192, ropeTheta: 0, normEps: 1e-5, tiedEmbeddings: false, typeVocabSize: 1 },
  },
  // bge-reranker-v2-m3's kind: XLMRobertaForSequenceClassification
  'xlmr-rerank-tiny': {
    arch: 'xlm-roberta',
    shape: { ...BERT_TINY, vocabSize: 1502, typeVocabSize: 1, classifierLabels: 1 },
  },
  // nomic-embed-text-v1.5 config.json (rotary BERT, SwiGLU, fused QKV; bert-base-uncased's vocabulary)
  'nomic-embed-text': {
    arch: 'nomic-bert',
    shape: { vocabSize: 30522, hiddenSize: 768, intermediateSize: 3072, nLayers: 12, nHeads: 12, nKVHeads: 12, contextLength: 2048, ropeTheta: 1000, normEps: 1e-12, tiedEmbeddings: false, typeVocabSize: 2 },
  },
  'nomic-tiny': {
    arch: 'nomic-bert',
    shape: { vocabSize: 30522, hiddenSize: 64, intermediateSize: 128, nLayers: 2, nHeads: 4, nKVHeads: 4, contextLength: 256, ropeTheta: 1000, normEps: 1e-12, tiedEmbeddings: false, typeVocabSize: 2 },
  },
  // Qwen3-Reranker's kind (a yes/no head and a rerank template) at qwen3-tiny size
  'qwen3-rerank-tiny': {
    arch: 'qwen3',
    shape: { ...QWEN3_TINY, classifierLabels: 2 },
  },
  'qwen2-tiny': {
    arch: 'qwen2',
    shape: { vocabSize: 151936, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true },
  },
  'qwen3-tiny': {
    arch: 'qwen3',
    shape: QWEN3_TINY,
  },
  // Qwen3 with YaRN, as its model cards enable long context (rope_scaling yarn, factor 4), at test size
  'qwen3-yarn-tiny': {
    arch: 'qwen3',
    shape: { ...QWEN3_TINY, ropeTheta: 10000, ropeScalingYarn: { factor: 4, originalContext: 128 } },
  },
  // gemma-2-2b config.json (its 256000-token vocabulary stands in as the llama tokenizer plus padding)
  'gemma2-2b': {
    arch: 'gemma2',
    shape: { vocabSize: 256000, hiddenSize: 2304, intermediateSize: 9216, nLayers: 26, nHeads: 8, nKVHeads: 4, headDim: 256, contextLength: 8192, ropeTheta: 10000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 4096, attnSoftcap: 50, finalSoftcap: 30 },
  },
  // gemma-3-1b-it config.json
  'gemma3-1b': {
    arch: 'gemma3',
    shape: { vocabSize: 262144, hiddenSize: 1152, intermediateSize: 6912, nLayers: 26, nHeads: 4, nKVHeads: 1, headDim: 256, contextLength: 32768, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 512, ropeThetaSwa: 10000 },
  },
  // Phi-3-mini-4k-instruct config.json (fused QKV and gate+up; llama's 32000-token SentencePiece vocabulary, padded to 32064)
  'phi3-mini': {
    arch: 'phi3',
    shape: { vocabSize: 32064, hiddenSize: 3072, intermediateSize: 8192, nLayers: 32, nHeads: 32, nKVHeads: 32, contextLength: 4096, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false },
  },
  'phi3-tiny': {
    arch: 'phi3',
    shape: { vocabSize: 32064, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false },
  },
  // Phi-3.5-mini / Phi-4-mini's kind (LongRoPE: short factors up to the original 256 positions, long ones past it) at phi3-tiny size
  'phi3-longrope-tiny': {
    arch: 'phi3',
    shape: { vocabSize: 32064, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 2048, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false, longRope: { originalContext: 256 } },
  },
  // OLMo-2-0425-1B config.json (norms after each block, Q/K norms over all heads)
  'olmo2-1b': {
    arch: 'olmo2',
    shape: { vocabSize: 100352, hiddenSize: 2048, intermediateSize: 8192, nLayers: 16, nHeads: 16, nKVHeads: 16, contextLength: 4096, ropeTheta: 500000, normEps: 1e-6, tiedEmbeddings: false },
  },
  'olmo2-tiny': {
    arch: 'olmo2',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 4, contextLength: 512, ropeTheta: 500000, normEps: 1e-6, tiedEmbeddings: false },
  },
  // granite-3.3-2b-instruct config.json (its 49155-token vocabulary stands in as llama's, padded)
  'granite-3-2b': {
    arch: 'granite',
    shape: { vocabSize: 49159, hiddenSize: 2048, intermediateSize: 8192, nLayers: 40, nHeads: 32, nKVHeads: 8, contextLength: 131072, ropeTheta: 10000000, normEps: 1e-5, tiedEmbeddings: true, granite: { attention: 0.015625, embedding: 12, residual: 0.22, logits: 8 } },
  },
  'granite-tiny': {
    arch: 'granite',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: true, granite: { attention: 0.1, embedding: 3, residual: 0.5, logits: 4 } },
  },
  // starcoder2-3b config.json (LayerNorm, biases, GELU; its 49152-token vocabulary stands in as llama's, padded)
  'starcoder2-3b': {
    arch: 'starcoder2',
    shape: { vocabSize: 49152, hiddenSize: 3072, intermediateSize: 12288, nLayers: 30, nHeads: 24, nKVHeads: 2, contextLength: 16384, ropeTheta: 999999.4420358813, normEps: 1e-5, tiedEmbeddings: true },
  },
  'starcoder2-tiny': {
    arch: 'starcoder2',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 256, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 100000, normEps: 1e-5, tiedEmbeddings: false },
  },
  // GPT-2 (124M) config.json: learned positions, fused QKV, LayerNorm, GELU (its 50257-token BPE vocabulary stands in as llama's, padded)
  gpt2: {
    arch: 'gpt2',
    shape: { vocabSize: 50257, hiddenSize: 768, intermediateSize: 3072, nLayers: 12, nHeads: 12, nKVHeads: 12, contextLength: 1024, ropeTheta: 0, normEps: 1e-5, tiedEmbeddings: true },
  },
  'gpt2-tiny': {
    arch: 'gpt2',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 256, nLayers: 2, nHeads: 4, nKVHeads: 4, contextLength: 128, ropeTheta: 0, normEps: 1e-5, tiedEmbeddings: true },
  },
  // c4ai-command-r7b-12-2024 config.json (Cohere2: parallel blocks, three sliding rotated layers of four; its vocabulary stands in as llama's, padded)
  'command-r7b': {
    arch: 'cohere2',
    shape: { vocabSize: 256000, hiddenSize: 4096, intermediateSize: 14336, nLayers: 32, nHeads: 32, nKVHeads: 8, contextLength: 8192, ropeTheta: 50000, normEps: 1e-5, tiedEmbeddings: true, slidingWindow: 4096, logitScale: 0.25 },
  },
  'command-r-tiny': {
    arch: 'command-r',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: true, logitScale: 0.5 },
  },
  'cohere2-tiny': {
    arch: 'cohere2',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 4, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 50000, normEps: 1e-5, tiedEmbeddings: true, slidingWindow: 4, logitScale: 0.5 },
  },
  'qwen3moe-30b-a3b': {
    arch: 'qwen3moe',
    shape: QWEN3MOE_30B,
  },
  // Qwen3-30B-A3B's layers, 4 of its 48: speed checks at a manageable file size
  'qwen3moe-30b-a3b-4l': {
    arch: 'qwen3moe',
    shape: { ...QWEN3MOE_30B, nLayers: 4 },
  },
  // OLMoE-1B-7B-0924 config.json (its 50304-row vocabulary stands in as llama's, padded)
  'olmoe-1b-7b': {
    arch: 'olmoe',
    shape: { vocabSize: 50304, hiddenSize: 2048, intermediateSize: 1024, nLayers: 16, nHeads: 16, nKVHeads: 16, contextLength: 4096, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false, moe: { nExperts: 64, nUsed: 8, expertFfn: 1024 } },
  },
  // Qwen1.5-MoE-A2.7B config.json: 60 routed experts and one shared expert per layer
  'qwen2moe-a2.7b': {
    arch: 'qwen2moe',
    shape: { vocabSize: 151936, hiddenSize: 2048, intermediateSize: 5632, nLayers: 24, nHeads: 16, nKVHeads: 16, contextLength: 8192, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: false, moe: { nExperts: 60, nUsed: 4, expertFfn: 1408, sharedFfn: 5632 } },
  },
  // Mixtral-8x7B-v0.1 config.json
  'mixtral-8x7b': {
    arch: 'mixtral',
    shape: { vocabSize: 32000, hiddenSize: 4096, intermediateSize: 14336, nLayers: 32, nHeads: 32, nKVHeads: 8, contextLength: 32768, ropeTheta: 1000000, normEps: 1e-5, tiedEmbeddings: false, moe: { nExperts: 8, nUsed: 2, expertFfn: 14336 } },
  },
  // gpt-oss (llama.cpp's GGUF arch name; HF GptOssForCausalLM). --quant MXFP4 writes the experts
  // as the checkpoint and ggml-org's GGUF ship them (MXFP4, the rest Q8_0)
  'gpt-oss-20b': {
    arch: 'gpt-oss',
    shape: GPT_OSS_20B,
  },
  // gpt-oss-20b's layers, 4 of its 24 (a sliding and a full pair, twice): benchmarks
  'gpt-oss-20b-4l': {
    arch: 'gpt-oss',
    shape: { ...GPT_OSS_20B, nLayers: 4 },
  },
  // gpt-oss at test size: a window of 4 over a 12-token prompt on layers 0 and 2, 4 of 8 experts,
  // every MXFP4 row (64 wide) whole 32-element blocks; gpt-oss-20b's rope and YaRN
  'gpt-oss-tiny': {
    arch: 'gpt-oss',
    shape: {
      vocabSize: 32000, hiddenSize: 64, intermediateSize: 64, nLayers: 4, nHeads: 4, nKVHeads: 2, headDim: 32, contextLength: 131072,
      ropeTheta: 150000, normEps: 1e-5, tiedEmbeddings: false, slidingWindow: 4, slidingWindowPattern: 2,
      ropeScalingYarn: { factor: 32, originalContext: 4096, betaFast: 32, betaSlow: 1 },
      moe: { nExperts: 8, nUsed: 4, expertFfn: 64 },
    },
  },
  // MoE at test size: 3 of 8 experts so the top-k weights' normalization matters
  'qwen3moe-tiny': {
    arch: 'qwen3moe',
    shape: { ...QWEN3_TINY, moe: { nExperts: 8, nUsed: 3, expertFfn: 32 } },
  },
  'qwen2moe-tiny': {
    arch: 'qwen2moe',
    shape: { vocabSize: 151936, hiddenSize: 64, intermediateSize: 96, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: false, moe: { nExperts: 8, nUsed: 2, expertFfn: 32, sharedFfn: 96 } },
  },
  'olmoe-tiny': {
    arch: 'olmoe',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 32, nLayers: 2, nHeads: 4, nKVHeads: 4, contextLength: 512, ropeTheta: 10000, normEps: 1e-5, tiedEmbeddings: false, moe: { nExperts: 8, nUsed: 2, expertFfn: 32 } },
  },
  'mixtral-tiny': {
    arch: 'mixtral',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 64, nLayers: 2, nHeads: 4, nKVHeads: 2, contextLength: 512, ropeTheta: 1000000, normEps: 1e-5, tiedEmbeddings: false, moe: { nExperts: 4, nUsed: 2, expertFfn: 64 } },
  },
  // Gemma 2's structure at test size: a window of 4 over a 12-token prompt, caps small enough to bite
  'gemma2-tiny': {
    arch: 'gemma2',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 3, nHeads: 4, nKVHeads: 2, headDim: 32, contextLength: 512, ropeTheta: 10000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 4, attnSoftcap: 2, finalSoftcap: 10 },
  },
  // google/embeddinggemma-300m config.json and its 2_Dense/3_Dense (Gemma 3's 262k vocabulary: llama's stands in)
  'embeddinggemma-300m': {
    arch: 'gemma-embedding',
    shape: { vocabSize: 262144, hiddenSize: 768, intermediateSize: 1152, nLayers: 24, nHeads: 3, nKVHeads: 1, headDim: 256, contextLength: 2048, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 512, ropeThetaSwa: 10000, dense: 3072 },
  },
  // its structure at test size: a symmetric window of 4 (2 either side) over longer inputs, the Dense pair
  'embeddinggemma-tiny': {
    arch: 'gemma-embedding',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 7, nHeads: 4, nKVHeads: 2, headDim: 32, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 4, ropeThetaSwa: 10000, dense: 96 },
  },
  // google/gemma-3n-E2B-it's text config (its audio/vision towers are not written)
  'gemma3n-e2b': {
    arch: 'gemma3n',
    shape: {
      vocabSize: 262400, hiddenSize: 2048, intermediateSize: 8192, nLayers: 30, nHeads: 8, nKVHeads: 2, headDim: 256, contextLength: 32768, ropeTheta: 1000000, normEps: 1e-6,
      tiedEmbeddings: true, slidingWindow: 512, slidingWindowPattern: 5, ropeThetaSwa: 10000, finalSoftcap: 30, gemma3n: { perLayerDim: 256, laurelRank: 64, sharedKvLayers: 10, sparseLayers: 10 },
    },
  },
  // its structure at test size (llama.cpp fixes the per-layer width, LAuReL's rank and where KV
  // sharing starts): 25 layers, so four sliding layers and a global one reuse earlier caches; a
  // window of 4; a 2,048-piece vocabulary (llama's first pieces) keeps the per-layer table small
  'gemma3n-tiny': {
    arch: 'gemma3n',
    shape: {
      vocabSize: 2048, hiddenSize: 64, intermediateSize: 128, nLayers: 25, nHeads: 2, nKVHeads: 1, headDim: 32, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6,
      tiedEmbeddings: true, slidingWindow: 4, slidingWindowPattern: 5, ropeThetaSwa: 10000, finalSoftcap: 30, gemma3n: { perLayerDim: 256, laurelRank: 64, sharedKvLayers: 5, sparseLayers: 10 },
    },
  },
  // Gemma 3's: five sliding layers then a global one (and a sliding one after), the global rope scaled
  'gemma3-tiny': {
    arch: 'gemma3',
    shape: { vocabSize: 32000, hiddenSize: 64, intermediateSize: 160, nLayers: 7, nHeads: 4, nKVHeads: 2, headDim: 32, contextLength: 512, ropeTheta: 1000000, normEps: 1e-6, tiedEmbeddings: true, slidingWindow: 4, ropeThetaSwa: 10000, ropeScalingLinear: 8 },
  },
};

export interface TensorSpec {
  /** internal (GGUF) name */
  name: string;
  /** row-major shape */
  shape: number[];
  /**
   * 'sink': gpt-oss's per-head attention sink logits (F32 in every quant); 'coef': Gemma 3n's
   * AltUp mixing coefficients (rows of 4: F32 in every quant, as llama-quantize leaves them);
   * 'router': its AltUp router (a matrix of its own scale); 'headnorm': its q/k head norms
   */
  kind: 'matrix' | 'embedding' | 'norm' | 'bias' | 'sink' | 'coef' | 'router' | 'headnorm';
}

export function isGemma(arch: GeneratedArch): arch is 'gemma2' | 'gemma3' | 'gemma-embedding' {
  return arch === 'gemma2' || arch === 'gemma3' || arch === 'gemma-embedding';
}

/** The tensors of a model, in GGUF naming. */
export function tensorSpecs(arch: GeneratedArch, s: ModelShape): TensorSpec[] {
  if (arch === 'bert' || arch === 'xlm-roberta') return bertTensorSpecs(s);
  if (arch === 'starcoder2' || arch === 'gpt2') return layerNormDecoderSpecs(arch, s);
  if (arch === 'nomic-bert') return nomicTensorSpecs(s);
  if (isMoE(arch) && !s.moe) throw new Error(`${arch} is a Mixture of Experts: its shape needs moe`);
  if (!isMoE(arch) && s.moe) throw new Error(`${arch} is dense: its shape cannot have moe`);
  if (arch === 'qwen2moe' && !s.moe?.sharedFfn) throw new Error('qwen2moe needs moe.sharedFfn (its shared expert)');
  if (arch === 'gpt-oss') return gptOssTensorSpecs(s);
  if (arch === 'gemma3n') return gemma3nTensorSpecs(s);
  const hd = s.headDim ?? s.hiddenSize / s.nHeads;
  const q = s.nHeads * hd;
  const kv = s.nKVHeads * hd;
  const out: TensorSpec[] = [{ name: 'token_embd.weight', shape: [s.vocabSize, s.hiddenSize], kind: 'embedding' }];
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    // OLMo 2 norms block outputs only
    if (arch !== 'olmo2') out.push({ name: `${p}attn_norm.weight`, shape: [s.hiddenSize], kind: 'norm' });
    // Phi-3 stores Q, K and V as one matrix
    if (arch === 'phi3') out.push({ name: `${p}attn_qkv.weight`, shape: [q + 2 * kv, s.hiddenSize], kind: 'matrix' });
    else {
      out.push(
        { name: `${p}attn_q.weight`, shape: [q, s.hiddenSize], kind: 'matrix' },
        { name: `${p}attn_k.weight`, shape: [kv, s.hiddenSize], kind: 'matrix' },
        { name: `${p}attn_v.weight`, shape: [kv, s.hiddenSize], kind: 'matrix' },
      );
    }
    out.push({ name: `${p}attn_output.weight`, shape: [s.hiddenSize, q], kind: 'matrix' });
    if (arch === 'qwen2' || arch === 'qwen2moe') {
      out.push(
        { name: `${p}attn_q.bias`, shape: [q], kind: 'bias' },
        { name: `${p}attn_k.bias`, shape: [kv], kind: 'bias' },
        { name: `${p}attn_v.bias`, shape: [kv], kind: 'bias' },
      );
    }
    if (arch === 'qwen3' || arch === 'qwen3moe' || arch === 'gemma3' || arch === 'gemma-embedding') {
      out.push({ name: `${p}attn_q_norm.weight`, shape: [hd], kind: 'norm' }, { name: `${p}attn_k_norm.weight`, shape: [hd], kind: 'norm' });
    }
    // OLMo 2 and OLMoE norm all of Q and all of K
    if (arch === 'olmo2' || arch === 'olmoe') out.push({ name: `${p}attn_q_norm.weight`, shape: [q], kind: 'norm' }, { name: `${p}attn_k_norm.weight`, shape: [kv], kind: 'norm' });
    // Gemma and OLMo 2 norm each block's output
    const postNorms = isGemma(arch) || arch === 'olmo2';
    if (postNorms) out.push({ name: `${p}post_attention_norm.weight`, shape: [s.hiddenSize], kind: 'norm' });
    // OLMo 2 norms block outputs only; Command-R's FFN reads the attention's normed input
    if (arch !== 'olmo2' && arch !== 'command-r' && arch !== 'cohere2') out.push({ name: `${p}ffn_norm.weight`, shape: [s.hiddenSize], kind: 'norm' });
    out.push(...(s.moe ? moeSpecs(p, s.hiddenSize, s.moe) : ffnSpecs(arch, p, s)));
    if (postNorms) out.push({ name: `${p}post_ffw_norm.weight`, shape: [s.hiddenSize], kind: 'norm' });
  }
  out.push({ name: 'output_norm.weight', shape: [s.hiddenSize], kind: 'norm' });
  if (s.longRope) {
    const half = (s.headDim ?? s.hiddenSize / s.nHeads) / 2;
    out.push({ name: 'rope_factors_long.weight', shape: [half], kind: 'norm' }, { name: 'rope_factors_short.weight', shape: [half], kind: 'norm' });
  }
  // sentence-transformers' Dense modules after pooling (EmbeddingGemma): widen, then back
  if (s.dense) out.push({ name: 'dense_2.weight', shape: [s.dense, s.hiddenSize], kind: 'matrix' }, { name: 'dense_3.weight', shape: [s.hiddenSize, s.dense], kind: 'matrix' });
  // a decoder reranker's head as llama.cpp's converter writes Qwen3-Reranker: the yes/no rows
  if (s.classifierLabels) out.push({ name: 'cls.output.weight', shape: [s.classifierLabels, s.hiddenSize], kind: 'matrix' });
  if (!s.tiedEmbeddings) out.push({ name: 'output.weight', shape: [s.vocabSize, s.hiddenSize], kind: 'matrix' });
  return out;
}

/** A dense gated FFN (Phi-3's gate and up projections are one matrix, gate rows first) */
function ffnSpecs(arch: GeneratedArch, p: string, s: ModelShape): TensorSpec[] {
  const [h, f] = [s.hiddenSize, s.intermediateSize];
  const gateUp: TensorSpec[] =
    arch === 'phi3'
      ? [{ name: `${p}ffn_up.weight`, shape: [2 * f, h], kind: 'matrix' }]
      : [
          { name: `${p}ffn_gate.weight`, shape: [f, h], kind: 'matrix' },
          { name: `${p}ffn_up.weight`, shape: [f, h], kind: 'matrix' },
        ];
  return [...gateUp, { name: `${p}ffn_down.weight`, shape: [h, f], kind: 'matrix' }];
}

/** A 3-D tensor of all experts' gate, up or down matrices (llama.cpp's ffn_*_exps), [expert, rows, cols] */
export function isExpertTensor(name: string): boolean {
  return /\.ffn_(gate|up|down)_exps\.weight$/.test(name);
}

/**
 * A MoE block as llama.cpp names it: the router, each expert's gate/up/down stacked into 3-D
 * tensors, and Qwen2-MoE's shared expert with its 1-D gate (a sigmoid of one dot product)
 */
function moeSpecs(p: string, h: number, m: NonNullable<ModelShape['moe']>): TensorSpec[] {
  const { nExperts: e, expertFfn: f, sharedFfn: sf } = m;
  const out: TensorSpec[] = [
    { name: `${p}ffn_gate_inp.weight`, shape: [e, h], kind: 'matrix' },
    { name: `${p}ffn_gate_exps.weight`, shape: [e, f, h], kind: 'matrix' },
    { name: `${p}ffn_up_exps.weight`, shape: [e, f, h], kind: 'matrix' },
    { name: `${p}ffn_down_exps.weight`, shape: [e, h, f], kind: 'matrix' },
  ];
  if (sf) {
    out.push(
      { name: `${p}ffn_gate_inp_shexp.weight`, shape: [h], kind: 'matrix' },
      { name: `${p}ffn_gate_shexp.weight`, shape: [sf, h], kind: 'matrix' },
      { name: `${p}ffn_up_shexp.weight`, shape: [sf, h], kind: 'matrix' },
      { name: `${p}ffn_down_shexp.weight`, shape: [h, sf], kind: 'matrix' },
    );
  }
  return out;
}

/**
 * gpt-oss as llama.cpp's converter writes it (conversion/gpt_oss.py; src/models/openai-moe.cpp
 * loads them): biases on Q, K, V and the output projection, a sink logit per query head, the
 * pre-FFN norm as post_attention_norm, a router with a bias, and each expert tensor with a bias
 * per expert and row ([E, rows], F32 as the other biases).
 */
function gptOssTensorSpecs(s: ModelShape): TensorSpec[] {
  const h = s.hiddenSize;
  const hd = s.headDim ?? h / s.nHeads;
  const q = s.nHeads * hd, kv = s.nKVHeads * hd;
  const { nExperts: e, expertFfn: f } = s.moe!;
  const linear = (name: string, shape: number[]): TensorSpec[] => [
    { name: `${name}.weight`, shape, kind: 'matrix' },
    { name: `${name}.bias`, shape: shape.slice(0, -1), kind: 'bias' },
  ];
  for (const [what, width] of [['hidden', h], ['query', q], ['expert FFN', f]] as const) {
    if (width % 32 !== 0) throw new Error(`gpt-oss: the ${what} width ${width} is not a multiple of 32 (MXFP4 and Q8_0 rows are 32-element blocks)`);
  }
  const out: TensorSpec[] = [{ name: 'token_embd.weight', shape: [s.vocabSize, h], kind: 'embedding' }];
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    out.push(
      { name: `${p}attn_norm.weight`, shape: [h], kind: 'norm' },
      ...linear(`${p}attn_q`, [q, h]),
      ...linear(`${p}attn_k`, [kv, h]),
      ...linear(`${p}attn_v`, [kv, h]),
      ...linear(`${p}attn_output`, [h, q]),
      { name: `${p}attn_sinks.weight`, shape: [s.nHeads], kind: 'sink' },
      { name: `${p}post_attention_norm.weight`, shape: [h], kind: 'norm' },
      ...linear(`${p}ffn_gate_inp`, [e, h]),
      ...linear(`${p}ffn_gate_exps`, [e, f, h]),
      ...linear(`${p}ffn_up_exps`, [e, f, h]),
      ...linear(`${p}ffn_down_exps`, [e, h, f]),
    );
  }
  out.push({ name: 'output_norm.weight', shape: [h], kind: 'norm' }, { name: 'output.weight', shape: [s.vocabSize, h], kind: 'matrix' });
  return out;
}

/**
 * StarCoder2 and GPT-2 as llama.cpp names them: LayerNorm, a bias on every projection, an ungated
 * FFN; GPT-2 has a position table and one fused QKV matrix.
 */
function layerNormDecoderSpecs(arch: 'starcoder2' | 'gpt2', s: ModelShape): TensorSpec[] {
  const h = s.hiddenSize;
  const hd = s.headDim ?? h / s.nHeads;
  const q = s.nHeads * hd, kv = s.nKVHeads * hd;
  const linear = (name: string, rows: number, cols: number): TensorSpec[] => [
    { name: `${name}.weight`, shape: [rows, cols], kind: 'matrix' },
    { name: `${name}.bias`, shape: [rows], kind: 'bias' },
  ];
  const out: TensorSpec[] = [{ name: 'token_embd.weight', shape: [s.vocabSize, h], kind: 'embedding' }];
  if (arch === 'gpt2') out.push({ name: 'position_embd.weight', shape: [s.contextLength, h], kind: 'embedding' });
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    out.push(...layerNormSpecs(`${p}attn_norm`, h));
    if (arch === 'gpt2') out.push(...linear(`${p}attn_qkv`, q + 2 * kv, h));
    else out.push(...linear(`${p}attn_q`, q, h), ...linear(`${p}attn_k`, kv, h), ...linear(`${p}attn_v`, kv, h));
    out.push(...linear(`${p}attn_output`, h, q), ...layerNormSpecs(`${p}ffn_norm`, h), ...linear(`${p}ffn_up`, s.intermediateSize, h), ...linear(`${p}ffn_down`, h, s.intermediateSize));
  }
  out.push(...layerNormSpecs('output_norm', h));
  if (!s.tiedEmbeddings) out.push({ name: 'output.weight', shape: [s.vocabSize, h], kind: 'matrix' });
  return out;
}

/** A LayerNorm's weight and bias. */
function layerNormSpecs(name: string, width: number): TensorSpec[] {
  return [
    { name: `${name}.weight`, shape: [width], kind: 'norm' },
    { name: `${name}.bias`, shape: [width], kind: 'bias' },
  ];
}

/** A BERT-family encoder's input tables and their LayerNorm (a position table unless it rotates). */
function encoderEmbeddingSpecs(s: ModelShape, positions: boolean): TensorSpec[] {
  const h = s.hiddenSize;
  return [
    { name: 'token_embd.weight', shape: [s.vocabSize, h], kind: 'embedding' },
    { name: 'token_types.weight', shape: [s.typeVocabSize ?? 2, h], kind: 'embedding' },
    ...(positions ? [{ name: 'position_embd.weight', shape: [s.contextLength, h], kind: 'embedding' } as TensorSpec] : []),
    ...layerNormSpecs('token_embd_norm', h),
  ];
}

/** BERT as llama.cpp names it: learned positions and token types, LayerNorm after each block, biases everywhere. */
function bertTensorSpecs(s: ModelShape): TensorSpec[] {
  const h = s.hiddenSize;
  const f = s.intermediateSize;
  const linear = (name: string, rows: number, cols: number): TensorSpec[] => [
    { name: `${name}.weight`, shape: [rows, cols], kind: 'matrix' },
    { name: `${name}.bias`, shape: [rows], kind: 'bias' },
  ];
  const norm = (name: string) => layerNormSpecs(name, h);
  const out = encoderEmbeddingSpecs(s, true);
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    out.push(
      ...linear(`${p}attn_q`, h, h),
      ...linear(`${p}attn_k`, h, h),
      ...linear(`${p}attn_v`, h, h),
      ...linear(`${p}attn_output`, h, h),
      ...norm(`${p}attn_output_norm`),
      ...linear(`${p}ffn_up`, f, h),
      ...linear(`${p}ffn_down`, h, f),
      ...norm(`${p}layer_output_norm`),
    );
  }
  // a sequence classifier's head: BERT's pooler (dense + tanh on [CLS]) and the classifier, named as llama.cpp does
  if (s.classifierLabels) out.push(...linear('cls', h, h), ...linear('cls.output', s.classifierLabels, h));
  return out;
}

/** nomic-bert as llama.cpp names it: no position table (rotary), one fused QKV, SwiGLU, no biases. */
function nomicTensorSpecs(s: ModelShape): TensorSpec[] {
  const h = s.hiddenSize;
  const f = s.intermediateSize;
  const norm = (name: string) => layerNormSpecs(name, h);
  const out = encoderEmbeddingSpecs(s, false);
  for (let l = 0; l < s.nLayers; l++) {
    const p = `blk.${l}.`;
    out.push(
      { name: `${p}attn_qkv.weight`, shape: [3 * h, h], kind: 'matrix' },
      { name: `${p}attn_output.weight`, shape: [h, h], kind: 'matrix' },
      ...norm(`${p}attn_output_norm`),
      { name: `${p}ffn_up.weight`, shape: [f, h], kind: 'matrix' },
      { name: `${p}ffn_gate.weight`, shape: [f, h], kind: 'matrix' },
      { name: `${p}ffn_down.weight`, shape: [h, f], kind: 'matrix' },
      ...norm(`${p}layer_output_norm`),
    );
  }
  return out;
}

/**
 * LongRoPE's per-dimension divisors for a model of this shape (rope dims / 2 each): short factors
 * near 1, long ones growing with the dimension as Phi-3's do (its long factors reach ~60)
 */
export function longRopeFactors(s: ModelShape): { long: number[]; short: number[] } {
  const n = (s.headDim ?? s.hiddenSize / s.nHeads) / 2;
  return {
    short: Array.from({ length: n }, (_, i) => Math.fround(1 + (0.5 * i) / n)),
    long: Array.from({ length: n }, (_, i) => Math.fround(1 + (40 * i * i) / (n * n))),
  };
}

/** LongRoPE's magnitude as convert_hf_to_gguf computes it */
export function longRopeAttnFactor(s: ModelShape): number {
  const scale = s.contextLength / s.longRope!.originalContext;
  return scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(s.longRope!.originalContext)) : 1;
}

/**
 * Gemma 3n's text tensors as convert_hf_to_gguf writes them (conversion/gemma.py Gemma3NModel;
 * src/models/gemma3n.cpp loads them): the per-layer inputs, the AltUp projections stacked [3, D, D],
 * and per layer the Gemma 3 block plus AltUp, LAuReL and the per-layer input's gate and projection
 */
function gemma3nTensorSpecs(s: ModelShape): TensorSpec[] {
  const g = s.gemma3n;
  if (!g) throw new Error('gemma3n needs its shape\'s gemma3n section');
  const [d, f, n, a, r] = [s.hiddenSize, s.intermediateSize, s.nLayers, g.perLayerDim, g.laurelRank];
  const hd = s.headDim ?? d / s.nHeads;
  const out: TensorSpec[] = [
    { name: 'token_embd.weight', shape: [s.vocabSize, d], kind: 'embedding' },
    { name: 'per_layer_token_embd.weight', shape: [s.vocabSize, n * a], kind: 'embedding' },
    { name: 'per_layer_model_proj.weight', shape: [n * a, d], kind: 'matrix' },
    { name: 'per_layer_proj_norm.weight', shape: [a], kind: 'norm' },
    { name: 'altup_proj.weight', shape: [3, d, d], kind: 'matrix' },
    { name: 'altup_unembd_proj.weight', shape: [3, d, d], kind: 'matrix' },
  ];
  for (let l = 0; l < n; l++) {
    const p = `blk.${l}.`;
    out.push(
      { name: `${p}attn_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}attn_q.weight`, shape: [s.nHeads * hd, d], kind: 'matrix' },
      { name: `${p}attn_k.weight`, shape: [s.nKVHeads * hd, d], kind: 'matrix' },
      { name: `${p}attn_v.weight`, shape: [s.nKVHeads * hd, d], kind: 'matrix' },
      { name: `${p}attn_output.weight`, shape: [d, s.nHeads * hd], kind: 'matrix' },
      { name: `${p}attn_q_norm.weight`, shape: [hd], kind: 'headnorm' },
      { name: `${p}attn_k_norm.weight`, shape: [hd], kind: 'headnorm' },
      { name: `${p}post_attention_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}ffn_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}ffn_gate.weight`, shape: [f, d], kind: 'matrix' },
      { name: `${p}ffn_up.weight`, shape: [f, d], kind: 'matrix' },
      { name: `${p}ffn_down.weight`, shape: [d, f], kind: 'matrix' },
      { name: `${p}post_ffw_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}inp_gate.weight`, shape: [a, d], kind: 'matrix' },
      { name: `${p}proj.weight`, shape: [d, a], kind: 'matrix' },
      { name: `${p}post_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}altup_correct_coef.weight`, shape: [4, 4], kind: 'coef' },
      { name: `${p}altup_correct_scale.weight`, shape: [d], kind: 'norm' },
      { name: `${p}altup_predict_coef.weight`, shape: [16, 4], kind: 'coef' },
      { name: `${p}altup_router.weight`, shape: [4, d], kind: 'router' },
      { name: `${p}altup_router_norm.weight`, shape: [d], kind: 'norm' },
      { name: `${p}laurel_l.weight`, shape: [r, d], kind: 'matrix' },
      { name: `${p}laurel_r.weight`, shape: [d, r], kind: 'matrix' },
      { name: `${p}laurel_post_norm.weight`, shape: [d], kind: 'norm' },
    );
  }
  out.push({ name: 'output_norm.weight', shape: [d], kind: 'norm' });
  return out;
}
