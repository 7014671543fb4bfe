import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverBackends, registeredBackends } from '@ix/core';
import { cosine, expectFolderRerankLikeGGUF, maxDiff, withModel } from './helpers.js';
import { generateModel, openEmbeddingPeer, openRankingPeer, PRESETS, type QuantPreset } from '../src/index.js';
import { CORPUS } from '../../../packages/llm/test/corpus/corpus.js';

/**
 * XLM-RoBERTa (bge-m3, bge-reranker-v2-m3): BERT layers over a SentencePiece Unigram vocabulary
 * renumbered the fairseq way, positions from pad_token_id + 1, pairs framed <s> a </s></s> b </s>.
 * The vocabulary is a real SentencePiece Unigram model trained here by python3-sentencepiece (which
 * CI installs); the truth is llama.cpp (node-llama-cpp) on the GGUF convert_hf_to_gguf would write,
 * and the HF folder (sentencepiece.bpe.model, or only its tokenizer.json) must equal that GGUF.
 */
const TRAIN_HELPER = fileURLToPath(new URL('../../../packages/llm/test/helpers/unigram-train.py', import.meta.url));
const PYTHON = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import sentencepiece'], { stdio: 'ignore' }).status === 0);
if (!PYTHON) console.warn('[peer-xlm-roberta] python3-sentencepiece is not installed: these tests skip');

const TEXTS = [
  'Hello world, this is a test.',
  'naïve café — 東京 tokyo! UNAFFABLE résumé',
  'a',
  '  spaces   inside  and around ',
  'Embeddings turn text into vectors; similar texts land close together, so a search engine can find passages by meaning.',
];
const MIN_COSINE: Partial<Record<QuantPreset, number>> = { F32: 0.9999, F16: 0.9999, Q8_0: 0.999 };
const { arch, shape } = PRESETS['xlmr-tiny']!;
const rerank = PRESETS['xlmr-rerank-tiny']!;

// corpus strings the folder and file tokenizers are checked on (those with control-token text left
// out: llama.cpp promotes such text to control tokens by its looks)
const SAMPLE = CORPUS.slice(0, 800).filter((c) => !/<\/?s>|<unk>|<pad>|<mask>/.test(c));
let dir: string;
let tokenizerDir: string;
/** SentencePiece's own encoding of each SAMPLE string (its ids, before XLM-R's renumbering) */
let sentencePieceIds: number[][] = [];
let backends: string[] = ['reference'];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-xlmr-'));
  tokenizerDir = join(dir, 'spm');
  await mkdir(tokenizerDir);
  if (PYTHON) {
    const corpus = CORPUS.flatMap((s) => s.split(/[\n\r\0]+/)).filter((s) => s.trim().length > 0);
    // XLM-R's SentencePiece settings: Unigram, nmt_nfkc, a dummy prefix, extra spaces removed
    const req = { corpus, inputs: SAMPLE, model: join(tokenizerDir, 'sentencepiece.bpe.model'), vocab_size: shape.vocabSize - 2, options: { user_defined_symbols: [], hard_vocab_limit: true } };
    sentencePieceIds = JSON.parse(execFileSync(PYTHON, [TRAIN_HELPER], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 64 << 20 })).ids;
  }
  await discoverBackends();
  if (registeredBackends().some((b) => b.name === 'cpu-avx')) backends = ['reference', 'cpu-avx'];
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!PYTHON)('XLM-RoBERTa (a SentencePiece Unigram vocabulary trained here)', () => {
  for (const quant of Object.keys(MIN_COSINE) as QuantPreset[]) {
    it(`xlmr-tiny ${quant}: tokens and CLS embeddings agree with llama.cpp, on every backend`, async () => {
      const path = join(dir, `xlmr-${quant}.gguf`);
      await generateModel({ arch, shape, seed: 11, gguf: path, quant, tokenizerDir, pooling: 'cls' });
      const peer = await openEmbeddingPeer(path, { contextSize: shape.contextLength });
      const expected: number[][] = [];
      let peerTokens: number[][];
      try {
        // <s> text </s>, as llama.cpp's tokenizer frames it for this vocabulary (add_bos/add_eos in the
        // GGUF); node-llama-cpp's embedding context would leave out the <s> of every UGM vocabulary
        for (const t of TEXTS) expected.push(await peer.embed([0, ...peer.tokenize(t), 2]));
        peerTokens = TEXTS.map((t) => peer.tokenize(t));
      } finally {
        await peer.dispose();
      }
      for (const backend of backends) {
        await withModel(path, backend, async (m) => {
          expect(TEXTS.map((t) => m.tokenizer.encode(t, { addSpecial: false }))).toEqual(peerTokens);
          // <s> text </s>, as llama.cpp adds them for this vocabulary
          expect(m.tokenizer.encode('a')).toEqual([0, ...m.tokenizer.encode('a', { addSpecial: false }), 2]);
          const r = await m.embed(TEXTS);
          expect(r.pooling).toBe('cls');
          r.embeddings.forEach((e, i) => expect(cosine(e, expected[i]!), `${quant} ${m.backend.name} text ${i}`).toBeGreaterThanOrEqual(MIN_COSINE[quant]!));
        });
      }
    });
  }

  it('the HF folder (XLMRobertaModel: shifted position table, sentencepiece.bpe.model) equals its GGUF; so does its tokenizer.json alone', async () => {
    const gguf = join(dir, 'xlmr-same.gguf');
    const hf = join(dir, 'xlmr-same-hf');
    await generateModel({ arch, shape, seed: 3, gguf, hf, quant: 'F32', tokenizerDir, pooling: 'cls' });
    const backend = backends.at(-1);
    // the GGUF tokenizes the corpus as llama.cpp does
    const peer = await openEmbeddingPeer(gguf, { contextSize: shape.contextLength });
    const ggufTokens = await withModel(gguf, 'reference', async (m) => SAMPLE.map((t) => m.tokenizer.encode(t, { addSpecial: false })));
    try {
      expect(ggufTokens).toEqual(SAMPLE.map((t) => peer.tokenize(t)));
    } finally {
      await peer.dispose();
    }
    const fromGGUF = await withModel(gguf, backend, (m) => m.embed(TEXTS));
    const fromHF = await withModel(hf, backend, async (m) => {
      expect(m.hparams.pooling).toBe('cls');
      expect(m.hparams.contextLength).toBe(shape.contextLength);
      expect(m.file.tokenizerSource?.kind).toBe('xlm-roberta');
      // the .model file tokenizes as SentencePiece (transformers' XLMRobertaTokenizer), renumbered
      // the fairseq way: SentencePiece's <unk> (0) is 3, its other ids move up by one
      const fairseq = sentencePieceIds.map((ids) => [0, ...ids.map((id) => (id === 0 ? 3 : id + 1)), 2]);
      expect(SAMPLE.map((t) => m.tokenizer.encode(t))).toEqual(fairseq);
      return m.embed(TEXTS);
    });
    expect(fromHF.tokens).toEqual(fromGGUF.tokens);
    fromHF.embeddings.forEach((e, i) => expect(maxDiff(e, fromGGUF.embeddings[i]!)).toBe(0));
    // without the .model file the folder's tokenizer.json (Unigram, Precompiled, Metaspace,
    // RobertaProcessing) is read, and tokenizes as llama.cpp runs what convert_hf_to_gguf makes of it
    await rm(join(hf, 'sentencepiece.bpe.model'));
    await withModel(hf, 'reference', async (m) => {
      expect(m.file.tokenizerSource?.kind).toBe('hf');
      expect(SAMPLE.map((t) => m.tokenizer.encode(t, { addSpecial: false }))).toEqual(ggufTokens);
      expect(m.tokenizer.encode('a b')).toEqual([0, ...m.tokenizer.encode('a b', { addSpecial: false }), 2]);
      expect(m.tokenizer.pairSeparator).toEqual([2]);
    });
  });

  describe('xlmr-rerank-tiny: a cross-encoder (bge-reranker-v2-m3\'s kind)', () => {
    const QUERY = 'what is a cat?';
    const DOCS = ['A cat is a small furry animal.', 'Stocks fell today.', 'cats', 'The domestic cat is a small carnivorous mammal kept as a pet.'];
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

    it('scores <s> query </s></s> document </s> as llama.cpp does, from GGUF and safetensors alike', async () => {
      const gguf = join(dir, 'xlmr-rerank.gguf');
      const hf = join(dir, 'xlmr-rerank-hf');
      await generateModel({ arch: rerank.arch, shape: rerank.shape, seed: 4, gguf, hf, quant: 'F32', tokenizerDir });
      const peer = await openRankingPeer(gguf, { contextSize: rerank.shape.contextLength });
      try {
        for (const backend of backends) {
          await withModel(gguf, backend, async (m) => {
            expect(m.kind).toBe('reranker');
            const r = await m.rerank(QUERY, DOCS);
            const q = m.tokenizer.encode(QUERY, { addSpecial: false });
            for (const [i, d] of DOCS.entries()) {
              // node-llama-cpp frames [BOS] query [EOS] [SEP] document [EOS], as llama-server
              const doc = m.tokenizer.encode(d, { addSpecial: false });
              const want = await peer.rank(q, doc);
              expect(r.tokens[i]).toBe(q.length + doc.length + 4);
              expect(Math.abs(sigmoid(r.scores[i]!) - want), `${m.backend.name} doc ${i}`).toBeLessThan(1e-4);
            }
          });
        }
      } finally {
        await peer.dispose();
      }
      await expectFolderRerankLikeGGUF(gguf, hf, QUERY, DOCS);
    });
  });
});
