/**
 * Pre-tokenizer split patterns of the byte-level BPE families, as written in their tokenizer.json
 * files, and the names llama.cpp stores in GGUF `tokenizer.ggml.pre` (llama-vocab.cpp). Each
 * family is a list of patterns applied one after the other; every match and every gap between
 * matches becomes its own piece (HF "Isolated").
 */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Qwen2/Qwen3: Llama 3's pattern with single digits */
export const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const DEEPSEEK_V3_PATTERNS = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
];

/** llama.cpp's fallback when a GGUF names no known pre-tokenizer ("default") */
export const LLAMA_CPP_DEFAULT_PATTERNS = [
  '[\\p{P}\\$\\+<=>\\^~\\|]+',
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
  '\\p{N}+',
  '[0-9][0-9][0-9]',
];

export interface GgufPreTokenizer {
  patterns: readonly string[];
  /** Llama 3 style: a word found whole in the vocabulary skips the merges */
  ignoreMerges: boolean;
}

const LLAMA3: GgufPreTokenizer = { patterns: [LLAMA3_PATTERN], ignoreMerges: true };
const QWEN2: GgufPreTokenizer = { patterns: [QWEN2_PATTERN], ignoreMerges: false };
const GPT2: GgufPreTokenizer = { patterns: [GPT2_PATTERN], ignoreMerges: false };

/** `tokenizer.ggml.pre` value -> pre-tokenizer, for the families ix supports */
export const GGUF_PRE_TOKENIZERS: Readonly<Record<string, GgufPreTokenizer>> = {
  default: { patterns: LLAMA_CPP_DEFAULT_PATTERNS, ignoreMerges: false },
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'llama-bpe': LLAMA3,
  falcon3: LLAMA3,
  qwen2: QWEN2,
  'deepseek-r1-qwen': QWEN2,
  stablelm2: QWEN2,
  'deepseek-v3': { patterns: DEEPSEEK_V3_PATTERNS, ignoreMerges: false },
  'gpt-2': GPT2,
  gpt2: GPT2,
  'phi-2': GPT2,
  olmo: GPT2,
  mpt: GPT2,
};
