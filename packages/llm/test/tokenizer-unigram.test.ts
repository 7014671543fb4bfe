/**
 * SentencePiece Unigram (T5, XLM-RoBERTa vocabularies) against two independent truths:
 * - SentencePiece itself (python3-sentencepiece, which CI installs): a small Unigram model with
 *   the nmt_nfkc normalizer is trained on the corpus, and its own encoding of every corpus string
 *   is what ix must give from the .model file;
 * - llama.cpp (node-llama-cpp, vocabulary only): the same model written as a GGUF "t5" vocabulary
 *   the way convert_hf_to_gguf writes T5 (pieces, scores, types, precompiled_charsmap, the
 *   normalizer flags) must tokenize as llama.cpp tokenizes it.
 * Without python3-sentencepiece the comparisons skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSentencePieceModel, tokenizerFromGGUF, tokenizerFromSentencePieceModel } from '../src/tokenizer/index.js';
import { CharsMap } from '../src/tokenizer/unigram-tokenizer.js';
import { TokenizerError } from '../src/tokenizer/tokenizer.js';
import { writeGGUF } from '../src/formats/gguf/writer.js';
import { GGUFValueType } from '../src/formats/gguf/types.js';
import { FileSink } from '../src/formats/node-source.js';
import { tempDir } from './fixtures/model-files.js';
import { CORPUS } from './corpus/corpus.js';
import { mismatches } from './corpus/fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
// the first Python that has it (a pyenv or venv python3 may shadow Debian's, where apt installs it)
const PYTHON = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import sentencepiece'], { stdio: 'ignore' }).status === 0);
const hasSentencePiece = PYTHON !== undefined;
if (!hasSentencePiece) console.warn('[tokenizer-unigram] python3-sentencepiece is not installed: the comparisons skip');

// text with no NUL (SentencePiece's trainer reads lines) for training; every corpus string is encoded
const TRAIN = CORPUS.flatMap((s) => s.split(/[\n\r\0]+/)).filter((s) => s.trim().length > 0);

describe.skipIf(!hasSentencePiece)('SentencePiece Unigram vs SentencePiece and llama.cpp', () => {
  const tmp = tempDir();
  const modelPath = join(tmp.dir, 'unigram.model');
  let truth: number[][];
  let llama: Llama;
  beforeAll(async () => {
    const req = { corpus: TRAIN, inputs: CORPUS, model: modelPath, vocab_size: 2000 };
    truth = JSON.parse(execFileSync(PYTHON!, [join(HERE, 'helpers', 'unigram-train.py')], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 64 << 20 })).ids;
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  }, 120_000);
  afterAll(async () => {
    await llama?.dispose();
    tmp.cleanup();
  });

  it('the .model file: every corpus string encodes as SentencePiece encodes it', () => {
    const bytes = fs.readFileSync(modelPath);
    const m = parseSentencePieceModel(bytes);
    expect(m.modelType).toBe(1);
    expect(m.normalizerName).toBe('nmt_nfkc');
    expect(m.charsmap.length).toBeGreaterThan(1000);
    const ix = tokenizerFromSentencePieceModel(bytes);
    const expected = new Map(CORPUS.map((s, i) => [s, truth[i]!]));
    const r = mismatches(CORPUS, (s) => ix.encode(s, { addSpecial: false }), (s) => expected.get(s)!);
    console.info(`Unigram .model vs SentencePiece: ${CORPUS.length - r.count}/${CORPUS.length} agree`);
    expect(r.examples).toEqual([]);
  });

  it('the GGUF "t5" vocabulary: every corpus string tokenizes as llama.cpp does, with EOS added as llama.cpp adds it', async () => {
    const m = parseSentencePieceModel(fs.readFileSync(modelPath));
    // convert_hf_to_gguf's T5Model._set_vocab_sentencepiece: pieces, scores and types as the model
    // has them, the charsmap and the normalizer flags
    const md: Record<string, unknown> = {
      'general.architecture': 't5encoder',
      't5encoder.context_length': 512,
      't5encoder.embedding_length': 64,
      't5encoder.block_count': 1,
      't5encoder.feed_forward_length': 128,
      't5encoder.attention.head_count': 4,
      't5encoder.attention.key_length': 16,
      't5encoder.attention.value_length': 16,
      't5encoder.attention.layer_norm_rms_epsilon': 1e-6,
      't5encoder.attention.relative_buckets_count': 32,
      'tokenizer.ggml.model': 't5',
      'tokenizer.ggml.pre': 'default',
      'tokenizer.ggml.tokens': m.pieces,
      'tokenizer.ggml.scores': Float32Array.from(m.scores),
      'tokenizer.ggml.token_type': Int32Array.from(m.types),
      'tokenizer.ggml.add_space_prefix': m.addDummyPrefix,
      'tokenizer.ggml.remove_extra_whitespaces': m.removeExtraWhitespaces,
      'tokenizer.ggml.precompiled_charsmap': m.charsmap,
      'tokenizer.ggml.eos_token_id': m.eosId,
      'tokenizer.ggml.unknown_token_id': m.unkId,
    };
    const u32 = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count', 'attention.key_length', 'attention.value_length', 'attention.relative_buckets_count'];
    const types = {
      ...Object.fromEntries(u32.map((k) => [`t5encoder.${k}`, GGUFValueType.UINT32])),
      't5encoder.attention.layer_norm_rms_epsilon': GGUFValueType.FLOAT32,
      'tokenizer.ggml.eos_token_id': GGUFValueType.UINT32,
      'tokenizer.ggml.unknown_token_id': GGUFValueType.UINT32,
    };
    const file = join(tmp.dir, 'vocab-t5.gguf');
    await writeGGUF(await FileSink.create(file), { metadata: md, types, tensors: [] });
    const peer = await llama.loadModel({ modelPath: file, vocabOnly: true });
    try {
      const ix = tokenizerFromGGUF(md);
      // llama.cpp promotes control-looking text (</s>, <unk>) to control tokens by its text
      const inputs = CORPUS.filter((c) => !/<\/?s>|<unk>|<pad>/.test(c));
      expect(inputs.length).toBeGreaterThan(CORPUS.length / 2);
      const plain = mismatches(inputs, (t) => ix.encode(t, { addSpecial: false }), (t) => [...peer.tokenize(t, false)].map(Number));
      console.info(`Unigram GGUF vs llama.cpp: ${inputs.length - plain.count}/${inputs.length} agree`);
      expect(plain.examples).toEqual([]);
      // with special tokens: llama.cpp's UGM adds EOS and no BOS
      const withEos = ix.encode('Hello world');
      expect(withEos.at(-1)).toBe(m.eosId);
      expect(withEos).toEqual([...peer.tokenize('Hello world', false)].map(Number).concat(m.eosId));
      // and decodes back what was encoded (nmt_nfkc left this text as it was)
      expect(ix.decode(ix.encode('Hello world', { addSpecial: false }))).toBe('Hello world');
    } finally {
      await peer.dispose();
    }
  }, 120_000);
});

describe('precompiled charsmap', () => {
  it('refuses a blob whose trie does not fit, and a trie index outside it', () => {
    expect(() => new CharsMap(Uint8Array.of(1, 2), 'x')).toThrow(TokenizerError);
    expect(() => new CharsMap(Uint8Array.of(64, 0, 0, 0, 1, 2, 3, 4), 'x')).toThrow(/does not fit/);
    // one node whose BASE points far outside the trie
    const node = new Uint32Array([0xfffffc00]);
    const blob = new Uint8Array(8);
    new DataView(blob.buffer).setUint32(0, 4, true);
    blob.set(new Uint8Array(node.buffer), 4);
    expect(() => new CharsMap(blob, 'x').longest(Uint8Array.of(65), 0)).toThrow(/outside its 1 nodes/);
  });
});
