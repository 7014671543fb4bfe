/**
 * tokenizerFromGGUF and tokenizerFromLlama2c against independent truths:
 * - stories260K: the GGUF metadata (read by node-llama-cpp's own GGUF reader) and llama2.c's
 *   tok512.bin describe the same vocabulary and must tokenize identically; llama.cpp itself
 *   (node-llama-cpp) must tokenize and detokenize the same as ix;
 * - byte-level BPE and WordPiece GGUF vocabularies, written from tokenizer.json files the way
 *   llama.cpp's convert_hf_to_gguf.py does, must tokenize like the HF oracle.
 */
import { Tokenizer as OracleTokenizer } from '@huggingface/tokenizers';
import fs from 'node:fs';
import { getLlama, readGgufFileInfo, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLlama2cTokenizer, tokenizerFromGGUF, tokenizerFromLlama2c, type Tokenizer } from '../src/tokenizer/index.js';
import { writeGGUF } from '../src/formats/gguf/writer.js';
import { GGUFValueType } from '../src/formats/gguf/types.js';
import { FileSink } from '../src/formats/node-source.js';
import { tempDir } from './fixtures/model-files.js';
import { CORPUS } from './corpus/corpus.js';
import { lenmlFiles, miniLmFiles, mismatches, sharedModelFile, type LenmlModel } from './corpus/fixtures.js';

const GGUF = sharedModelFile('stories260K', 'stories260K.gguf');

/** GGUF metadata as flat keys ("tokenizer.ggml.tokens"), from node-llama-cpp's reader */
async function ggufTokenizerMetadata(file: string): Promise<Record<string, unknown>> {
  const info = await readGgufFileInfo(file, { readTensorInfo: false });
  const ggml = (info.metadata as unknown as { tokenizer: { ggml: Record<string, unknown> } }).tokenizer.ggml;
  return Object.fromEntries(Object.entries(ggml).map(([k, v]) => [`tokenizer.ggml.${k}`, v]));
}

describe('stories260K: GGUF metadata vs llama2.c tok512.bin vs llama.cpp', () => {
  let fromGguf: Tokenizer;
  let fromBin: Tokenizer;
  let llama: Llama;
  let model: LlamaModel;

  beforeAll(async () => {
    fromGguf = tokenizerFromGGUF(await ggufTokenizerMetadata(GGUF));
    fromBin = tokenizerFromLlama2c(parseLlama2cTokenizer(fs.readFileSync(sharedModelFile('stories260K', 'tok512.bin')), 512));
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    model = await llama.loadModel({ modelPath: GGUF });
  });
  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  it('both files give the same vocabulary facts (512 tokens, BOS 1, EOS 2)', () => {
    for (const t of [fromGguf, fromBin]) {
      expect(t.vocabSize).toBe(512);
      expect([t.bos, t.eos]).toEqual([1, 2]);
      expect(t.tokenToPiece(3)).toBe('<0x00>');
      expect(t.isSpecial(1) && t.isSpecial(2) && !t.isSpecial(300)).toBe(true);
    }
  });

  it('tok512.bin and the GGUF metadata encode every corpus string identically', () => {
    for (const parseSpecial of [false, true]) {
      const r = mismatches(CORPUS, (s) => fromBin.encode(s, { parseSpecial }), (s) => fromGguf.encode(s, { parseSpecial }));
      expect(r.examples).toEqual([]);
    }
    console.info(`stories260K: tok512.bin vs GGUF, ${CORPUS.length}/${CORPUS.length} agree (x2 special modes)`);
  });

  it('tokenizes like llama.cpp (node-llama-cpp), with and without special-token parsing', () => {
    const plain = mismatches(CORPUS, (s) => fromGguf.encode(s, { addSpecial: false }), (s) => [...model.tokenize(s)]);
    const special = mismatches(
      CORPUS,
      (s) => fromGguf.encode(s, { addSpecial: false, parseSpecial: true }),
      (s) => [...model.tokenize(s, true)],
    );
    console.info(`stories260K vs llama.cpp: ${CORPUS.length - plain.count}/${CORPUS.length} plain, ${CORPUS.length - special.count}/${CORPUS.length} special`);
    expect(plain.examples).toEqual([]);
    expect(special.examples).toEqual([]);
  });

  it('detokenizes like llama.cpp (text without special tokens)', () => {
    const r = mismatches(
      CORPUS,
      (s) => fromGguf.decode(fromGguf.encode(s, { addSpecial: false })),
      (s) => model.detokenize(model.tokenize(s)),
    );
    expect(r.examples).toEqual([]);
  });

  it('adds BOS by default (llama vocabularies), not EOS', () => {
    expect(fromGguf.encode('Once upon a time')[0]).toBe(1);
    expect(fromGguf.encode('')).toEqual([1]);
    expect(fromGguf.encode('x', { addSpecial: false })).not.toContain(1);
  });
});

/** A GGUF tokenizer section as convert_hf_to_gguf.py writes it for a tokenizer.json. */
function ggufFromTokenizerJson(json: Record<string, unknown>, model: 'gpt2' | 'bert', pre?: string): Record<string, unknown> {
  const m = json.model as { vocab: Record<string, number>; merges?: (string | [string, string])[] };
  const added = json.added_tokens as { id: number; content: string; special: boolean }[];
  const tokens: string[] = [];
  const types: number[] = [];
  for (const [piece, id] of Object.entries(m.vocab)) {
    tokens[id] = model === 'bert' ? bertPhantomSpace(piece) : piece;
    types[id] = 1; // NORMAL
  }
  for (const t of added) {
    tokens[t.id] = t.content;
    types[t.id] = t.special ? 3 : 4; // CONTROL : USER_DEFINED
  }
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === undefined) [tokens[i], types[i]] = [`[PAD${i}]`, 5]; // UNUSED filler, as the converter does
  }
  const md: Record<string, unknown> = {
    'tokenizer.ggml.model': model,
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': types,
  };
  if (pre) md['tokenizer.ggml.pre'] = pre;
  if (m.merges) md['tokenizer.ggml.merges'] = m.merges.map((x) => (Array.isArray(x) ? x.join(' ') : x));
  return md;
}

/** convert_hf_to_gguf's WordPiece rewrite: "##x" -> "x", "[X]" kept, other pieces get a leading U+2581 */
function bertPhantomSpace(piece: string): string {
  if (piece.startsWith('[') && piece.endsWith(']')) return piece;
  return piece.startsWith('##') ? piece.slice(2) : '\u2581' + piece;
}

describe.each([
  ['qwen3', 'qwen2'],
  ['llama3', 'llama-bpe'],
  ['deepseek_v3', 'deepseek-v3'],
] as [LenmlModel, string][])('GGUF byte-level BPE (%s, pre %s) vs the tokenizer.json oracle', (name, pre) => {
  const f = lenmlFiles(name);
  const ix = tokenizerFromGGUF(ggufFromTokenizerJson(f.tokenizerJson, 'gpt2', pre));
  const oracle = new OracleTokenizer(f.tokenizerJson, f.tokenizerConfig);
  // llama.cpp does not apply the NFC normalizer some tokenizer.json files have; compare on NFC text
  const inputs = CORPUS.map((s) => s.normalize('NFC'));

  it('encodes every corpus string the same', () => {
    const r = mismatches(inputs, (s) => ix.encode(s, { addSpecial: false, parseSpecial: true }), (s) => oracle.encode(s, { add_special_tokens: false }).ids);
    console.info(`GGUF ${pre}: ${inputs.length - r.count}/${inputs.length} agree`);
    expect(r.examples).toEqual([]);
  });

  it('decodes the same', () => {
    const r = mismatches(
      inputs.filter((s) => s !== ''),
      (s) => ix.decode(oracle.encode(s, { add_special_tokens: false }).ids),
      (s) => oracle.decode(oracle.encode(s, { add_special_tokens: false }).ids, { clean_up_tokenization_spaces: false }),
    );
    expect(r.examples).toEqual([]);
  });

  it('adds BOS only for Llama 3 vocabularies unless add_bos_token says otherwise', () => {
    const bos = ix.encode('hi')[0];
    expect(bos === ix.bos).toBe(pre === 'llama-bpe' && ix.bos !== undefined);
  });
});

describe('GGUF WordPiece (all-MiniLM-L6-v2 vocabulary in GGUF form) vs the tokenizer.json oracle', () => {
  const f = miniLmFiles();
  const md = ggufFromTokenizerJson(f.tokenizerJson, 'bert');
  md['tokenizer.ggml.cls_token_id'] = 101;
  md['tokenizer.ggml.seperator_token_id'] = 102;
  md['tokenizer.ggml.unknown_token_id'] = 100;
  const ix = tokenizerFromGGUF(md);
  const oracle = new OracleTokenizer(f.tokenizerJson, f.tokenizerConfig);
  const inputs = CORPUS.filter((s) => !/[\u{20000}-\u{2FA1F}]/u.test(s)); // see tokenizer-hf.test.ts: oracle misses astral CJK

  it('encodes every corpus string the same, [CLS] ... [SEP] included', () => {
    const r = mismatches(inputs, (s) => ix.encode(s, { parseSpecial: true }), (s) => oracle.encode(s).ids);
    expect(r.examples).toEqual([]);
  });

  it('decodes the same', () => {
    const r = mismatches(inputs, (s) => ix.decode(oracle.encode(s).ids), (s) => oracle.decode(oracle.encode(s).ids));
    expect(r.examples).toEqual([]);
  });
  // a cased model's GGUF says so (convert_hf_to_gguf copies BertNormalizer's flags): the same
  // vocabulary with lowercasing off, against tokenizer.json with the same normalizer flags
  it.each([
    [false, undefined],
    [false, true],
    [true, false],
  ])('tokenizer.ggml.normalizer.lowercase %s, strip_accents %s: as tokenizer.json with those flags', (lowercase, stripAccents) => {
    const flags = { 'tokenizer.ggml.normalizer.lowercase': lowercase, ...(stripAccents !== undefined && { 'tokenizer.ggml.normalizer.strip_accents': stripAccents }) };
    const cased = tokenizerFromGGUF({ ...md, ...flags });
    const json = structuredClone(f.tokenizerJson) as { normalizer: Record<string, unknown> };
    json.normalizer = { ...json.normalizer, lowercase, strip_accents: stripAccents ?? null };
    const casedOracle = new OracleTokenizer(json, f.tokenizerConfig);
    const r = mismatches(inputs, (s) => cased.encode(s, { parseSpecial: true }), (s) => casedOracle.encode(s).ids);
    expect(r.count).toBe(0);
    // the flags change the tokens of most of the corpus (the vocabulary is uncased)
    expect(mismatches(inputs, (s) => cased.encode(s, { parseSpecial: true }), (s) => ix.encode(s, { parseSpecial: true })).count).toBeGreaterThan(inputs.length / 4);
  });
});

/**
 * Every pre-tokenizer name ix maps, against llama.cpp itself: a vocabulary-only GGUF with Qwen3's
 * byte-level BPE vocabulary and the name in tokenizer.ggml.pre, tokenized by node-llama-cpp and by
 * ix over the corpus. (The vocabulary is not the family's own; the splits are what differ.)
 */
/**
 * A SentencePiece ("llama") GGUF tokenizer section from a SentencePiece-BPE tokenizer.json, as
 * convert_hf_to_gguf's _set_vocab_sentencepiece writes one (pieces in id order, <0xNN> byte pieces,
 * added tokens as control / user-defined); scores fall with the id, the order SentencePiece BPE
 * stores its merges in.
 */
function ggufSentencePiece(json: Record<string, unknown>, ids: { bos: number; eos: number; unk: number; pad?: number }, addSpacePrefix: boolean): Record<string, unknown> {
  const m = json.model as { vocab: Record<string, number> };
  const tokens: string[] = [];
  const types: number[] = [];
  for (const [piece, id] of Object.entries(m.vocab)) {
    tokens[id] = piece;
    types[id] = /^<0x[0-9A-F]{2}>$/.test(piece) ? 6 : 1; // BYTE : NORMAL
  }
  for (const t of json.added_tokens as { id: number; content: string; special: boolean }[]) {
    tokens[t.id] = t.content;
    types[t.id] = t.special ? 3 : 4;
  }
  types[ids.unk] = 2; // UNKNOWN
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === undefined) [tokens[i], types[i]] = [`[PAD${i}]`, 5];
  return {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.scores': Float32Array.from(tokens, (_, i) => (types[i] === 1 ? -i : 0)),
    'tokenizer.ggml.token_type': Int32Array.from(types),
    'tokenizer.ggml.bos_token_id': ids.bos,
    'tokenizer.ggml.eos_token_id': ids.eos,
    'tokenizer.ggml.unknown_token_id': ids.unk,
    ...(ids.pad !== undefined && { 'tokenizer.ggml.padding_token_id': ids.pad }),
    'tokenizer.ggml.add_space_prefix': addSpacePrefix,
  };
}

/**
 * Gemma 3's tokenizer.json BPE (raw UTF-8 pieces, <0xXX> byte tokens marked BYTE) as the GGUF
 * tokenizer section of `model` / `pre`, with Gemma's BOS and EOS and `extra` keys
 */
function gemma3RawBpe(model: string, pre: string | undefined, extra: Record<string, unknown>): Record<string, unknown> {
  const f = lenmlFiles('gemma3');
  const tokenizer: Record<string, unknown> = {
    ...ggufFromTokenizerJson(f.tokenizerJson, 'gpt2', pre),
    'tokenizer.ggml.model': model,
    'tokenizer.ggml.bos_token_id': 2,
    'tokenizer.ggml.eos_token_id': 1,
    ...extra,
  };
  const tokens = tokenizer['tokenizer.ggml.tokens'] as string[];
  tokenizer['tokenizer.ggml.token_type'] = Int32Array.from(tokenizer['tokenizer.ggml.token_type'] as number[], (t, i) => (/^<0x[0-9A-F]{2}>$/.test(tokens[i]!) ? 6 : t)); // BYTE
  return tokenizer;
}

/** A vocabulary-only GGUF of a tiny gemma3 around `tokenizer` (the sizes llama.cpp reads even then); its metadata */
async function gemma3VocabFile(file: string, tokenizer: Record<string, unknown>): Promise<Record<string, unknown>> {
  const md: Record<string, unknown> = {
    'general.architecture': 'gemma3',
    'gemma3.context_length': 512,
    'gemma3.embedding_length': 64,
    'gemma3.block_count': 1,
    'gemma3.feed_forward_length': 128,
    'gemma3.attention.head_count': 4,
    'gemma3.attention.layer_norm_rms_epsilon': 1e-6,
    ...tokenizer,
  };
  const u32 = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
  const types = {
    ...Object.fromEntries(u32.map((k) => [`gemma3.${k}`, GGUFValueType.UINT32])),
    'gemma3.attention.layer_norm_rms_epsilon': GGUFValueType.FLOAT32,
    ...Object.fromEntries(Object.keys(tokenizer).filter((k) => k.endsWith('_token_id')).map((k) => [k, GGUFValueType.UINT32])),
  };
  await writeGGUF(await FileSink.create(file), { metadata: md, types, tensors: [] });
  return md;
}

describe('GGUF vocabularies of Gemma 3 (262k pieces) vs llama.cpp: SentencePiece (no space prefix) and the gemma4 BPE', () => {
  const tmp = tempDir();
  let llama: Llama;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  });
  afterAll(async () => {
    await llama?.dispose();
  });

  it('every corpus string tokenizes as llama.cpp does, and BOS is added', async () => {
    const f = lenmlFiles('gemma3');
    // Gemma 3's special ids, as its tokenizer_config.json and convert_hf_to_gguf's Gemma3Model give them
    const file = `${tmp.dir}/vocab-gemma3.gguf`;
    const md = await gemma3VocabFile(file, ggufSentencePiece(f.tokenizerJson, { bos: 2, eos: 1, unk: 3, pad: 0 }, false));
    const peer = await llama.loadModel({ modelPath: file, vocabOnly: true });
    try {
      const ix = tokenizerFromGGUF(md);
      expect(ix.encode('hi')[0]).toBe(2);
      // as in the pre-tokenizer test: llama.cpp promotes control-looking text to control tokens
      const inputs = CORPUS.filter((c) => !/<\/?s>|<\||\|>|<(PRE|SUF|MID|EOT)>|<(start|end)_of_turn>|<(bos|eos|pad|unk)>/.test(c));
      expect(inputs.length).toBeGreaterThan(CORPUS.length / 2);
      const r = mismatches(inputs, (t) => ix.encode(t, { addSpecial: false }), (t) => [...peer.tokenize(t, false)].map(Number));
      console.info(`Gemma 3 SentencePiece GGUF: ${inputs.length - r.count}/${inputs.length} agree with llama.cpp`);
      expect(r.examples).toEqual([]);
    } finally {
      await peer.dispose();
    }
  }, 120_000);

  /**
   * A Gemma 3 vocabulary GGUF of this tokenizer section, tokenized by ix and llama.cpp over the
   * corpus (texts with special-token text left out): every string must agree. The caller disposes `peer`.
   */
  async function tokenizesLikeLlamaCpp(tokenizer: Record<string, unknown>, name: string) {
    const file = `${tmp.dir}/${name}.gguf`;
    const md = await gemma3VocabFile(file, tokenizer);
    const peer = await llama.loadModel({ modelPath: file, vocabOnly: true });
    const ix = tokenizerFromGGUF(md);
    const inputs = CORPUS.filter((c) => !/<\/?s>|<\||\|>|<(PRE|SUF|MID|EOT)>|<(start|end)_of_turn>|<(bos|eos|pad|unk|mask)>/.test(c));
    try {
      expect(inputs.length).toBeGreaterThan(CORPUS.length / 2);
      const r = mismatches(inputs, (t) => ix.encode(t, { addSpecial: false }), (t) => [...peer.tokenize(t, false)].map(Number));
      console.info(`${name}: ${inputs.length - r.count}/${inputs.length} agree with llama.cpp`);
      expect(r.examples).toEqual([]);
    } catch (e) {
      await peer.dispose();
      throw e;
    }
    return { ix, peer, inputs };
  }

  // the "gemma4" BPE (SentencePiece-style: U+2581 spaces, raw UTF-8, <0xXX> byte fallback):
  // Gemma 3's tokenizer.json is this kind of BPE (514,906 merges, byte fallback): written as
  // tokenizer model "gemma4" (and as pre-tokenizer granite-embed-multi-311m / sarvam-moe of a "gpt2"
  // vocabulary, which llama.cpp runs the same way)
  it.each([
    ['gemma4', undefined],
    ['gpt2', 'granite-embed-multi-311m'],
    ['gpt2', 'sarvam-moe'],
  ] as const)('model %s, pre %s: every corpus string tokenizes as llama.cpp does; decoding gives the text back', async (model, pre) => {
    const { ix, peer, inputs } = await tokenizesLikeLlamaCpp(gemma3RawBpe(model, pre, { 'tokenizer.ggml.padding_token_id': 0 }), `vocab-${model}-${pre ?? 'none'}`);
    try {
      // BOS as llama.cpp adds it (always for Gemma 4's pre-tokenizer: llama.cpp overrides the flag)
      expect(ix.encode('hi')[0] === 2).toBe(peer.tokens.shouldPrependBosToken);
      expect(peer.tokens.shouldPrependBosToken).toBe(pre !== 'sarvam-moe');
      // decoding gives the text back (texts without U+2581 of their own); llama.cpp's detokenizer
      // agrees where it does not clean spaces up (sarvam-moe: for gemma4 it also drops the space
      // before "!", "?" and the like, which Gemma's own tokenizer does not), apart from printing
      // user-defined tokens as stored (Gemma's whitespace runs "▁▁" stay U+2581 there)
      const sample = inputs.filter((t) => !t.includes('\u2581')).slice(0, 300);
      expect(mismatches(sample, (t) => [ix.decode(ix.encode(t, { addSpecial: false }))], (t) => [t]).examples).toEqual([]);
      const dr = pre !== 'sarvam-moe' ? { examples: [] } : mismatches(sample, (t) => [ix.decode(ix.encode(t, { addSpecial: false }))], (t) => [peer.detokenize(peer.tokenize(t, false)).replaceAll('\u2581', ' ')]);
      expect(dr.examples).toEqual([]);
    } finally {
      await peer.dispose();
    }
  }, 300_000);

  // the "whitespace" model (jina-embeddings-v2-base-zh): words between whitespace, each merged from
  // raw UTF-8 characters, lowercased first when tokenizer.ggml.normalizer.lowercase says so; the
  // same Gemma 3 BPE stands in for its vocabulary
  it.each([false, true])('model whitespace, lowercase %s: every corpus string tokenizes as llama.cpp does; decoding gives the words back', async (lowercase) => {
    const { ix, peer, inputs } = await tokenizesLikeLlamaCpp(gemma3RawBpe('whitespace', 'whitespace', { 'tokenizer.ggml.normalizer.lowercase': lowercase }), `vocab-whitespace-${lowercase}`);
    try {
      expect(ix.encode('hi')[0] === 2).toBe(peer.tokens.shouldPrependBosToken);
      // decoding gives the words back, as llama.cpp's detokenizer does for ASCII text (it reads these
      // pieces as byte-level text, which garbles the rest); texts with spaces only (Gemma's tab and
      // newline tokens are user-defined: matched before the words are cut, they stay)
      const ascii = inputs.filter((t) => /^[\x20-\x7e]+$/.test(t)).slice(0, 300);
      expect(ascii.length).toBeGreaterThan(100);
      const words = (t: string) => [(lowercase ? t.toLowerCase() : t).replaceAll(' ', '')];
      expect(mismatches(ascii, (t) => [ix.decode(ix.encode(t, { addSpecial: false }))], words).examples).toEqual([]);
      expect(mismatches(ascii, (t) => [ix.decode(ix.encode(t, { addSpecial: false }))], (t) => [peer.detokenize(peer.tokenize(t, false))]).examples).toEqual([]);
    } finally {
      await peer.dispose();
    }
  }, 300_000);
});

describe('GGUF pre-tokenizers vs llama.cpp (node-llama-cpp, vocabulary only)', () => {
  const tmp = tempDir();
  let llama: Llama;
  const f = lenmlFiles('qwen3');
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  });
  afterAll(async () => {
    await llama?.dispose();
  });

  // the names new in this list and one of each older family
  const NAMES = [
    ...['qwen35', 'starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b', 'falcon', 'deepseek-coder', 'deepseek-llm', 'gpt-2', 'qwen2', 'llama-bpe', 'deepseek-v3'],
    // one per pattern list added later, and a few of the aliases
    ...['jais-2', 'dbrx', 'laguna', 'ufakzeka', 'bailingmoe', 'seed-coder', 'exaone-moe', 'minicpm5', 'spark2_5', 'afmoe', 'youtu', 'kimi-k2'],
    ...['gpt-4o', 'granite-embed-multi-97m', 'tekken', 'tiny_aya', 'superbpe', 'bloom', 'viking', 'chameleon'],
    ...['lfm2', 'grok-2', 'hunyuan-dense', 'glm4', 'jais', 'roberta-bpe'],
  ];
  it.each(NAMES)('%s: every corpus string tokenizes as llama.cpp does', async (pre) => {
    const md: Record<string, unknown> = {
      'general.architecture': 'qwen3',
      'qwen3.context_length': 512,
      'qwen3.embedding_length': 64,
      'qwen3.block_count': 1,
      'qwen3.feed_forward_length': 128,
      'qwen3.attention.head_count': 4,
      'qwen3.attention.head_count_kv': 4,
      'qwen3.attention.layer_norm_rms_epsilon': 1e-6,
      ...ggufFromTokenizerJson(f.tokenizerJson, 'gpt2', pre),
    };
    md['tokenizer.ggml.token_type'] = Int32Array.from(md['tokenizer.ggml.token_type'] as number[]);
    const u32 = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count', 'attention.head_count_kv'];
    const types = { ...Object.fromEntries(u32.map((k) => [`qwen3.${k}`, GGUFValueType.UINT32])), 'qwen3.attention.layer_norm_rms_epsilon': GGUFValueType.FLOAT32 };
    const file = `${tmp.dir}/vocab-${pre}.gguf`;
    await writeGGUF(await FileSink.create(file), { metadata: md, types, tensors: [] });
    const peer = await llama.loadModel({ modelPath: file, vocabOnly: true });
    try {
      const ix = tokenizerFromGGUF(md);
      // llama.cpp applies no normalizer: compare on NFC text, as the tokenizer.json comparison does.
      // Strings with special-token text are left out: llama.cpp promotes "control-looking" tokens
      // (<|fim_prefix|>, </s>, ...) to control tokens by their text, which ix does not copy.
      const inputs = CORPUS.map((c) => c.normalize('NFC')).filter((c) => !/<\/?s>|<\||\|>|<(PRE|SUF|MID|EOT)>/.test(c));
      expect(inputs.length).toBeGreaterThan(CORPUS.length / 2);
      const r = mismatches(inputs, (t) => ix.encode(t, { addSpecial: false }), (t) => [...peer.tokenize(t, false)].map(Number));
      expect(r.examples).toEqual([]);
    } finally {
      await peer.dispose();
    }
  });
});
