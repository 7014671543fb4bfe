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

/** Qwen2's pattern without the contractions (UfakZeka: Turkish apostrophe suffixes stay in the word) */
export const UFAKZEKA_PATTERN = "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Jais 2: Llama 3's pattern with whitespace runs cut into 512, 256, ..., 4, 2 or 1 */
export const JAIS2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}";

/** BailingMoE, LLaDA-MoE: Qwen2's pattern with a single newline in whitespace pieces */
export const BAILINGMOE_PATTERN =
  "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";

/** Seed-Coder: single digits, punctuation runs without newlines */
export const SEED_CODER_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** EXAONE MoE: letters joined across single spaces, one newline or slash after punctuation */
export const EXAONE_MOE_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";

/** MiniCPM 5: numbers in threes, then Llama 3's pattern with whole numbers */
export const MINICPM5_PATTERNS = [
  '\\p{N}{1,3}',
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];

/** Spark 2.5: DeepSeek V3's lists with one newline per piece, then single digits */
export const SPARK2_5_PATTERNS = [
  '\\p{N}{1,3}',
  '[\\u4E00-\\u9FA5\\u3040-\\u309F\\u30A0-\\u30FF]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
  '\\p{N}',
];

/**
 * Youtu: Hangul, CJK punctuation, Bopomofo and CJK/kana runs first, then GPT-4o's shape with single
 * digits. llama.cpp reads \p{Lu}, \p{Ll}, \p{Lt}, \p{Lm} and \p{Lo} all as \p{L}, so they are written so.
 */
export const YOUTU_PATTERNS = [
  '[\\uAC00-\\uD7A3\\u3131-\\u318E]+|[\\uFF01\\u2026\\u201C\\u201D\\u2018\\u2019\\u2014\\uFF1A\\uFF1B\\uFF0C\\u3001-\\u303F\\uFE30-\\uFE4F]+|[\\u3105-\\u312F]+|[\\u4E00-\\u9FA5\\u3040-\\u309F\\u30A0-\\u30FF]+',
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]*[\\p{L}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+[\\p{L}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];

/** Poro, BLOOM, GPT-3 Finnish: an optional space and a run up to whitespace or sentence punctuation */
export const BLOOM_PATTERN = ' ?[^(\\s|.,!?\\u2026\\u3002\\uFF0C\\u3001\\u0964\\u06D4\\u060C)]+';

export const VIKING_PATTERNS = [BLOOM_PATTERN, '\\p{N}'];

/**
 * Tekken and GPT-4o as llama.cpp rewrites them: "a letter that is not a-z" stands for the upper and
 * title case classes, "a letter that is not A-Z" for the lower case ones (so every non-ASCII letter
 * is both).
 */
export const TEKKEN_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const GPT4O_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Granite embedding (multilingual, 97M): GPT-4o's pattern with combining marks kept in words */
export const GRANITE_EMB_MULTI_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * llama.cpp's AFMoE digit splitter: a run of numbers is cut into threes from the right (1234567 ->
 * 1, 234, 567), and the text before a run stays in one piece with the run's first group
 * ("ab 1234" -> "ab 1", "234"). The look-behind only lets a piece start at the text's start or
 * after a number, which keeps the scan linear.
 */
const DIGITS_IN_THREES_FROM_RIGHT = '(?<![^\\p{N}])(?:(?!\\p{N})[\\s\\S])*\\p{N}{1,3}(?=(?:\\p{N}{3})*(?!\\p{N}))';

/** Tiny Aya, Cohere2 MoE: numbers in threes from the right, then GPT-4o's shape (\p{Lu} etc. read as \p{L}) */
export const TINY_AYA_PATTERNS = [
  DIGITS_IN_THREES_FROM_RIGHT,
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]*[\\p{L}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+[\\p{L}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];

/** AFMoE: numbers in threes from the right, CJK and South-East Asian script runs, then DeepSeek V3's third list */
export const AFMOE_PATTERNS = [
  DIGITS_IN_THREES_FROM_RIGHT,
  // llama-vocab.cpp's ranges as its source bytes spell them (its third range starts at U+8C48)
  '[\\u4E00-\\u9FFF\\u3400-\\u4DBF\\u8C48-\\uFAFF\\u3040-\\u309F\\u30A0-\\u30FF\\uFF65-\\uFF9F\\u2F00-\\u2FDF\\u0E40-\\u0E7F\\u0E80-\\u0EFF\\u1780-\\u17FF\\u1000-\\u109F\\uAA60-\\uAA7F\\uA9E0-\\uA9FF\\uAC00-\\uD7AF\\u1100-\\u11FF]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];

/** Laguna: newline runs apart, then Qwen2's pattern */
export const LAGUNA_PATTERNS = ['[^\\n]+|[\\n]+', QWEN2_PATTERN];

/**
 * SuperBPE: whole numbers, then cuts before every run of ASCII digits whose length is a multiple
 * of three and that ends the number (llama.cpp's zero-width split "(?=(\d{3})+(?!\d))", written as
 * the pieces between the cuts).
 */
export const SUPERBPE_PATTERNS = ['\\p{N}+', '[\\s\\S](?:(?!(?:[0-9]{3})+(?![0-9]))[\\s\\S])*'];

/** Kimi K2 (llama.cpp's hand-written splitter): Han runs apart, words without Han, numbers in threes */
const HAN = '\\u4E00-\\u9FFF\\u3400-\\u4DBF\\u{20000}-\\u{2A6DF}\\u{2A700}-\\u{2EBEF}\\uF900-\\uFAFF\\u{2F800}-\\u{2FA1F}';
export const KIMI_K2_PATTERN = `[${HAN}]+|[^\\r\\n\\p{L}\\p{N}]?(?:(?![${HAN}])\\p{L})+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;

/** Chameleon: sentinel and image tokens, whitespace runs, single digits, single punctuation, then GPT-2's */
export const CHAMELEON_PATTERNS = [
  '<sentinel:[0-9]+>',
  '(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z',
  '([\\t\\n]|    |  )',
  '\\p{N}',
  '[\\p{P}!-/:-@\\[-`{-~]',
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
];

export interface GgufPreTokenizer {
  patterns: readonly string[];
  /** Llama 3 style: a word found whole in the vocabulary skips the merges */
  ignoreMerges: boolean;
  /** BOS is added unless tokenizer.ggml.add_bos_token says otherwise (llama.cpp's add_bos) */
  addBos?: boolean;
}

const LLAMA3: GgufPreTokenizer = { patterns: [LLAMA3_PATTERN], ignoreMerges: true, addBos: true };
/** DBRX, Smaug, GLM-4: Llama 3's pattern, merges as usual */
const LLAMA3_MERGED: GgufPreTokenizer = { patterns: [LLAMA3_PATTERN], ignoreMerges: false };
const QWEN2: GgufPreTokenizer = { patterns: [QWEN2_PATTERN], ignoreMerges: false };
const GPT2: GgufPreTokenizer = { patterns: [GPT2_PATTERN], ignoreMerges: false };
const STARCODER: GgufPreTokenizer = { patterns: STARCODER_PATTERNS, ignoreMerges: false };
const DEEPSEEK_V3: GgufPreTokenizer = { patterns: DEEPSEEK_V3_PATTERNS, ignoreMerges: false };
const BLOOM: GgufPreTokenizer = { patterns: [BLOOM_PATTERN], ignoreMerges: false };
const BAILINGMOE: GgufPreTokenizer = { patterns: [BAILINGMOE_PATTERN], ignoreMerges: false };
const GPT4O: GgufPreTokenizer = { patterns: [GPT4O_PATTERN], ignoreMerges: false };
const TINY_AYA: GgufPreTokenizer = { patterns: TINY_AYA_PATTERNS, ignoreMerges: false };

/** `tokenizer.ggml.pre` value -> pre-tokenizer, for the families ix supports */
export const GGUF_PRE_TOKENIZERS: Readonly<Record<string, GgufPreTokenizer>> = {
  default: { patterns: LLAMA_CPP_DEFAULT_PATTERNS, ignoreMerges: false },
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'llama-bpe': LLAMA3,
  falcon3: LLAMA3,
  'falcon-h1': LLAMA3,
  pixtral: LLAMA3,
  'midm-2.0': LLAMA3,
  lfm2: LLAMA3,
  'jina-v5-nano': LLAMA3,
  dbrx: LLAMA3_MERGED,
  'smaug-bpe': LLAMA3_MERGED,
  glm4: LLAMA3_MERGED,
  'chatglm-bpe': LLAMA3_MERGED,
  'jais-2': { patterns: [JAIS2_PATTERN], ignoreMerges: false },
  qwen2: QWEN2,
  'deepseek-r1-qwen': QWEN2,
  stablelm2: QWEN2,
  kormo: QWEN2,
  f2llmv2: QWEN2,
  megrez: QWEN2,
  hunyuan: QWEN2,
  'solar-open': QWEN2,
  'grok-2': QWEN2,
  laguna: { patterns: LAGUNA_PATTERNS, ignoreMerges: false },
  ufakzeka: { patterns: [UFAKZEKA_PATTERN], ignoreMerges: false },
  bailingmoe: BAILINGMOE,
  bailingmoe2: BAILINGMOE,
  'llada-moe': BAILINGMOE,
  'seed-coder': { patterns: [SEED_CODER_PATTERN], ignoreMerges: false },
  'exaone-moe': { patterns: [EXAONE_MOE_PATTERN], ignoreMerges: false },
  minicpm5: { patterns: MINICPM5_PATTERNS, ignoreMerges: true },
  'deepseek-v3': DEEPSEEK_V3,
  'hunyuan-dense': DEEPSEEK_V3,
  hy_v4: DEEPSEEK_V3,
  'joyai-llm': DEEPSEEK_V3,
  spark2_5: { patterns: SPARK2_5_PATTERNS, ignoreMerges: false },
  afmoe: { patterns: AFMOE_PATTERNS, ignoreMerges: false },
  youtu: { patterns: YOUTU_PATTERNS, ignoreMerges: true },
  'kimi-k2': { patterns: [KIMI_K2_PATTERN], ignoreMerges: false },
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
  jais: GPT2,
  trillion: GPT2,
  'granite-docling': GPT2,
  // llama.cpp also sets add_sep for these three, which its tokenizer does not read (only pair formatting)
  'jina-v1-en': GPT2,
  'jina-v2-code': GPT2,
  'roberta-bpe': GPT2,
  'gpt-4o': GPT4O,
  llama4: GPT4O,
  kanana2: GPT4O,
  talkie: GPT4O,
  'minimax-m2': GPT4O,
  'granite-embed-multi-97m': { patterns: [GRANITE_EMB_MULTI_PATTERN], ignoreMerges: true },
  tekken: { patterns: [TEKKEN_PATTERN], ignoreMerges: true, addBos: true },
  tiny_aya: TINY_AYA,
  cohere2moe: TINY_AYA,
  superbpe: { patterns: SUPERBPE_PATTERNS, ignoreMerges: false },
  'poro-chat': BLOOM,
  bloom: BLOOM,
  'gpt3-finnish': BLOOM,
  viking: { patterns: VIKING_PATTERNS, ignoreMerges: false },
  chameleon: { patterns: CHAMELEON_PATTERNS, ignoreMerges: false, addBos: true },
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
