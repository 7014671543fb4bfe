import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverBackends, registeredBackends } from '@ix/core';
import { loadModel } from '@ix/llm';
import { cosine, expectFolderRerankLikeGGUF, maxDiff, withModel } from './helpers.js';
import { generateModel, openEmbeddingPeer, openRankingPeer, PRESETS, type QuantPreset } from '../src/index.js';

/**
 * BERT embeddings: ix against llama.cpp (node-llama-cpp's prebuilt CPU build, whose embedding
 * context adds [CLS]/[SEP] and pools as the GGUF says: mean) on the same generated GGUF, and the
 * same weights read from GGUF and from a safetensors folder.
 */
const TOKENIZER_DIR = fileURLToPath(new URL('../../../../shared/models/all-MiniLM-L6-v2-tokenizer-only', import.meta.url));
const TEXTS = [
  'Hello world, this is a test.',
  'The quick brown fox jumps over the lazy dog',
  'naïve café — 東京 tokyo! UNAFFABLE résumé',
  'a',
  'Embeddings turn text into vectors; similar texts land close together, so a search engine can find passages by meaning rather than by words.',
];
// cosine against llama.cpp: the bar for F32/F16; Q8_0 quantizes activations on llama.cpp's side
const MIN_COSINE: Record<string, number> = { F32: 0.9999, F16: 0.9999, Q8_0: 0.999 };
const { arch, shape } = PRESETS['bert-tiny']!;

let dir: string;
// the reference backend, and cpu-avx (this workspace's fast CPU backend) where it runs
let backends: string[] = ['reference'];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-embed-'));
  await discoverBackends();
  if (registeredBackends().some((b) => b.name === 'cpu-avx')) backends = ['reference', 'cpu-avx'];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** llama.cpp's vector of each text (its embedding context pools as the GGUF says) */
async function llamaCppVectors(gguf: string): Promise<number[][]> {
  const peer = await openEmbeddingPeer(gguf, { contextSize: 128 });
  try {
    const out: number[][] = [];
    for (const t of TEXTS) out.push(await peer.embed(t));
    return out;
  } finally {
    await peer.dispose();
  }
}

describe.skipIf(!existsSync(TOKENIZER_DIR))('bert-tiny embeddings (WordPiece vocabulary from ../shared)', () => {
  // BERT, and nomic-bert (rotary, fused QKV, SwiGLU: nomic-embed-text)
  for (const [preset, quant] of (['bert-tiny', 'nomic-tiny'] as const).flatMap((p) => (Object.keys(MIN_COSINE) as QuantPreset[]).map((q) => [p, q] as const))) {
    it(`${preset} ${quant}: tokens and embeddings agree with llama.cpp, on every backend`, async () => {
      const path = join(dir, `${preset}-${quant}.gguf`);
      const { arch, shape } = PRESETS[preset]!;
      await generateModel({ arch, shape, seed: 11, gguf: path, quant, tokenizerDir: TOKENIZER_DIR });
      const peer = await openEmbeddingPeer(path, { contextSize: shape.contextLength });
      let expected: number[][];
      let peerTokens: number[][];
      try {
        expected = [];
        for (const t of TEXTS) expected.push(await peer.embed(t));
        peerTokens = TEXTS.map((t) => peer.tokenize(t));
      } finally {
        await peer.dispose();
      }
      for (const backend of backends) {
        await withModel(path, backend, async (m) => {
          expect(TEXTS.map((t) => m.tokenizer.encode(t, { addSpecial: false }))).toEqual(peerTokens);
          const r = await m.embed(TEXTS);
          expect(r.pooling).toBe('mean');
          r.embeddings.forEach((e, i) => {
            const c = cosine(e, expected[i]!);
            if (i === 0) console.log(`${preset} ${quant} (${m.backend.name}): cosine with llama.cpp ${c.toFixed(7)}`);
            expect(c, `${quant} ${m.backend.name} text ${i}`).toBeGreaterThanOrEqual(MIN_COSINE[quant]!);
          });
        });
      }
    });
  }

  // BertModel, and NomicBertModel (GPT-2-style config keys, fused Wqkv, fc11/fc12 SwiGLU)
  for (const preset of ['bert-tiny', 'nomic-tiny'] as const) {
    it(`${preset}: GGUF and safetensors of the same weights give the same embeddings`, async () => {
      const gguf = join(dir, `${preset}-same.gguf`);
      const hf = join(dir, `${preset}-same-hf`);
      const { arch, shape } = PRESETS[preset]!;
      await generateModel({ arch, shape, seed: 3, gguf, hf, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
      const backend = backends.at(-1);
      const fromGGUF = await withModel(gguf, backend, (m) => m.embed(TEXTS));
      const fromHF = await withModel(hf, backend, async (m) => {
        expect(m.arch.name).toBe(arch);
        expect(m.hparams.pooling).toBe('mean'); // from 1_Pooling/config.json
        expect(m.hparams.contextLength).toBe(shape.contextLength);
        return m.embed(TEXTS);
      });
      expect(fromHF.tokens).toEqual(fromGGUF.tokens);
      fromHF.embeddings.forEach((e, i) => expect(maxDiff(e, fromGGUF.embeddings[i]!)).toBe(0));
    });
  }

  it('packing, pooling, dimensions and normalisation', async () => {
    const path = join(dir, 'bert-pool.gguf');
    await generateModel({ arch, shape, seed: 5, gguf: path, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
    await withModel(path, backends.at(-1), async (m) => {
      const width = shape.hiddenSize;
      // inputs packed into one pass give what each gives alone
      const packed = await m.embed(TEXTS);
      for (const [i, t] of TEXTS.entries()) expect(maxDiff((await m.embed([t])).embeddings[0]!, packed.embeddings[i]!)).toBeLessThan(1e-5);
      // several passes: a batch limit below the total splits the inputs
      const split = await m.embed(TEXTS, { batchTokens: 1 });
      split.embeddings.forEach((e, i) => expect(maxDiff(e, packed.embeddings[i]!)).toBeLessThan(1e-5));

      // pooled vectors made by hand from the per-token states
      const tokens = await m.embed(TEXTS, { pooling: 'none', normalize: false });
      const pools = { mean: await m.embed(TEXTS, { pooling: 'mean', normalize: false }), cls: await m.embed(TEXTS, { pooling: 'cls', normalize: false }), last: await m.embed(TEXTS, { pooling: 'last', normalize: false }) };
      tokens.embeddings.forEach((states, i) => {
        const n = tokens.tokens[i]!;
        expect(states.length).toBe(n * width);
        const mean = new Float64Array(width);
        for (let t = 0; t < n; t++) for (let j = 0; j < width; j++) mean[j]! += states[t * width + j]! / n;
        expect(maxDiff(pools.mean.embeddings[i]!, mean)).toBeLessThan(1e-5);
        expect(maxDiff(pools.cls.embeddings[i]!, states.subarray(0, width))).toBe(0);
        expect(maxDiff(pools.last.embeddings[i]!, states.subarray((n - 1) * width))).toBe(0);
      });

      // Matryoshka: the first k values of the raw vector, then scaled to unit length
      const short = await m.embed(TEXTS, { dimensions: 16 });
      short.embeddings.forEach((e, i) => {
        const raw = pools.mean.embeddings[i]!.subarray(0, 16);
        const norm = Math.hypot(...raw);
        expect(e.length).toBe(16);
        expect(maxDiff(e, raw.map((x) => x / norm))).toBeLessThan(1e-6);
      });
    });
  });

  it('refuses what it cannot embed, saying why', async () => {
    const path = join(dir, 'bert-bad.gguf');
    await generateModel({ arch, shape, seed: 5, gguf: path, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
    await withModel(path, 'reference', async (m) => {
      await expect(m.embed(['word '.repeat(shape.contextLength)])).rejects.toThrow(/input 0 has (more than )?1[23][0-9] tokens but the model takes at most 128/);
      await expect(m.embed([[101, 1, 102], [101, shape.vocabSize]])).rejects.toThrow(/input 1: token 30522 is outside the vocabulary/);
      await expect(m.embed([[]])).rejects.toThrow(/input 0 has no tokens/);
      await expect(m.embed(['x'], { dimensions: 65 })).rejects.toThrow(/dimensions must be an integer from 1 to 64/);
      await expect(m.embed(['x'], { pooling: 'max' as never })).rejects.toThrow(/pooling must be one of/);
      expect(() => m.createSession()).toThrow(/bert is an embedding model: it does not generate text/);
    });
  });

  describe('bert-rerank-tiny: a cross-encoder', () => {
    const rerank = PRESETS['bert-rerank-tiny']!;
    const QUERY = 'what is a cat?';
    const DOCS = ['A cat is a small furry animal.', 'Stocks fell today.', 'cats', 'The domestic cat is a small carnivorous mammal kept as a pet; cats are valued by humans for companionship.'];
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

    it('scores pairs as llama.cpp does (token-type rows equal: llama.cpp types every token 0), from GGUF and safetensors alike', async () => {
      const gguf = join(dir, 'rerank.gguf');
      const hf = join(dir, 'rerank-hf');
      await generateModel({ arch: rerank.arch, shape: rerank.shape, seed: 4, gguf, hf, quant: 'F32', tokenizerDir: TOKENIZER_DIR, identicalTokenTypes: true });
      const peer = await openRankingPeer(gguf, { contextSize: rerank.shape.contextLength });
      for (const backend of backends) {
        await withModel(gguf, backend, async (m) => {
          const r = await m.rerank(QUERY, DOCS);
          const q = m.tokenizer.encode(QUERY, { addSpecial: false });
          for (const [i, d] of DOCS.entries()) {
            // node-llama-cpp frames [CLS] query [SEP] document; the closing [SEP] goes with the document
            const want = await peer.rank(q, [...m.tokenizer.encode(d, { addSpecial: false }), 102]);
            expect(r.tokens[i]).toBe(q.length + m.tokenizer.encode(d, { addSpecial: false }).length + 3);
            expect(Math.abs(sigmoid(r.scores[i]!) - want), `${m.backend.name} doc ${i}`).toBeLessThan(1e-4);
          }
        });
      }
      await peer.dispose();
      await expectFolderRerankLikeGGUF(gguf, hf, QUERY, DOCS);
    });

    it('types the document 1 (as transformers does), cuts a long document to fit, and refuses an embedder', async () => {
      const typed = join(dir, 'rerank-typed.gguf');
      const same = join(dir, 'rerank-same.gguf');
      await generateModel({ arch: rerank.arch, shape: rerank.shape, seed: 9, gguf: typed, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
      await generateModel({ arch: rerank.arch, shape: rerank.shape, seed: 9, gguf: same, quant: 'F32', tokenizerDir: TOKENIZER_DIR, identicalTokenTypes: true });
      // the two files differ only in token-type row 1: equal scores would mean the document was typed 0
      const a = await withModel(typed, 'reference', (m) => m.rerank(QUERY, DOCS));
      const b = await withModel(same, 'reference', (m) => m.rerank(QUERY, DOCS));
      a.scores.forEach((s, i) => expect(Math.abs(s - b.scores[i]!)).toBeGreaterThan(1e-4));

      await withModel(typed, 'reference', async (m) => {
        const long = await m.rerank(QUERY, ['cat '.repeat(500)]);
        expect(long.tokens[0]).toBe(rerank.shape.contextLength);
        await expect(m.rerank('cat '.repeat(200), ['x'])).rejects.toThrow(/no room for a document/);
      });
      const embedder = join(dir, 'embedder.gguf');
      await generateModel({ arch, shape, seed: 1, gguf: embedder, quant: 'F32', tokenizerDir: TOKENIZER_DIR });
      await withModel(embedder, 'reference', (m) => expect(m.rerank(QUERY, DOCS)).rejects.toThrow(/this bert model is not a reranker \(pooling mean\)/));
    });
  });

  it('a decoder embedder (qwen3-tiny marked last-token, as Qwen3-Embedding): llama.cpp\'s vectors, GGUF and safetensors alike', async () => {
    const q3 = PRESETS['qwen3-tiny']!;
    const gguf = join(dir, 'qwen3-embed.gguf');
    const hf = join(dir, 'qwen3-embed-hf');
    await generateModel({ arch: q3.arch, shape: q3.shape, seed: 6, gguf, hf, quant: 'F32', pooling: 'last' });
    const expected = await llamaCppVectors(gguf);
    for (const backend of backends) {
      await withModel(gguf, backend, async (m) => {
        expect(m.kind).toBe('embedding');
        const r = await m.embed(TEXTS);
        expect(r.pooling).toBe('last');
        r.embeddings.forEach((e, i) => expect(cosine(e, expected[i]!), `${m.backend.name} text ${i}`).toBeGreaterThanOrEqual(0.9999));
      });
    }
    const fromGGUF = await withModel(gguf, 'reference', (m) => m.embed(TEXTS));
    const fromHF = await withModel(hf, 'reference', async (m) => {
      expect(m.hparams.pooling).toBe('last');
      return m.embed(TEXTS);
    });
    fromHF.embeddings.forEach((e, i) => expect(maxDiff(e, fromGGUF.embeddings[i]!)).toBe(0));
  });

  // EmbeddingGemma: Gemma 3's layers attending both ways, sliding layers to a symmetric window
  // (2 positions either side here, so the longer texts feel it), mean pooling, then the Dense pair
  it.each(['F32', 'Q8_0'] as const)('EmbeddingGemma (embeddinggemma-tiny) %s: llama.cpp\'s vectors on every backend, GGUF and safetensors alike', async (quant) => {
    const eg = PRESETS['embeddinggemma-tiny']!;
    const gguf = join(dir, `embeddinggemma-${quant}.gguf`);
    const hf = join(dir, `embeddinggemma-${quant}-hf`);
    await generateModel({ arch: eg.arch, shape: eg.shape, seed: 8, gguf, ...(quant === 'F32' && { hf }), quant });
    const expected = await llamaCppVectors(gguf);
    for (const backend of backends) {
      await withModel(gguf, backend, async (m) => {
        expect(m.kind).toBe('embedding');
        const r = await m.embed(TEXTS);
        expect(r.pooling).toBe('mean');
        expect(r.width).toBe(eg.shape.hiddenSize);
        r.embeddings.forEach((e, i) => {
          const c = cosine(e, expected[i]!);
          if (i === 4) console.log(`embeddinggemma ${quant} (${m.backend.name}): cosine with llama.cpp ${c.toFixed(7)}`);
          expect(c, `${m.backend.name} text ${i}`).toBeGreaterThanOrEqual(MIN_COSINE[quant]!);
        });
      });
    }
    if (quant !== 'F32') return;
    const fromGGUF = await withModel(gguf, 'reference', (m) => m.embed(TEXTS));
    const fromHF = await withModel(hf, 'reference', async (m) => {
      expect(m.arch.name).toBe('gemma-embedding');
      expect(m.hparams.pooling).toBe('mean');
      return m.embed(TEXTS);
    });
    fromHF.embeddings.forEach((e, i) => expect(maxDiff(e, fromGGUF.embeddings[i]!)).toBe(0));
    // Dense modules ix cannot run as the folder says are refused: an activation, or another architecture
    const bad = join(dir, 'embeddinggemma-bad-hf');
    await cp(hf, bad, { recursive: true });
    const dense = join(bad, '2_Dense', 'config.json');
    await writeFile(dense, JSON.stringify({ ...JSON.parse(await readFile(dense, 'utf8')), activation_function: 'torch.nn.modules.activation.Tanh' }));
    await expect(loadModel(bad, { backend: 'reference' })).rejects.toThrow(/Dense activation "torch.nn.modules.activation.Tanh" is not supported/);
    const config = join(hf, 'config.json');
    await writeFile(config, JSON.stringify({ ...JSON.parse(await readFile(config, 'utf8')), architectures: ['Gemma3ForCausalLM'] }));
    await expect(loadModel(hf, { backend: 'reference' })).rejects.toThrow(/Dense modules are supported for EmbeddingGemma only \(this is gemma3\)/);
  });

  it('a decoder reranker (qwen3-rerank-tiny: a yes/no head and a rerank template, as Qwen3-Reranker converts): P(yes) as llama.cpp scores it, GGUF and safetensors alike', async () => {
    const { arch: qArch, shape: qShape } = PRESETS['qwen3-rerank-tiny']!;
    const gguf = join(dir, 'qwen3-rerank.gguf');
    const hf = join(dir, 'qwen3-rerank-hf');
    await generateModel({ arch: qArch, shape: qShape, seed: 4, gguf, hf, quant: 'F32' });
    const query = 'what is a cat?';
    const docs = ['A cat is a small furry animal.', 'Stocks fell today.', 'cats'];
    const peer = await openRankingPeer(gguf, { contextSize: 512, template: '{{query}}{{document}}' });
    try {
      for (const backend of backends) {
        await withModel(gguf, backend, async (m) => {
          expect(m.kind).toBe('reranker');
          const r = await m.rerank(query, docs);
          const template = m.file.metadata['tokenizer.chat_template.rerank'] as string;
          for (const [i, d] of docs.entries()) {
            // the prompt llama.cpp's server builds; its tokens as llama.cpp makes them
            const prompt = template.replace('{query}', query).replace('{document}', d);
            const ids = peer.tokenize(prompt, true);
            expect(r.tokens[i]).toBe(ids.length);
            const want = await peer.rank(ids.slice(0, -1), ids.slice(-1));
            expect(Math.abs(r.scores[i]! - want), `${m.backend.name} doc ${i}`).toBeLessThan(2e-4);
          }
        });
      }
    } finally {
      await peer.dispose();
    }
    // the folder (a Qwen3ForCausalLM whose README names it Qwen3-Reranker): the same scores
    await expectFolderRerankLikeGGUF(gguf, hf, query, docs);
    // without the README it is the chat model it also is
    await rm(join(hf, 'README.md'));
    await withModel(hf, 'reference', async (m) => expect(m.kind).toBe('generative'));
  });
});
