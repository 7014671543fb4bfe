/**
 * SentencePiece tokenizer.model (a serialized ModelProto): pieces (piece = 1, score = 2, type = 3),
 * trainer_spec (model_type = 3, byte_fallback = 35, unk/bos/eos/pad ids = 40..43) and
 * normalizer_spec (name = 1, precompiled_charsmap = 2, add_dummy_prefix = 3,
 * remove_extra_whitespaces = 4, escape_whitespaces = 5). BPE and Unigram models.
 */
import { readFields, WireType } from './protobuf.js';
import { sentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import { unigramTokenizer } from './unigram-tokenizer.js';
import { TokenType } from './token-types.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';

const MODEL_TYPE_UNIGRAM = 1;
const MODEL_TYPE_BPE = 2;

export interface SentencePieceModel {
  pieces: string[];
  scores: Float32Array;
  types: Uint8Array;
  modelType: number;
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  normalizerName: string;
  hasCharsmap: boolean;
  /** the normalizer's precompiled character map (empty: none) */
  charsmap: Uint8Array;
}

export function parseSentencePieceModel(bytes: Uint8Array, file = 'tokenizer.model'): SentencePieceModel {
  if (!(bytes instanceof Uint8Array)) throw new TokenizerError(`${file}: expected the file's bytes (Uint8Array)`);
  const pieces: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const m: Omit<SentencePieceModel, 'pieces' | 'scores' | 'types'> = {
    modelType: 1, // proto default UNIGRAM
    byteFallback: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    normalizerName: '',
    hasCharsmap: false,
    charsmap: new Uint8Array(0),
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const text = (b: Uint8Array, what: string) => {
    try {
      return utf8.decode(b);
    } catch (cause) {
      throw new TokenizerError(`${file}: ${what} is not valid UTF-8`, { cause });
    }
  };

  for (const f of readFields(bytes, file)) {
    if (f.number === 1 && f.wireType === WireType.LEN) {
      let piece: string | undefined;
      let score = 0;
      let type: number = TokenType.NORMAL;
      for (const p of readFields(f.bytes, `${file} piece ${pieces.length}`)) {
        if (p.number === 1 && p.wireType === WireType.LEN) piece = text(p.bytes, `piece ${pieces.length}`);
        else if (p.number === 2 && p.wireType === WireType.I32) score = p.float32;
        else if (p.number === 3 && p.wireType === WireType.VARINT) type = p.varint;
      }
      if (piece === undefined) throw new TokenizerError(`${file}: piece ${pieces.length} has no text`);
      if (type < TokenType.NORMAL || type > TokenType.BYTE) throw new TokenizerError(`${file}: piece ${pieces.length} has unknown type ${type}`);
      pieces.push(piece);
      scores.push(score);
      types.push(type);
    } else if (f.number === 2 && f.wireType === WireType.LEN) {
      for (const t of readFields(f.bytes, `${file} trainer_spec`)) {
        if (t.wireType !== WireType.VARINT) continue;
        if (t.number === 3) m.modelType = t.varint;
        else if (t.number === 35) m.byteFallback = t.varint !== 0;
        else if (t.number === 40) m.unkId = t.int32;
        else if (t.number === 41) m.bosId = t.int32;
        else if (t.number === 42) m.eosId = t.int32;
        else if (t.number === 43) m.padId = t.int32;
      }
    } else if (f.number === 3 && f.wireType === WireType.LEN) {
      for (const t of readFields(f.bytes, `${file} normalizer_spec`)) {
        if (t.number === 1 && t.wireType === WireType.LEN) m.normalizerName = text(t.bytes, 'normalizer name');
        else if (t.number === 2 && t.wireType === WireType.LEN) {
          m.hasCharsmap = t.bytes.length > 0;
          m.charsmap = new Uint8Array(t.bytes); // a copy, never a view of the caller's Buffer
        }
        else if (t.number === 3 && t.wireType === WireType.VARINT) m.addDummyPrefix = t.varint !== 0;
        else if (t.number === 4 && t.wireType === WireType.VARINT) m.removeExtraWhitespaces = t.varint !== 0;
      }
    }
  }
  if (pieces.length === 0) throw new TokenizerError(`${file}: no pieces (not a SentencePiece model?)`);
  return { pieces, scores: Float32Array.from(scores), types: Uint8Array.from(types), ...m };
}

export function tokenizerFromSentencePieceModel(bytes: Uint8Array, file = 'tokenizer.model'): Tokenizer {
  const m = parseSentencePieceModel(bytes, file);
  const id = (v: number) => (v >= 0 && v < m.pieces.length ? v : undefined);
  if (m.modelType === MODEL_TYPE_UNIGRAM) {
    const unk = id(m.unkId);
    if (unk === undefined) throw new TokenizerError(`${file}: a Unigram model needs an unknown piece (unk_id ${m.unkId})`);
    // as SentencePiece encodes: no BOS or EOS of its own
    return unigramTokenizer(
      { pieces: m.pieces, scores: m.scores, types: m.types, unk, bos: id(m.bosId), eos: id(m.eosId), addBos: false, addEos: false, addSpacePrefix: m.addDummyPrefix, removeExtraWhitespace: m.removeExtraWhitespaces, charsmap: m.charsmap, float32Sums: true },
      file,
    );
  }
  if (m.modelType !== MODEL_TYPE_BPE) throw new TokenizerError(`${file}: SentencePiece model type ${m.modelType} is not supported (Unigram = 1, BPE = 2)`);
  if (m.hasCharsmap) throw new TokenizerError(`${file}: normalizer "${m.normalizerName}" with a precompiled charsmap is not supported for BPE models`);
  return sentencePieceTokenizer(
    {
      pieces: m.pieces,
      scores: m.scores,
      types: m.types,
      unk: id(m.unkId),
      bos: id(m.bosId),
      eos: id(m.eosId),
      addBos: true,
      addEos: false,
      addSpacePrefix: m.addDummyPrefix,
      removeExtraWhitespace: m.removeExtraWhitespaces,
    },
    file,
  );
}
