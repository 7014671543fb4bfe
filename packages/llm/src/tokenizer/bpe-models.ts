/**
 * Word-level BPE models: both turn one pre-tokenized word into ids with the shared merge loop.
 * - rankedBpe: merges from an explicit ranked list (HF tokenizer.json, GGUF 'gpt2').
 * - scoredBpe: SentencePiece BPE as llama.cpp runs it (GGUF 'llama', llama2.c, .model): any two
 *   adjacent symbols whose concatenation is a vocabulary piece may merge, highest piece score first.
 * Characters that end up outside the vocabulary become <0xNN> byte tokens when the vocabulary has
 * them, else the unknown token.
 */
import { bpeMerge, bpeMergeSteps, runSteps } from './bpe-merge.js';

const utf8 = new TextEncoder();

export interface RankedBpeOptions {
  vocab: ReadonlyMap<string, number>;
  merges: readonly (readonly [string, string])[];
  byteFallback?: boolean;
  unkId?: number;
  /** HF fuse_unk: consecutive unknowns become one */
  fuseUnk?: boolean;
  /** HF ignore_merges (Llama 3): a word that is itself in the vocabulary is taken whole */
  ignoreMerges?: boolean;
  continuingSubwordPrefix?: string;
  endOfWordSuffix?: string;
}

export function rankedBpe(o: RankedBpeOptions): (word: string) => number[] {
  const ranks = new Map<string, Map<string, number>>();
  o.merges.forEach(([left, right], rank) => {
    let row = ranks.get(left);
    if (!row) ranks.set(left, (row = new Map()));
    if (!row.has(right)) row.set(right, rank);
  });
  const rankOf = (left: string, right: string) => ranks.get(left)?.get(right);
  const byteIds = o.byteFallback ? byteTokenIds(o.vocab) : undefined;
  const prefix = o.continuingSubwordPrefix ?? '';
  const suffix = o.endOfWordSuffix ?? '';
  return (word) => {
    if (o.ignoreMerges) {
      const whole = o.vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    const symbols = Array.from(word, (ch, i) => (i > 0 ? prefix + ch : ch));
    if (suffix) symbols[symbols.length - 1] += suffix;
    return piecesToIds(bpeMerge(symbols, rankOf), o.vocab, byteIds, o.unkId, o.fuseUnk ?? false);
  };
}

export interface ScoredBpeOptions {
  vocab: ReadonlyMap<string, number>;
  scores: ArrayLike<number>;
  unkId?: number;
}

export interface StepwiseWordModel {
  (word: string): number[];
  /** the same as steps that yield now and then: for words too long to merge in one go */
  steps: (word: string) => Generator<void, number[]>;
}

export function scoredBpe(o: ScoredBpeOptions): StepwiseWordModel {
  const rankOf = (left: string, right: string) => {
    const id = o.vocab.get(left + right);
    return id === undefined ? undefined : -o.scores[id];
  };
  const byteIds = byteTokenIds(o.vocab);
  const steps = function* (word: string): Generator<void, number[]> {
    const pieces = yield* bpeMergeSteps(Array.from(word), rankOf);
    return piecesToIds(pieces, o.vocab, byteIds, o.unkId, false);
  };
  return Object.assign((word: string) => runSteps(steps(word)), { steps });
}

/** byte -> id of its "<0xNN>" token, when the vocabulary has all 256 */
function byteTokenIds(vocab: ReadonlyMap<string, number>): Int32Array | undefined {
  const ids = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    if (id === undefined) return undefined;
    ids[b] = id;
  }
  return ids;
}

function piecesToIds(
  pieces: readonly string[],
  vocab: ReadonlyMap<string, number>,
  byteIds: Int32Array | undefined,
  unkId: number | undefined,
  fuseUnk: boolean,
): number[] {
  const out: number[] = [];
  let lastWasUnk = false;
  for (const piece of pieces) {
    const id = vocab.get(piece);
    if (id !== undefined) {
      out.push(id);
      lastWasUnk = false;
    } else if (byteIds) {
      for (const b of utf8.encode(piece)) out.push(byteIds[b]);
      lastWasUnk = false;
    } else if (unkId !== undefined) {
      if (!(fuseUnk && lastWasUnk)) out.push(unkId);
      lastWasUnk = true;
    }
  }
  return out;
}

export interface WordPieceOptions {
  vocab: ReadonlyMap<string, number>;
  unkId: number;
  /** marks a piece that continues a word, "##" for BERT */
  continuingPrefix: string;
  /** longer words (in characters) become [UNK] whole */
  maxCharsPerWord: number;
}

/** BERT WordPiece: greedy longest-match-first; a word with any unmatchable rest is [UNK] as a whole. */
export function wordPiece(o: WordPieceOptions): (word: string) => number[] {
  return (word) => {
    const chars = Array.from(word);
    if (chars.length > o.maxCharsPerWord) return [o.unkId];
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      for (; end > start; end--) {
        const sub = (start > 0 ? o.continuingPrefix : '') + chars.slice(start, end).join('');
        found = o.vocab.get(sub);
        if (found !== undefined) break;
      }
      if (found === undefined) return [o.unkId];
      out.push(found);
      start = end;
    }
    return out;
  };
}
