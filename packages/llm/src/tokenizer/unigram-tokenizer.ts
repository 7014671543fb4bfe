/**
 * SentencePiece Unigram, as llama.cpp runs its "t5" (UGM) vocabularies: T5, XLM-RoBERTa (bge-m3,
 * multilingual-e5), mT5. Text is normalized by the model's precompiled character map (the XCDA
 * trie SentencePiece ships, e.g. nmt_nfkc), spaces become U+2581 (one is prepended with
 * add_space_prefix, runs are merged with remove_extra_whitespaces), then the segmentation with the
 * highest sum of piece scores wins (Viterbi over UTF-8 bytes, as llama.cpp's llm_tokenizer_ugm);
 * a character no piece covers is the unknown token, scored below every piece, and runs of unknown
 * tokens merge into one.
 */
import type { AddedToken } from './added-tokens.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';
import { SPACE_MARK } from './sentencepiece-tokenizer.js';
import { findStopTokens } from './stop-tokens.js';
import { TokenType } from './token-types.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';

export interface UnigramVocab {
  pieces: readonly string[];
  scores: ArrayLike<number>;
  /** TokenType per id */
  types: ArrayLike<number>;
  bos?: number;
  eos?: number;
  unk: number;
  eot?: number;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  removeExtraWhitespace: boolean;
  /** SentencePiece's precompiled_charsmap (normalizer_spec), if the model has one */
  charsmap?: Uint8Array;
  /**
   * keep each position's best path score in float32, as SentencePiece itself does (its .model
   * files; measured: exact on every corpus string, where rounding each sum to float32 is not);
   * llama.cpp keeps doubles. They differ only where segmentations tie (the same pieces reordered)
   */
  float32Sums?: boolean;
  /** the special tokens around a text, when not just BOS/EOS as addBos/addEos say (a tokenizer.json post-processor) */
  addSpecial?: (ids: number[]) => number[];
  /** see Tokenizer.pairSeparator */
  pairSeparator?: readonly number[];
}

const utf8 = new TextEncoder();
const SPACE = utf8.encode(SPACE_MARK);
const REPLACEMENT = utf8.encode('\uFFFD');
// SentencePiece scores an unknown character this far below the lowest piece
const UNKNOWN_PENALTY = 10;

/** bytes of the UTF-8 sequence a lead byte starts (as llama.cpp's unicode_len_utf8) */
function utf8Length(lead: number): number {
  return lead < 0x80 ? 1 : lead >> 4 === 0xf ? 4 : lead >> 5 === 0x7 ? 3 : lead >> 5 === 0x6 ? 2 : 1;
}

/** length of a valid UTF-8 sequence at `at`, or 0 */
function validUtf8(bytes: Uint8Array, at: number): number {
  const n = utf8Length(bytes[at]!);
  if (n === 1) return bytes[at]! < 0x80 ? 1 : 0;
  if (at + n > bytes.length) return 0;
  for (let i = 1; i < n; i++) if ((bytes[at + i]! & 0xc0) !== 0x80) return 0;
  return n;
}

/**
 * The precompiled character map: a blob of [uint32 trie size][XOR-compressed compact double array
 * of uint32 nodes][NUL-terminated replacements]. `longest(bytes, at)` is the longest input prefix
 * the trie maps, with its replacement; bounds are checked (a hostile file is an error, not a crash).
 */
export class CharsMap {
  private readonly nodes: Uint32Array;
  private readonly replacements: Uint8Array;

  constructor(blob: Uint8Array, source: string) {
    if (blob.length < 4) throw new TokenizerError(`${source}: precompiled_charsmap of ${blob.length} bytes is too short`);
    const size = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
    if (size % 4 !== 0 || 4 + size > blob.length) throw new TokenizerError(`${source}: precompiled_charsmap trie of ${size} bytes does not fit its ${blob.length}-byte blob`);
    // a copy, aligned for 32-bit reads (a Node Buffer's slice would share its pool)
    const words = new Uint8Array(size);
    words.set(blob.subarray(4, 4 + size));
    this.nodes = new Uint32Array(words.buffer);
    this.replacements = blob.subarray(4 + size);
  }

  private node(i: number): number {
    if (i >= this.nodes.length) throw new TokenizerError(`precompiled_charsmap: trie index ${i} is outside its ${this.nodes.length} nodes`);
    return this.nodes[i]!;
  }

  private base(i: number): number {
    const n = this.node(i);
    return ((n >>> 10) << ((n & (1 << 9)) >>> 6)) >>> 0;
  }

  longest(bytes: Uint8Array, at: number): { length: number; replacement: Uint8Array } | undefined {
    if (this.nodes.length === 0) return undefined;
    let index = this.base(0);
    let length = 0, value = 0;
    for (let i = at; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c === 0) break;
      index = (index ^ c) >>> 0;
      const n = this.node(index);
      // LCHECK (with bit 31 of value entries): not a child of the previous node
      if ((n & ((1 << 31) | 0xff)) >>> 0 !== c) break;
      const leaf = (n >>> 8) & 1;
      index = (index ^ this.base(index)) >>> 0;
      if (leaf) {
        length = i - at + 1;
        value = this.node(index) & 0x7fffffff;
      }
    }
    if (length === 0) return undefined;
    if (value >= this.replacements.length) throw new TokenizerError(`precompiled_charsmap: replacement ${value} is outside the ${this.replacements.length}-byte table`);
    const end = this.replacements.indexOf(0, value);
    if (end < 0) throw new TokenizerError('precompiled_charsmap: unterminated replacement');
    return { length, replacement: this.replacements.subarray(value, end) };
  }
}

export function unigramTokenizer(v: UnigramVocab, source: string): Tokenizer {
  const n = v.pieces.length;
  if (v.scores.length !== n || v.types.length !== n) throw new TokenizerError(`${source}: ${n} tokens but ${v.scores.length} scores and ${v.types.length} token types`);
  for (const [name, id] of [['bos', v.bos], ['eos', v.eos], ['unk', v.unk], ['eot', v.eot]] as const) {
    if (id !== undefined && (!Number.isInteger(id) || id < 0 || id >= n)) throw new TokenizerError(`${source}: ${name} token id ${id} is outside the vocabulary of ${n}`);
  }
  const charsmap = v.charsmap && v.charsmap.length ? new CharsMap(v.charsmap, source) : undefined;
  // pieces the segmentation may use, by their UTF-8 bytes as a latin1 string: normal, user-defined
  // and unused ones (a later id with the same text wins, as in llama.cpp's trie)
  const byBytes = new Map<string, number>();
  const addedTokens: AddedToken[] = [];
  const specialIds = new Set<number>();
  const vocab = new Map<string, number>();
  let minScore = Infinity, maxLength = 0;
  for (let id = 0; id < n; id++) {
    const piece = v.pieces[id];
    const type = v.types[id];
    if (typeof piece !== 'string') throw new TokenizerError(`${source}: token ${id} is not a string`);
    if (!vocab.has(piece)) vocab.set(piece, id);
    if (type === TokenType.NORMAL) minScore = Math.min(minScore, v.scores[id]!);
    if (type === TokenType.NORMAL || type === TokenType.USER_DEFINED || type === TokenType.UNUSED) {
      const key = latin1(utf8.encode(piece));
      byBytes.set(key, id);
      maxLength = Math.max(maxLength, key.length);
    }
    if (type === TokenType.CONTROL || type === TokenType.UNKNOWN) {
      specialIds.add(id);
      addedTokens.push({ id, content: piece, special: true });
    } else if (type === TokenType.USER_DEFINED) {
      addedTokens.push({ id, content: piece, special: false });
    }
  }
  const userScore = (id: number) => (v.types[id] === TokenType.USER_DEFINED ? 0 : v.scores[id]!);
  const unknownScore = (minScore === Infinity ? 0 : minScore) - UNKNOWN_PENALTY;
  const space = SPACE;

  /** llama.cpp's llm_tokenizer_ugm_session::normalize, on UTF-8 bytes */
  const normalizeBytes = (text: string): Uint8Array => {
    const input = utf8.encode(text);
    const out: number[] = [];
    let spacePrepended = false, inWord = false;
    for (let at = 0; at < input.length; ) {
      const mapped = charsmap?.longest(input, at);
      let piece: Uint8Array, consumed: number;
      if (mapped) [piece, consumed] = [mapped.replacement, mapped.length];
      else {
        const len = validUtf8(input, at);
        [piece, consumed] = len ? [input.subarray(at, at + len), len] : [REPLACEMENT, 1];
      }
      for (const c of piece) {
        if (c !== 0x20) {
          if (!inWord) {
            inWord = true;
            if ((v.addSpacePrefix && !spacePrepended) || v.removeExtraWhitespace) {
              out.push(...space);
              spacePrepended = true;
            }
          }
          out.push(c);
        } else {
          inWord = false;
          if (!v.removeExtraWhitespace) out.push(...space);
        }
      }
      at += consumed;
    }
    return Uint8Array.from(out);
  };

  /** the best segmentation of normalized bytes (Viterbi, as llama.cpp's tokenize) */
  const segment = (bytes: Uint8Array): number[] => {
    const len = bytes.length;
    if (len === 0) return [];
    const key = latin1(bytes);
    const best = (v.float32Sums ? new Float32Array(len + 1) : new Float64Array(len + 1)).fill(-Infinity);
    const from = new Int32Array(len + 1);
    const token = new Int32Array(len + 1).fill(v.unk);
    best[0] = 0;
    for (let at = 0; at < len; ) {
      const cp = Math.min(utf8Length(bytes[at]!), len - at);
      let whole = false;
      for (let l = 1; l <= Math.min(maxLength, len - at); l++) {
        const id = byBytes.get(key.slice(at, at + l));
        if (id === undefined) continue;
        if (l === cp) whole = true;
        const score = best[at]! + userScore(id);
        if (score > best[at + l]!) [best[at + l], from[at + l], token[at + l]] = [score, at, id];
      }
      if (!whole) {
        const score = best[at]! + unknownScore;
        if (score > best[at + cp]!) [best[at + cp], from[at + cp], token[at + cp]] = [score, at, v.unk];
      }
      at += cp;
    }
    const ids: number[] = [];
    let prevUnknown = false;
    for (let at = len; ; at = from[at]!) {
      const unknown = token[at] === v.unk;
      if (!(prevUnknown && unknown)) ids.push(token[at]!);
      if (from[at] === 0) break;
      prevUnknown = unknown;
    }
    return ids.reverse();
  };

  const { eot, stopIds } = findStopTokens(v.eos, (p) => vocab.get(p), v.eot);
  return new PipelineTokenizer({
    pieces: v.pieces,
    addedTokens,
    specialIds,
    // normalized text is carried as the latin1 string of its UTF-8 bytes: segmentation works on bytes
    normalize: (text) => latin1(normalizeBytes(text)),
    model: (word) => segment(Uint8Array.from(word, (c) => c.charCodeAt(0))),
    addSpecial: v.addSpecial ?? ((ids) => [...(v.addBos && v.bos !== undefined ? [v.bos] : []), ...ids, ...(v.addEos && v.eos !== undefined ? [v.eos] : [])]),
    renderer: {
      render: (id) => v.pieces[id]!.replaceAll(SPACE_MARK, ' '),
      stripStart: v.addSpacePrefix ? { char: ' ', count: 1 } : undefined,
      cleanup: false,
    },
    bos: v.bos,
    eos: v.eos,
    eot,
    stopIds,
    pairSeparator: v.pairSeparator,
  });
}

/** bytes as a string of code units 0..255 (a Map key and a sliceable sequence) */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

