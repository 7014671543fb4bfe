/**
 * Streaming detokenization: for every tokenizer and corpus string, the pieces a stream decoder
 * emits concatenate to decode(all ids), and no piece carries U+FFFD unless the full text does
 * (i.e. characters split across tokens are never emitted half-way).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseLlama2cTokenizer,
  tokenizerFromHF,
  tokenizerFromLlama2c,
  tokenizerFromSentencePieceModel,
  type Tokenizer,
} from '../src/tokenizer/index.js';
import { CORPUS } from './corpus/corpus.js';
import { LENML_MODELS, lenmlFiles, miniLmFiles, sharedModelFile } from './corpus/fixtures.js';

const tokenizers: [string, () => Tokenizer][] = [
  ...LENML_MODELS.map((name): [string, () => Tokenizer] => [name, () => {
    const f = lenmlFiles(name);
    return tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
  }]),
  ['all-MiniLM-L6-v2', () => {
    const f = miniLmFiles();
    return tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
  }],
  ['llama2 tokenizer.model', () => tokenizerFromSentencePieceModel(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')))],
  ['stories260K tok512.bin', () => tokenizerFromLlama2c(parseLlama2cTokenizer(fs.readFileSync(sharedModelFile('stories260K', 'tok512.bin')), 512))],
];

function streamed(t: Tokenizer, ids: readonly number[], skipSpecial: boolean): string[] {
  const d = t.createStreamDecoder({ skipSpecial });
  const chunks = ids.map((id) => d.push(id));
  chunks.push(d.flush());
  return chunks;
}

describe.each(tokenizers)('stream decoder: %s', (name, make) => {
  const t = make();

  it('concatenated chunks equal decode(), with no half characters, on every corpus string', () => {
    let checked = 0;
    for (const skipSpecial of [false, true]) {
      for (const s of CORPUS) {
        const ids = t.encode(s, { parseSpecial: true });
        const full = t.decode(ids, { skipSpecial });
        const chunks = streamed(t, ids, skipSpecial);
        expect(chunks.join(''), JSON.stringify(s)).toBe(full);
        if (!full.includes('\ufffd')) expect(chunks.filter((c) => c.includes('\ufffd')), JSON.stringify(s)).toEqual([]);
        checked++;
      }
    }
    console.info(`${name}: ${checked} streams equal decode()`);
  });
});

describe('stream decoder details', () => {
  const llama2 = tokenizerFromSentencePieceModel(fs.readFileSync(sharedModelFile('llama2-tokenizer', 'tokenizer.model')));

  it('holds back byte-fallback tokens until the character is complete', () => {
    // Llama 2 has no piece for U+1F600: SentencePiece byte tokens are <0xNN> = id NN + 3
    const ids = llama2.encode('😀', { addSpecial: false });
    expect(ids).toEqual([29871, 0xf0 + 3, 0x9f + 3, 0x98 + 3, 0x80 + 3]);
    expect(streamed(llama2, ids, false)).toEqual(['', '', '', '', '😀', '']);
  });

  it('keeps the word-initial space after a prefix, strips it at the start of a fresh stream', () => {
    const [bos, hello, world] = llama2.encode('Hello world');
    const fresh = llama2.createStreamDecoder();
    expect([fresh.push(world), fresh.flush()].join('')).toBe('world');
    const continued = llama2.createStreamDecoder({ prefix: [bos, hello] });
    expect([continued.push(world), continued.flush()].join('')).toBe(' world');
  });
});
