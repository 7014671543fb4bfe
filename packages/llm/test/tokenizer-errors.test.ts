/** Bad input gets a TokenizerError (code 'TOKENIZER') that says what is wrong, never a crash or hang. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IxError } from '@ix/core';
import {
  parseLlama2cTokenizer,
  TokenizerError,
  TokenLimitError,
  tokenizerFromGGUF,
  tokenizerFromHF,
  tokenizerFromLlama2c,
  tokenizerFromSentencePieceModel,
  parseSentencePieceModel,
  sentencePieceTokenizer,
} from '../src/tokenizer/index.js';
import { lenmlFiles, sharedModelFile } from './corpus/fixtures.js';

function expectTokenizerError(f: () => unknown, message: RegExp) {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(TokenizerError);
  expect(thrown).toBeInstanceOf(IxError);
  expect((thrown as IxError).code).toBe('TOKENIZER');
  expect((thrown as Error).message).toMatch(message);
}

/** a tiny valid byte-level BPE tokenizer.json to break in different ways */
function tinyJson(): Record<string, any> {
  return {
    added_tokens: [{ id: 3, content: '<eos>', special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] },
  };
}

describe('token ids', () => {
  const t = tokenizerFromHF(tinyJson(), { eos_token: '<eos>' });

  it('the tiny tokenizer works', () => {
    expect(t.encode('abab')).toEqual([2, 2]);
    expect(t.decode([2, 0, 3])).toBe('aba<eos>');
  });

  it.each([[[4]], [[-1]], [[1.5]], [[Number.NaN]], [[2 ** 40]]])('decode(%j) is rejected', (ids) => {
    expectTokenizerError(() => t.decode(ids), /not in the vocabulary/);
  });

  it('the stream decoder, tokenToPiece and isSpecial reject unknown ids too', () => {
    expectTokenizerError(() => t.createStreamDecoder().push(99), /not in the vocabulary/);
    expectTokenizerError(() => t.createStreamDecoder({ prefix: [99] }), /not in the vocabulary/);
    expectTokenizerError(() => t.tokenToPiece(4), /not in the vocabulary/);
    expectTokenizerError(() => t.isSpecial(-3), /not in the vocabulary/);
  });

  it('non-string text and non-array ids are rejected', () => {
    expectTokenizerError(() => t.encode(42 as unknown as string), /needs a string/);
    expectTokenizerError(() => t.decode('12' as unknown as number[]), /array of token ids/);
  });
});

describe('malformed tokenizer.json', () => {
  const broken: [string, (j: Record<string, any>) => unknown, RegExp][] = [
    ['no model', (j) => delete j.model, /model must be an object/],
    ['vocab is a list', (j) => (j.model.vocab = ['a', 'b']), /model.vocab must be an object/],
    ['negative id', (j) => (j.model.vocab.a = -1), /not a valid id/],
    ['absurd id', (j) => (j.model.vocab.a = 2 ** 40), /not a valid id/],
    ['merge without a space', (j) => (j.model.merges = ['ab']), /merges\[0\] is not a pair/],
    ['merges not a list', (j) => (j.model.merges = 'a b'), /merges must be an array/],
    ['Unigram model with a BPE vocabulary', (j) => (j.model.type = 'Unigram'), /model\.vocab must be an array/],
    ['Unigram model without unk_id', (j) => (j.model = { type: 'Unigram', vocab: [['a', -1]] }), /unk_id/],
    ['Unigram model with a normalizer it does not run', (j) => ((j.added_tokens = []), (j.model = { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a', -1]] }), (j.normalizer = { type: 'NFKC' })), /normalizer "NFKC" is not supported/],
    ['Unigram model whose pair separator is not a token', (j) => ((j.added_tokens = []), (j.model = { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a', -1]] }), (j.normalizer = null), (j.pre_tokenizer = { type: 'Metaspace' }), (j.post_processor = { type: 'RobertaProcessing', sep: ['</s>', 99], cls: ['<s>', 0] })), /sep 99 is not a token/],
    ['Unigram model with a bad charsmap', (j) => ((j.added_tokens = []), (j.model = { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a', -1]] }), (j.normalizer = { type: 'Precompiled', precompiled_charsmap: 'AAAA' }), (j.pre_tokenizer = { type: 'Metaspace' })), /charsmap/],
    ['unknown normalizer', (j) => (j.normalizer = { type: 'Magic' }), /normalizer type "Magic"/],
    ['unknown pre-tokenizer', (j) => (j.pre_tokenizer = { type: 'Magic' }), /pre_tokenizer type "Magic"/],
    ['bad split regex', (j) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated' }), /cannot be compiled/],
    ['unknown decoder', (j) => (j.decoder = { type: 'Magic' }), /decoder type "Magic"/],
    ['added token without id', (j) => (j.added_tokens = [{ content: 'x' }]), /added_tokens\[0\].id/],
    ['template with unknown special', (j) => (j.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<x>' } }], special_tokens: {} }), /unknown special token/],
  ];
  it.each(broken)('%s', (_name, breakIt, message) => {
    const j = tinyJson();
    breakIt(j);
    expectTokenizerError(() => tokenizerFromHF(j), message);
  });

  it('a non-object root', () => {
    expectTokenizerError(() => tokenizerFromHF(null as unknown as object), /root must be an object/);
  });
});

describe('malformed SentencePiece tokenizer.model', () => {
  const good = new Uint8Array(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')));

  it.each([
    ['empty file', new Uint8Array(0), /no pieces/],
    ['truncated in the middle of a piece', good.subarray(0, 1000), /claims \d+ bytes|truncated/],
    ['unterminated varint', Uint8Array.of(0x0a, 0xff, 0xff, 0xff), /truncated varint/],
    ['field number 0', Uint8Array.of(0x00, 0x01), /field number 0/],
    ['unsupported wire type', Uint8Array.of(0x0b), /wire type 3/],
    ['a JSON file instead', new TextEncoder().encode('{"model": {}}'), /.+/],
  ])('%s', (_name, bytes, message) => {
    expectTokenizerError(() => tokenizerFromSentencePieceModel(bytes, 'bad.model'), message);
  });

  it('names the file', () => {
    expectTokenizerError(() => tokenizerFromSentencePieceModel(new Uint8Array(0), 'my.model'), /^my\.model: /);
  });
});

describe('malformed llama2.c tokenizer.bin', () => {
  const good = new Uint8Array(fs.readFileSync(sharedModelFile('stories260K', 'tok512.bin')));
  it('truncated file', () => {
    expectTokenizerError(() => parseLlama2cTokenizer(good.subarray(0, 100), 512, 'tok512.bin'), /^tok512.bin: truncated/);
  });
  it('more tokens claimed than the file holds', () => {
    expectTokenizerError(() => parseLlama2cTokenizer(good, 600), /truncated/);
  });
  it('a token longer than max_token_length', () => {
    const bytes = good.slice();
    new DataView(bytes.buffer).setInt32(8, 1000, true); // length of token 0
    expectTokenizerError(() => parseLlama2cTokenizer(bytes, 512), /token 0 has length 1000/);
  });
  it('too few tokens', () => {
    expectTokenizerError(() => tokenizerFromLlama2c({ tokens: ['a'], scores: [0] }), /at least/);
  });
});

describe('malformed GGUF tokenizer metadata', () => {
  const tokens = ['<unk>', '<s>', '</s>', 'a'];
  const base = {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.scores': [0, 0, 0, -1],
    'tokenizer.ggml.token_type': [2, 3, 3, 1],
    'tokenizer.ggml.bos_token_id': 1,
  };
  it('the base metadata works', () => {
    expect(tokenizerFromGGUF(base).encode('a', { addSpecial: false })).toEqual([0, 3]); // "▁" is unknown here
  });
  it.each([
    ['no tokens', { 'tokenizer.ggml.tokens': undefined }, /tokens is missing/],
    ['scores of the wrong length', { 'tokenizer.ggml.scores': [0] }, /must be 4 numbers/],
    ['unknown model', { 'tokenizer.ggml.model': 'rwkv' }, /"rwkv" is not supported/],
    ['t5 with a charsmap that is not bytes', { 'tokenizer.ggml.model': 't5', 'tokenizer.ggml.precompiled_charsmap': ['x'] }, /precompiled_charsmap is not an array of bytes/],
    ['t5 with a truncated charsmap', { 'tokenizer.ggml.model': 't5', 'tokenizer.ggml.precompiled_charsmap': [255, 255, 0, 0, 1] }, /does not fit/],
    ['gpt2 without merges', { 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'qwen2' }, /merges is missing/],
    ['unknown pre-tokenizer', { 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'martian', 'tokenizer.ggml.merges': [] }, /"martian" is not supported/],
    ['non-integer bos', { 'tokenizer.ggml.bos_token_id': 'one' }, /bos_token_id is not an integer/],
    ['bad byte token', { 'tokenizer.ggml.token_type': [2, 3, 3, 6] }, /byte token 3/],
    ['add_bos_token not a boolean', { 'tokenizer.ggml.add_bos_token': 1 }, /add_bos_token is not a boolean/],
  ])('%s', (_name, patch, message) => {
    expectTokenizerError(() => tokenizerFromGGUF({ ...base, ...patch }), message);
  });
});

describe('a real tokenizer.json survives garbage input text', () => {
  it('encodes lone surrogates and control characters without throwing', () => {
    const f = lenmlFiles('qwen3');
    const t = tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
    const ids = t.encode('\ud800 lone \udfff surrogates \u0000\u0001');
    expect(ids.length).toBeGreaterThan(0);
    expect(t.decode(ids)).toContain('lone');
  });
});

describe('maxTokens: bounded work for prompts that cannot fit', () => {
  const texts = ['Hello world, this is a test.', 'naïve café — 東京 🙂 '.repeat(20), 'x'.repeat(500), 'the quick brown fox '.repeat(200)];
  const tokenizers = () => [
    ['llama2 (SentencePiece)', tokenizerFromSentencePieceModel(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')))],
    ['qwen3 (byte-level BPE)', tokenizerFromHF(lenmlFiles('qwen3').tokenizerJson)],
  ] as const;

  it('changes nothing within the limit, and past it throws TokenLimitError (CONTEXT_FULL)', () => {
    for (const [name, tok] of tokenizers()) {
      for (const text of texts) {
        const ids = tok.encode(text, { addSpecial: false });
        expect(tok.encode(text, { addSpecial: false, maxTokens: ids.length }), name).toEqual(ids);
        let thrown: unknown;
        try {
          tok.encode(text, { addSpecial: false, maxTokens: ids.length - 1 });
        } catch (e) {
          thrown = e;
        }
        expect(thrown, `${name}: ${text.slice(0, 20)}`).toBeInstanceOf(TokenLimitError);
        expect((thrown as IxError).code).toBe('CONTEXT_FULL');
      }
    }
  });

  it('refuses a text far beyond the limit before tokenizing it', () => {
    for (const [, tok] of tokenizers()) {
      // 4 M characters against a limit of 16 tokens: refused from its length alone
      const huge = 'ab '.repeat(1_400_000);
      expect(() => tok.encode(huge, { maxTokens: 16 })).toThrow(TokenLimitError);
    }
  });
});

describe('encodeAsync', () => {
  it('gives the same ids as encode, and lets timers run while a long text is tokenized', async () => {
    const tok = tokenizerFromHF(lenmlFiles('qwen3').tokenizerJson);
    for (const text of ['', 'Hello, world!', '<|im_start|>user\nhi<|im_end|>', 'naïve café — 東京 🙂 '.repeat(50)]) {
      for (const parseSpecial of [false, true]) expect(await tok.encodeAsync(text, { parseSpecial })).toEqual(tok.encode(text, { parseSpecial }));
    }
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(6000);
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    const ids = await tok.encodeAsync(long, { addSpecial: false });
    // the timer ran before the tokenizer finished: the event loop was not held for the whole text
    expect(ticked).toBe(true);
    expect(ids).toEqual(tok.encode(long, { addSpecial: false }));
    await expect(tok.encodeAsync(long, { maxTokens: 100 })).rejects.toBeInstanceOf(TokenLimitError);
  });

  it('SentencePiece too: its text splits into words where no piece crosses, with the same ids as the whole', async () => {
    const tok = tokenizerFromSentencePieceModel(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')));
    // whitespace runs, newlines, a leading space: the pieces of "▁" runs must come out as before
    const long = ' The  quick   brown fox\n\n  jumps over\tthe lazy dog.   '.repeat(3000);
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    const ids = await tok.encodeAsync(long);
    expect(ticked).toBe(true);
    expect(ids).toEqual(tok.encode(long));
    // the same ids as llama.cpp gives the whole text is checked on the corpus (tokenizer-gguf.test.ts)
    expect(tok.decode(ids, { skipSpecial: true })).toBe(long);
  });

  it('SentencePiece with pieces that cross a space: the text is one word, merged in turns too, ids as a plain BPE gives', async () => {
    const m = parseSentencePieceModel(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')));
    // "e▁" and "s▁the" cross a word start, so no split of the text is safe
    const pieces = [...m.pieces, 'e\u2581', 's\u2581the'];
    const scores = Float32Array.from([...m.scores, 0, 0.5]);
    const types = Uint8Array.from([...m.types, 1, 1]);
    const tok = sentencePieceTokenizer({ pieces, scores, types, unk: m.unkId, bos: m.bosId, eos: m.eosId, addBos: false, addEos: false, addSpacePrefix: true }, 'test');
    const text = 'The houses the horse rode are some of the best places here. ';
    expect(tok.encode(text)).toEqual(plainScoredBpe(pieces, scores, '\u2581' + text.replaceAll(' ', '\u2581')));
    expect(tok.encode(text)).toContain(pieces.length - 2);

    const long = text.repeat(2500);
    // count the turns other work got while the one long word was merged (one, at its end, if none within)
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const ids = await tok.encodeAsync(long);
    done = true;
    expect(turns).toBeGreaterThan(3);
    expect(ids).toEqual(tok.encode(long));
    expect(tok.decode(ids)).toBe(long);
  });
});

/** SentencePiece BPE the slow, obvious way: merge the best-scored adjacent pair (leftmost on ties) until none is a piece */
function plainScoredBpe(pieces: readonly string[], scores: ArrayLike<number>, text: string): number[] {
  const id = new Map<string, number>();
  pieces.forEach((p, i) => id.has(p) || id.set(p, i));
  const symbols = Array.from(text);
  for (;;) {
    let best = -1;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const merged = id.get(symbols[i] + symbols[i + 1]);
      if (merged !== undefined && (best < 0 || scores[merged] > scores[id.get(symbols[best] + symbols[best + 1])!])) best = i;
    }
    if (best < 0) break;
    symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
  }
  return symbols.map((s) => id.get(s)!);
}
