/**
 * SentencePiece BPE with byte fallback, as llama.cpp runs its "llama" (SPM) vocabularies: Llama 1/2,
 * Mistral, TinyLlama, llama2.c. Spaces become U+2581, a leading U+2581 is added to each run of text
 * (add_space_prefix), pieces merge by score, characters outside the vocabulary become <0xNN> tokens.
 * Control and unknown tokens are special; user-defined tokens are matched as whole pieces.
 */
import type { AddedToken } from './added-tokens.js';
import { scoredBpe } from './bpe-models.js';
import { PipelineTokenizer } from './pipeline-tokenizer.js';
import { findStopTokens } from './stop-tokens.js';
import { TokenType } from './token-types.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';

export const SPACE_MARK = '\u2581';

export interface SentencePieceVocab {
  pieces: readonly string[];
  scores: ArrayLike<number>;
  /** TokenType per id */
  types: ArrayLike<number>;
  bos?: number;
  eos?: number;
  unk?: number;
  eot?: number;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  /** SentencePiece normalizer option: drop leading/trailing spaces and squeeze runs of spaces */
  removeExtraWhitespace?: boolean;
}

export function sentencePieceTokenizer(v: SentencePieceVocab, source: string): Tokenizer {
  const n = v.pieces.length;
  if (v.scores.length !== n || v.types.length !== n) {
    throw new TokenizerError(`${source}: ${n} tokens but ${v.scores.length} scores and ${v.types.length} token types`);
  }
  for (const [name, id] of [['bos', v.bos], ['eos', v.eos], ['unk', v.unk], ['eot', v.eot]] as const) {
    if (id !== undefined && (!Number.isInteger(id) || id < 0 || id >= n)) {
      throw new TokenizerError(`${source}: ${name} token id ${id} is outside the vocabulary of ${n}`);
    }
  }
  const vocab = new Map<string, number>();
  const addedTokens: AddedToken[] = [];
  const specialIds = new Set<number>();
  const byteValue = new Int16Array(n).fill(-1);
  for (let id = 0; id < n; id++) {
    const piece = v.pieces[id];
    const type = v.types[id];
    if (typeof piece !== 'string') throw new TokenizerError(`${source}: token ${id} is not a string`);
    if (!vocab.has(piece)) vocab.set(piece, id);
    if (type === TokenType.CONTROL || type === TokenType.UNKNOWN) {
      specialIds.add(id);
      addedTokens.push({ id, content: piece, special: true });
    } else if (type === TokenType.USER_DEFINED) {
      addedTokens.push({ id, content: piece, special: false });
    } else if (type === TokenType.BYTE) {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (!m) throw new TokenizerError(`${source}: byte token ${id} is ${JSON.stringify(piece)}, not <0xNN>`);
      byteValue[id] = parseInt(m[1], 16);
    }
  }
  // without an explicit unknown id, the piece typed UNKNOWN stands in for characters with no token
  const unk = v.unk ?? Array.from(v.types).indexOf(TokenType.UNKNOWN);
  const { eot, stopIds } = findStopTokens(v.eos, (p) => vocab.get(p), v.eot);
  const prefix = v.addSpacePrefix ? SPACE_MARK : '';
  // SentencePiece merges over the whole text. When no piece has a "▁" after another character (true
  // of vocabularies trained with split_by_whitespace, llama's among them), no token crosses the
  // point before such a "▁": the text splits there into words with the same ids, so long inputs
  // are encoded word by word (bounded by maxTokens, in turns with the event loop). Otherwise the
  // text is one word, merged in steps (modelSteps) so that it too takes turns with the event loop.
  const wordStart = new RegExp(`(?<=[^${SPACE_MARK}])(?=${SPACE_MARK})`, 'u');
  const innerSpace = new RegExp(`[^${SPACE_MARK}]${SPACE_MARK}`, 'u');
  const splitsAtSpace = !v.pieces.some((p) => p !== undefined && innerSpace.test(p));

  const model = scoredBpe({ vocab, scores: v.scores, unkId: unk >= 0 ? unk : undefined });

  return new PipelineTokenizer({
    pieces: v.pieces,
    addedTokens,
    specialIds,
    normalize: (text) => {
      if (v.removeExtraWhitespace) text = text.replace(/ +/g, ' ').trim();
      return text === '' ? '' : prefix + text.replaceAll(' ', SPACE_MARK);
    },
    preTokenize: splitsAtSpace ? (text) => text.split(wordStart) : undefined,
    model,
    modelSteps: model.steps,
    addSpecial: (ids) => [
      ...(v.addBos && v.bos !== undefined ? [v.bos] : []),
      ...ids,
      ...(v.addEos && v.eos !== undefined ? [v.eos] : []),
    ],
    renderer: {
      render: (id) => (byteValue[id] >= 0 ? Uint8Array.of(byteValue[id]) : v.pieces[id].replaceAll(SPACE_MARK, ' ')),
      stripStart: v.addSpacePrefix ? { char: ' ', count: 1 } : undefined,
      cleanup: false,
    },
    bos: v.bos,
    eos: v.eos,
    eot,
    stopIds,
  });
}
