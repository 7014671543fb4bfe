/**
 * ix's tokenizer.json implementation against an independent oracle, @huggingface/tokenizers (the
 * JS port of HF tokenizers), built from the same files: encode and decode must agree on every
 * corpus string, with and without special tokens.
 */
import { Tokenizer as OracleTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { tokenizerFromHF } from '../src/tokenizer/index.js';
import { CORPUS } from './corpus/corpus.js';
import { LENML_MODELS, lenmlFiles, miniLmFiles, mismatches, type HFFiles } from './corpus/fixtures.js';

describe('corpus', () => {
  it('has at least 2,000 distinct strings, including the edge cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(CORPUS).size).toBe(CORPUS.length);
    for (const s of ['', ' ', '<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n', '<s>', '[CLS]', '👨‍👩‍👧‍👦']) {
      expect(CORPUS).toContain(s);
    }
  });
});

/**
 * The oracle's BertNormalizer walks UTF-16 code units, so it misses CJK ideographs outside the BMP
 * (U+20000..), which BERT (Python and Rust) isolates like any other ideograph. Spacing those out
 * first gives the oracle the input BERT's own rule would produce; other text is unchanged.
 */
function isolateAstralIdeographs(text: string): string {
  return text.replace(/[\u{20000}-\u{2A6DF}\u{2A700}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/gu, (c) => ` ${c} `);
}

const cases: { files: () => HFFiles; oracleInput?: (s: string) => string }[] = [
  ...LENML_MODELS.map((name) => ({ files: () => lenmlFiles(name) })),
  { files: miniLmFiles, oracleInput: isolateAstralIdeographs },
];

describe.each(cases)('tokenizer.json vs @huggingface/tokenizers', ({ files, oracleInput = (s: string) => s }) => {
  const f = files();
  const ix = tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
  const oracle = new OracleTokenizer(f.tokenizerJson, f.tokenizerConfig);

  it(`${f.name}: encode agrees on every corpus string (special tokens added and parsed)`, () => {
    const r = mismatches(CORPUS, (s) => ix.encode(s, { parseSpecial: true }), (s) => oracle.encode(oracleInput(s)).ids);
    console.info(`${f.name}: encode with special tokens, ${CORPUS.length - r.count}/${CORPUS.length} agree`);
    expect(r.examples).toEqual([]);
  });

  it(`${f.name}: encode agrees without added special tokens`, () => {
    const r = mismatches(
      CORPUS,
      (s) => ix.encode(s, { addSpecial: false, parseSpecial: true }),
      (s) => oracle.encode(oracleInput(s), { add_special_tokens: false }).ids,
    );
    expect(r.examples).toEqual([]);
  });

  it(`${f.name}: without parseSpecial, special-token text is plain text`, () => {
    // oracle: the same files with the special added tokens removed, so their text cannot match
    const json = f.tokenizerJson as { added_tokens: { special: boolean }[] };
    const plain = new OracleTokenizer({ ...json, added_tokens: json.added_tokens.filter((t) => !t.special) }, f.tokenizerConfig);
    const r = mismatches(
      CORPUS,
      (s) => ix.encode(s, { addSpecial: false }),
      (s) => plain.encode(oracleInput(s), { add_special_tokens: false }).ids,
    );
    expect(r.examples).toEqual([]);
    const imStart = ix.encode('<|im_start|>user', { addSpecial: false });
    expect(imStart.some((id) => ix.isSpecial(id))).toBe(false);
  });

  it(`${f.name}: decode agrees, keeping and skipping special tokens`, () => {
    const withIds = CORPUS.map((s) => oracle.encode(oracleInput(s)).ids).filter((ids) => ids.length > 0);
    let agree = 0;
    for (const skip of [false, true]) {
      for (const ids of withIds) {
        const mine = ix.decode(ids, { skipSpecial: skip });
        expect(mine, JSON.stringify(ids)).toBe(oracle.decode(ids, { skip_special_tokens: skip }));
        agree++;
      }
    }
    console.info(`${f.name}: decode, ${agree}/${withIds.length * 2} agree`);
  });
});

describe('BOS, EOS, end-of-turn and stop ids come from the configs', () => {
  const text = (v: unknown) => (typeof v === 'string' ? v : (v as { content?: string } | null)?.content);
  it.each(LENML_MODELS)('%s', (name) => {
    const f = lenmlFiles(name);
    const ix = tokenizerFromHF(f.tokenizerJson, f.tokenizerConfig);
    const oracle = new OracleTokenizer(f.tokenizerJson, f.tokenizerConfig);
    const id = (t: unknown) => (text(t) ? oracle.token_to_id(text(t)!) : undefined);
    expect(ix.bos).toBe(id(f.tokenizerConfig.bos_token));
    expect(ix.eos).toBe(id(f.tokenizerConfig.eos_token));
    expect(ix.stopIds).toContain(ix.eos);
    const eotText = { llama2: undefined, llama3: '<|eot_id|>', qwen3: '<|im_end|>', gemma3: '<end_of_turn>', deepseek_v3: '<｜end▁of▁sentence｜>' }[name];
    expect(ix.eot).toBe(eotText && oracle.token_to_id(eotText));
    if (name === 'qwen3') expect(ix.stopIds).toContain(oracle.token_to_id('<|endoftext|>'));
    expect(ix.vocabSize).toBe([...oracle.get_vocab(true).values()].reduce((a, b) => Math.max(a, b)) + 1);
  });
});
