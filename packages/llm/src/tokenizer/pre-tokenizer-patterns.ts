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

/** Qwen3.5: Qwen2's pattern with combining marks kept in words */
export const QWEN35_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** GPT-2's pattern as llama.cpp lists it for most families (no final \s+: a gap is a piece anyway) */
const GPT2_LLAMA_CPP = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

/** StarCoder, Refact, Command-R, SmolLM, CodeShell, EXAONE, Minerva: every digit alone, then GPT-2's */
export const STARCODER_PATTERNS = ['\\p{N}', GPT2_LLAMA_CPP];

export const FALCON_PATTERNS = ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2_LLAMA_CPP, '[0-9][0-9][0-9]'];

/** DeepSeek Coder (llama-vocab.cpp's list, its non-ASCII ranges spelled as escapes) */
export const DEEPSEEK_CODER_PATTERNS = ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+', '\\p{N}'];

/** DeepSeek LLM (llama-vocab.cpp's list: Latin/Greek/Cyrillic/... letters, ASCII and full-width punctuation, CJK, digits) */
export const DEEPSEEK_LLM_PATTERNS = [
  '[\r\n]',
  '\\s?[A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA\\u01BC-\\u01BF\\u01C4-\\u0293\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F\\u0386\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F\\u0531-\\u0556\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF\\u1D00-\\u1D2B\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45\\u1F48-\\u1F4D\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC\\u1FBE\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\u{10400}-\\u{1044F}\\u{104B0}-\\u{104D3}\\u{104D8}-\\u{104FB}\\u{10C80}-\\u{10CB2}\\u{10CC0}-\\u{10CF2}\\u{118A0}-\\u{118DF}\\u{1E900}-\\u{1E943}]+',
  '\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002]+',
  '\\s+$',
  '[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+',
  '\\p{N}+',
];

export interface GgufPreTokenizer {
  patterns: readonly string[];
  /** Llama 3 style: a word found whole in the vocabulary skips the merges */
  ignoreMerges: boolean;
}

const LLAMA3: GgufPreTokenizer = { patterns: [LLAMA3_PATTERN], ignoreMerges: true };
const QWEN2: GgufPreTokenizer = { patterns: [QWEN2_PATTERN], ignoreMerges: false };
const GPT2: GgufPreTokenizer = { patterns: [GPT2_PATTERN], ignoreMerges: false };
const STARCODER: GgufPreTokenizer = { patterns: STARCODER_PATTERNS, ignoreMerges: false };

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
  'jina-es': GPT2,
  'jina-de': GPT2,
  'jina-v2-es': GPT2,
  'jina-v2-de': GPT2,
  gigachat: GPT2,
  'a.x-4.0': GPT2,
  mellum: GPT2,
  'modern-bert': GPT2,
  exaone4: GPT2,
  qwen35: { patterns: [QWEN35_PATTERN], ignoreMerges: false },
  starcoder: STARCODER,
  refact: STARCODER,
  'command-r': STARCODER,
  smollm: STARCODER,
  codeshell: STARCODER,
  exaone: STARCODER,
  'minerva-7b': STARCODER,
  mellum2: STARCODER,
  falcon: { patterns: FALCON_PATTERNS, ignoreMerges: false },
  'deepseek-coder': { patterns: DEEPSEEK_CODER_PATTERNS, ignoreMerges: false },
  'deepseek-llm': { patterns: DEEPSEEK_LLM_PATTERNS, ignoreMerges: false },
};
