/**
 * SentencePiece tokenizer.model (protobuf) reader and SentencePiece BPE, on Meta's Llama 2 tokenizer.
 * Oracle: @huggingface/tokenizers' BPE over merges derived the way transformers converts a
 * SentencePiece BPE model (its SentencePieceExtractor: every split of a piece into two vocabulary
 * pieces is a merge, ranked by the piece's score), with the vocabulary read from llama2.c's
 * tokenizer.bin by this test, not by ix.
 */
import { Tokenizer as OracleTokenizer } from '@huggingface/tokenizers';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseLlama2cTokenizer,
  parseSentencePieceModel,
  TokenType,
  tokenizerFromLlama2c,
  tokenizerFromSentencePieceModel,
} from '../src/tokenizer/index.js';
import { CORPUS } from './corpus/corpus.js';
import { mismatches, sharedModelFile } from './corpus/fixtures.js';

const modelBytes = fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model'));
const binBytes = fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.bin'));

/** tokenizer.bin read independently: int32 max length, then (float32 score, int32 len, bytes) x 32000 */
function readBin(): { pieces: string[]; scores: number[] } {
  const view = new DataView(binBytes.buffer, binBytes.byteOffset, binBytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // piece 30143 is U+FEFF itself
  const pieces: string[] = [];
  const scores: number[] = [];
  for (let at = 4, i = 0; i < 32000; i++) {
    scores.push(view.getFloat32(at, true));
    const len = view.getInt32(at + 4, true);
    pieces.push(utf8.decode(binBytes.subarray(at + 8, at + 8 + len)));
    at += 8 + len;
  }
  return { pieces, scores };
}

function oracleFromBin(): OracleTokenizer {
  const { pieces, scores } = readBin();
  const names = ['<unk>', '<s>', '</s>'];
  const vocab: Record<string, number> = {};
  pieces.forEach((p, id) => (vocab[id < 3 ? names[id] : p.replaceAll(' ', '\u2581')] = id));
  const merges: { left: string; right: string; score: number }[] = [];
  for (const [piece, id] of Object.entries(vocab)) {
    const chars = Array.from(piece);
    const local: { left: string; right: string; score: number }[] = [];
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      if (left in vocab && right in vocab) local.push({ left, right, score: scores[id] });
    }
    local.sort((a, b) => vocab[a.left] - vocab[b.left] || vocab[a.right] - vocab[b.right]);
    merges.push(...local);
  }
  merges.sort((a, b) => b.score - a.score); // stable, like Python's sorted
  const json = {
    added_tokens: names.map((content, id) => ({ id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: { type: 'BPE', unk_token: '<unk>', fuse_unk: true, byte_fallback: true, vocab, merges: merges.map((m) => [m.left, m.right]) },
  };
  return new OracleTokenizer(json, { bos_token: '<s>', eos_token: '</s>', clean_up_tokenization_spaces: false });
}

describe('Llama 2 tokenizer.model', () => {
  const parsed = parseSentencePieceModel(modelBytes);
  const ix = tokenizerFromSentencePieceModel(modelBytes);

  it('parses as documented in the model folder (SOURCE.md)', () => {
    expect(parsed.pieces.length).toBe(32000);
    expect(parsed.modelType).toBe(2);
    expect(parsed.byteFallback).toBe(true);
    expect([parsed.unkId, parsed.bosId, parsed.eosId, parsed.padId]).toEqual([0, 1, 2, -1]);
    const count = (t: number) => parsed.types.filter((x) => x === t).length;
    expect([count(TokenType.UNKNOWN), count(TokenType.CONTROL), count(TokenType.BYTE), count(TokenType.NORMAL)]).toEqual([1, 2, 256, 31741]);
    expect(parsed.pieces.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect([parsed.pieces[259], parsed.scores[259]]).toEqual(['\u2581\u2581', -1e9]);
    expect([parsed.pieces[260], parsed.scores[260], parsed.pieces[261], parsed.scores[261]]).toEqual(['\u2581t', -1, 'er', -2]);
  });

  it('encodes "Hello world" as the well-known Llama 2 ids', () => {
    expect(ix.encode('Hello world')).toEqual([1, 15043, 3186]);
  });

  it('encodes and decodes every corpus string like the converted HF BPE oracle', () => {
    const oracle = oracleFromBin();
    const enc = mismatches(CORPUS, (s) => ix.encode(s, { parseSpecial: true }), (s) => oracle.encode(s).ids);
    const dec = mismatches(CORPUS, (s) => ix.decode(oracle.encode(s).ids), (s) => oracle.decode(oracle.encode(s).ids));
    console.info(`llama2 tokenizer.model: encode ${CORPUS.length - enc.count}/${CORPUS.length}, decode ${CORPUS.length - dec.count}/${CORPUS.length} agree`);
    expect(enc.examples).toEqual([]);
    expect(dec.examples).toEqual([]);
  });

  it('llama2.c tokenizer.bin of the same vocabulary encodes identically', () => {
    const fromBin = tokenizerFromLlama2c(parseLlama2cTokenizer(binBytes, 32000));
    const r = mismatches(CORPUS, (s) => fromBin.encode(s, { parseSpecial: true }), (s) => ix.encode(s, { parseSpecial: true }));
    expect(r.examples).toEqual([]);
  });
});
