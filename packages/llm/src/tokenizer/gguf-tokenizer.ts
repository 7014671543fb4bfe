/**
 * tokenizerFromGGUF: builds a Tokenizer from GGUF metadata (flat keys as stored in the file, e.g.
 * "tokenizer.ggml.tokens"). tokenizer.ggml.model selects the algorithm, as in llama.cpp:
 * 'llama' = SentencePiece BPE, 'gpt2' = byte-level BPE with the pre-tokenizer named by
 * tokenizer.ggml.pre, 'bert' = WordPiece (GGUF marks word starts with U+2581 instead of
 * marking continuations with "##"), 't5' = SentencePiece Unigram (T5, XLM-RoBERTa), 'whitespace' =
 * BPE over raw UTF-8 within whitespace-separated words (jina-embeddings-v2-base-zh).
 */
import type { AddedToken } from './added-tokens.js';
import { fromByteLevel, toByteLevel } from './byte-level.js';
import { rankedBpe, wordPiece } from './bpe-models.js';
import { cleanUpTokenization } from './detokenize.js';
import { bertNormalizer } from './hf/normalizers.js';
import { compileOniguruma } from './oniguruma-regex.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';
import { GGUF_PRE_TOKENIZERS } from './pre-tokenizer-patterns.js';
import { splitText } from './regex-split.js';
import { sentencePieceTokenizer, SPACE_MARK } from './sentencepiece-tokenizer.js';
import { unigramTokenizer } from './unigram-tokenizer.js';
import { findStopTokens } from './stop-tokens.js';
import { TokenType } from './token-types.js';
import { BERT_PUNCTUATION_CLASS } from './text-classes.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';

const K = 'tokenizer.ggml.';

/** The GGUF tokenizer models (tokenizer.ggml.model) and pre-tokenizers (tokenizer.ggml.pre) ix reads. */
export const GGUF_TOKENIZER_MODELS = ['llama', 'gpt2', 'bert', 't5', 'gemma4', 'whitespace'] as const;
/**
 * the pre-tokenizer names of byte-level vocabularies, the two that run a "gpt2" vocabulary
 * SentencePiece-style, and the one that goes with the 'whitespace' model
 */
export const GGUF_PRE_TOKENIZER_NAMES: readonly string[] = [...Object.keys(GGUF_PRE_TOKENIZERS), 'granite-embed-multi-311m', 'sarvam-moe', 'whitespace'];

export function tokenizerFromGGUF(metadata: Record<string, unknown>): Tokenizer {
  const model = metadata[K + 'model'];
  const tokens = stringArray(metadata, 'tokens');
  const n = tokens.length;
  const types = numberArray(metadata, 'token_type', n) ?? new Array<number>(n).fill(TokenType.NORMAL);
  const bos = tokenId(metadata, 'bos_token_id', n);
  const eos = tokenId(metadata, 'eos_token_id', n);
  const unk = tokenId(metadata, 'unknown_token_id', n);
  const eot = tokenId(metadata, 'eot_token_id', n);
  switch (model) {
    case 'llama':
      return sentencePieceTokenizer(
        {
          pieces: tokens,
          scores: numberArray(metadata, 'scores', n) ?? new Array<number>(n).fill(0),
          types,
          bos,
          eos,
          unk,
          eot,
          addBos: flag(metadata, 'add_bos_token') ?? true,
          addEos: flag(metadata, 'add_eos_token') ?? false,
          addSpacePrefix: flag(metadata, 'add_space_prefix') ?? true,
        },
        'GGUF tokenizer',
      );
    case 'gpt2': {
      // BPE vocabularies that llama.cpp runs SentencePiece-style (raw UTF-8, spaces as U+2581)
      const pre = metadata[K + 'pre'];
      if (pre === 'granite-embed-multi-311m' || pre === 'sarvam-moe') return spaceMarkBpeTokenizer(metadata, tokens, types, { bos, eos, eot }, pre === 'granite-embed-multi-311m');
      return byteLevelTokenizer(metadata, tokens, types, { bos, eos, eot });
    }
    case 'gemma4':
      return spaceMarkBpeTokenizer(metadata, tokens, types, { bos, eos, eot }, true);
    case 'whitespace':
      return whitespaceBpeTokenizer(metadata, tokens, types, { bos, eos, eot });
    case 'bert':
      return bertTokenizer(metadata, tokens, types, { unk });
    case 't5': {
      // llama.cpp's defaults for UGM vocabularies: EOS 1, UNK 2, EOS added, no space prefix unless stated.
      // XLM-RoBERTa (convert_hf_to_gguf reads its RobertaProcessing) also adds a separator inside a
      // pair: llama.cpp frames a rerank pair as <s> query </s> </s> document </s>
      const sep = tokenId(metadata, 'seperator_token_id', n);
      return unigramTokenizer(
        {
          pieces: tokens,
          scores: numberArray(metadata, 'scores', n) ?? new Array<number>(n).fill(0),
          types,
          bos,
          eos: eos ?? (n > 1 ? 1 : undefined),
          unk: unk ?? 2,
          eot,
          addBos: flag(metadata, 'add_bos_token') ?? false,
          addEos: flag(metadata, 'add_eos_token') ?? true,
          addSpacePrefix: flag(metadata, 'add_space_prefix') ?? false,
          removeExtraWhitespace: flag(metadata, 'remove_extra_whitespaces') ?? false,
          charsmap: byteArray(metadata, 'precompiled_charsmap'),
          ...(flag(metadata, 'add_sep_token') && sep !== undefined && { pairSeparator: [sep] }),
        },
        'GGUF tokenizer',
      );
    }
    default:
      throw new TokenizerError(`GGUF tokenizer.ggml.model ${JSON.stringify(model)} is not supported (${GGUF_TOKENIZER_MODELS.join(', ')})`);
  }
}

function byteLevelTokenizer(
  metadata: Record<string, unknown>,
  tokens: string[],
  types: ArrayLike<number>,
  ids: { bos?: number; eos?: number; eot?: number },
): Tokenizer {
  const preName = metadata[K + 'pre'] === undefined ? 'default' : String(metadata[K + 'pre']);
  const pre = GGUF_PRE_TOKENIZERS[preName];
  if (!pre) {
    throw new TokenizerError(`GGUF tokenizer.ggml.pre ${JSON.stringify(preName)} is not supported (${Object.keys(GGUF_PRE_TOKENIZERS).join(', ')})`);
  }
  const patterns = pre.patterns.map((p) => compileOniguruma(p));
  const merges = ggufMerges(metadata);
  const { vocab, addedTokens, specialIds } = classify(tokens, types);
  const addBos = flag(metadata, 'add_bos_token') ?? pre.addBos ?? false; // llama.cpp: Llama 3, Tekken and Chameleon vocabularies add BOS
  const addEos = flag(metadata, 'add_eos_token') ?? false;
  const plainText = new Set(addedTokens.map((t) => t.id));
  return new PipelineTokenizer({
    pieces: tokens,
    addedTokens,
    specialIds,
    preTokenize: (text) =>
      patterns.reduce<string[]>((words, re) => words.flatMap((w) => splitText(w, re, 'isolated')), [text]).map(toByteLevel),
    model: rankedBpe({ vocab, merges, ignoreMerges: pre.ignoreMerges }),
    addSpecial: (seq) => [
      ...(addBos && ids.bos !== undefined ? [ids.bos] : []),
      ...seq,
      ...(addEos && ids.eos !== undefined ? [ids.eos] : []),
    ],
    renderer: {
      render: (id) => (plainText.has(id) ? tokens[id] : fromByteLevel(tokens[id])),
      cleanup: false,
    },
    ...ids,
    ...findStopTokens(ids.eos, (p) => vocab.get(p), ids.eot),
  });
}

/**
 * Gemma 4's tokenizer (GGUF model "gemma4"; also the `granite-embed-multi-311m` and `sarvam-moe`
 * pre-tokenizers of a "gpt2" vocabulary), as llama.cpp runs it: spaces become U+2581, the text is cut
 * into runs of newlines and runs of anything else, a newline run that is a token stays whole, the
 * rest is merged by the BPE merges from single characters, and a piece outside the vocabulary
 * becomes its bytes' <0xXX> tokens. No byte-level alphabet. Gemma 4's own pre-tokenizer always adds
 * BOS (llama.cpp overrides add_bos_token for it).
 */
function spaceMarkBpeTokenizer(
  metadata: Record<string, unknown>,
  tokens: string[],
  types: ArrayLike<number>,
  ids: { bos?: number; eos?: number; eot?: number },
  alwaysBos: boolean,
): Tokenizer {
  const merges = ggufMerges(metadata);
  const { vocab, addedTokens, specialIds } = classify(tokens, types);
  const bpe = rankedBpe({ vocab, merges, byteFallback: true });
  const addBos = alwaysBos || (flag(metadata, 'add_bos_token') ?? false);
  const addEos = flag(metadata, 'add_eos_token') ?? false;
  const byteValue = byteTokenValues(tokens, types);
  return new PipelineTokenizer({
    pieces: tokens,
    addedTokens,
    specialIds,
    normalize: (text) => text.replaceAll(' ', SPACE_MARK),
    preTokenize: (text) => text.match(/[^\n]+|\n+/g) ?? [],
    model: (word) => {
      const whole = word.startsWith('\n') ? vocab.get(word) : undefined;
      return whole !== undefined ? [whole] : bpe(word);
    },
    addSpecial: (seq) => [...(addBos && ids.bos !== undefined ? [ids.bos] : []), ...seq, ...(addEos && ids.eos !== undefined ? [ids.eos] : [])],
    renderer: {
      render: (id) => (byteValue[id]! >= 0 ? Uint8Array.of(byteValue[id]!) : specialIds.has(id) ? tokens[id]! : tokens[id]!.replaceAll(SPACE_MARK, ' ')),
      cleanup: false,
    },
    ...ids,
    ...findStopTokens(ids.eos, (p) => vocab.get(p), ids.eot),
  });
}

/**
 * The 'whitespace' model (jina-embeddings-v2-base-zh: convert_hf_to_gguf writes it for a BPE
 * vocabulary whose tokenizer.json pre-tokenizer is `Whitespace`), as llama.cpp runs it: whitespace
 * (Unicode White_Space) only separates words and is dropped, each word is lowercased code point by
 * code point when tokenizer.ggml.normalizer.lowercase says so, merged by the BPE merges from single
 * characters over raw UTF-8 (no byte-level alphabet), and a piece outside the vocabulary becomes its
 * bytes' <0xXX> tokens. Decoding joins the pieces as they are (whitespace is gone; llama.cpp's
 * detokenizer reads these pieces as byte-level text instead, which garbles all but ASCII).
 */
function whitespaceBpeTokenizer(
  metadata: Record<string, unknown>,
  tokens: string[],
  types: ArrayLike<number>,
  ids: { bos?: number; eos?: number; eot?: number },
): Tokenizer {
  const merges = ggufMerges(metadata);
  const { vocab, addedTokens, specialIds } = classify(tokens, types);
  const bpe = rankedBpe({ vocab, merges, byteFallback: true });
  const lowercase = flag(metadata, 'normalizer.lowercase') ?? false;
  const addBos = flag(metadata, 'add_bos_token') ?? false;
  const addEos = flag(metadata, 'add_eos_token') ?? false;
  const byteValue = byteTokenValues(tokens, types);
  return new PipelineTokenizer({
    pieces: tokens,
    addedTokens,
    specialIds,
    preTokenize: (text) => (text.match(/\P{White_Space}+/gu) ?? []).map((w) => (lowercase ? simpleLowercase(w) : w)),
    model: bpe,
    addSpecial: (seq) => [...(addBos && ids.bos !== undefined ? [ids.bos] : []), ...seq, ...(addEos && ids.eos !== undefined ? [ids.eos] : [])],
    renderer: {
      render: (id) => (byteValue[id]! >= 0 ? Uint8Array.of(byteValue[id]!) : tokens[id]!),
      cleanup: false,
    },
    ...ids,
    ...findStopTokens(ids.eos, (p) => vocab.get(p), ids.eot),
  });
}

/** the byte each <0xXX> byte token stands for, -1 for other tokens */
function byteTokenValues(tokens: readonly string[], types: ArrayLike<number>): Int16Array {
  const byteValue = new Int16Array(tokens.length).fill(-1);
  tokens.forEach((t, id) => {
    const m = types[id] === TokenType.BYTE ? /^<0x([0-9A-F]{2})>$/.exec(t) : null;
    if (m) byteValue[id] = parseInt(m[1]!, 16);
  });
  return byteValue;
}

/**
 * Lowercase by each code point's simple mapping (UnicodeData's, llama.cpp's unicode_tolower):
 * no context (a final Σ stays σ) and one code point for one (İ is i, not i + U+0307)
 */
function simpleLowercase(word: string): string {
  let out = '';
  for (const ch of word) {
    const lower = ch.toLowerCase();
    out += ch === '\u0130' ? 'i' : [...lower].length === 1 ? lower : ch;
  }
  return out;
}

function bertTokenizer(metadata: Record<string, unknown>, tokens: string[], types: ArrayLike<number>, ids: { unk?: number }): Tokenizer {
  // back to HF WordPiece pieces (undoing convert_hf_to_gguf): "▁word" starts a word, "[...]" was
  // kept as is, any other piece continues a word ("##piece")
  const pieces = tokens.map((t, id) =>
    types[id] !== TokenType.NORMAL || /^\[.*\]$/.test(t) ? t : t.startsWith(SPACE_MARK) ? t.slice(SPACE_MARK.length) : '##' + t,
  );
  const { vocab, addedTokens, specialIds } = classify(pieces, types);
  const unk = ids.unk ?? vocab.get('[UNK]');
  if (unk === undefined) throw new TokenizerError('GGUF bert tokenizer has no unknown token');
  const cls = tokenId(metadata, 'cls_token_id', tokens.length) ?? tokenId(metadata, 'bos_token_id', tokens.length);
  const sep = tokenId(metadata, 'seperator_token_id', tokens.length) ?? tokenId(metadata, 'eos_token_id', tokens.length);
  const words = new RegExp(`[^\\p{White_Space}${BERT_PUNCTUATION_CLASS}]+|[${BERT_PUNCTUATION_CLASS}]`, 'gu');
  return new PipelineTokenizer({
    pieces,
    addedTokens,
    specialIds,
    // convert_hf_to_gguf writes the normalizer's flags (cased models: lowercase false); absent, BERT's defaults
    normalize: bertNormalizer({
      cleanText: true,
      handleChineseChars: true,
      lowercase: flag(metadata, 'normalizer.lowercase') ?? true,
      stripAccents: flag(metadata, 'normalizer.strip_accents') ?? null,
    }),
    preTokenize: (text) => text.match(words) ?? [],
    model: wordPiece({ vocab, unkId: unk, continuingPrefix: '##', maxCharsPerWord: 100 }),
    addSpecial: (seq) => [...(cls !== undefined ? [cls] : []), ...seq, ...(sep !== undefined ? [sep] : [])],
    renderer: {
      // HF's WordPiece decoder: continuation pieces join the previous one, others get a space
      render: (id, index) => {
        const p = pieces[id];
        return cleanUpTokenization(index > 0 ? (p.startsWith('##') ? p.slice(2) : ' ' + p) : p);
      },
      cleanup: true,
    },
    stopIds: sep !== undefined ? [sep] : [],
  });
}

/** tokenizer.ggml.merges as [left, right] pairs ("left right", the left part may start with a space) */
function ggufMerges(metadata: Record<string, unknown>): (readonly [string, string])[] {
  return stringArray(metadata, 'merges').map((m, i) => {
    const space = m.indexOf(' ', 1);
    if (space < 0) throw new TokenizerError(`GGUF tokenizer.ggml.merges[${i}] is not "left right": ${JSON.stringify(m)}`);
    return [m.slice(0, space), m.slice(space + 1)] as const;
  });
}

/** vocabulary lookup plus the added tokens: control/unknown are special, user-defined are not */
function classify(pieces: readonly string[], types: ArrayLike<number>) {
  const vocab = new Map<string, number>();
  const addedTokens: AddedToken[] = [];
  const specialIds = new Set<number>();
  pieces.forEach((piece, id) => {
    if (!vocab.has(piece)) vocab.set(piece, id);
    const type = types[id];
    if (type === TokenType.CONTROL || type === TokenType.UNKNOWN) {
      specialIds.add(id);
      addedTokens.push({ id, content: piece, special: true });
    } else if (type === TokenType.USER_DEFINED) {
      addedTokens.push({ id, content: piece, special: false });
    }
  });
  return { vocab, addedTokens, specialIds };
}

function stringArray(metadata: Record<string, unknown>, key: string): string[] {
  const v = metadata[K + key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new TokenizerError(`GGUF metadata ${K + key} is missing or not an array of strings`);
  }
  return v;
}

function numberArray(metadata: Record<string, unknown>, key: string, n: number): ArrayLike<number> | undefined {
  const v = metadata[K + key];
  if (v === undefined) return undefined;
  const ok = (Array.isArray(v) || ArrayBuffer.isView(v)) && (v as ArrayLike<unknown>).length === n;
  if (!ok || !Array.from(v as ArrayLike<unknown>).every((x) => typeof x === 'number')) {
    throw new TokenizerError(`GGUF metadata ${K + key} must be ${n} numbers (one per token)`);
  }
  return v as ArrayLike<number>;
}

function tokenId(metadata: Record<string, unknown>, key: string, n: number): number | undefined {
  const v = metadata[K + key];
  if (v === undefined) return undefined;
  const id = typeof v === 'bigint' ? Number(v) : v;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new TokenizerError(`GGUF metadata ${K + key} is not an integer`);
  // llama.cpp writes -1 / 0xFFFFFFFF for "no such token"
  return id >= 0 && id < n ? id : undefined;
}

function flag(metadata: Record<string, unknown>, key: string): boolean | undefined {
  const v = metadata[K + key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new TokenizerError(`GGUF metadata ${K + key} is not a boolean`);
  return v;
}

/** an INT8/UINT8 array (precompiled_charsmap) as bytes, or undefined when absent */
function byteArray(metadata: Record<string, unknown>, key: string): Uint8Array | undefined {
  const v = metadata[K + key];
  if (v === undefined) return undefined;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return new Uint8Array(Array.from(v as unknown as ArrayLike<number>, (x) => x & 0xff));
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= -128 && x <= 255)) return Uint8Array.from(v, (x) => x & 0xff);
  throw new TokenizerError(`GGUF metadata ${K + key} is not an array of bytes`);
}
