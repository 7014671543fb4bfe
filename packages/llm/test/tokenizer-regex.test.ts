/** Oniguruma pattern features that pre-tokenizer files use, checked against Oniguruma's documented meaning. */
import { describe, expect, it } from 'vitest';
import { compileOniguruma } from '../src/tokenizer/oniguruma-regex.js';
import { splitText } from '../src/tokenizer/regex-split.js';
import { TokenizerError } from '../src/tokenizer/tokenizer.js';

const all = (pattern: string, text: string) => text.match(compileOniguruma(pattern)) ?? [];

describe('compileOniguruma', () => {
  it('(?i:...) folds ASCII case inside the group only', () => {
    expect(all("(?i:'s|'ll)x", "'sx 'Sx 'LLx 'llX")).toEqual(["'sx", "'Sx", "'LLx"]);
  });
  it('\\s is White_Space: U+0085 yes, U+FEFF no', () => {
    expect(all('\\s', 'a\u0085b\ufeffc\u3000')).toEqual(['\u0085', '\u3000']);
    expect(all('[^\\s]+', 'a\ufeffb c')).toEqual(['a\ufeffb', 'c']);
  });
  it('\\d is any decimal digit, \\h a hex digit', () => {
    expect(all('\\d+', '12٣४x')).toEqual(['12٣४']);
    expect(all('\\h+', 'xBEEFz')).toEqual(['BEEF']);
  });
  it('{,n}, \\x{..} and possessive quantifiers', () => {
    expect(all('a{,2}', 'aaa')).toEqual(['aa', 'a', '']);
    expect(all('\\x{41}', 'ABA')).toEqual(['A', 'A']);
    expect(all('\\p{L}++', 'ab cd')).toEqual(['ab', 'cd']);
  });
  it('escaped punctuation inside and outside classes', () => {
    expect(all("[!\\-\\[\\]]+|\\-", 'a-[!]b-')).toEqual(['-[!]', '-']);
  });
  it('rejects what it cannot translate with a TokenizerError', () => {
    expect(() => compileOniguruma('a{2}+')).toThrow(TokenizerError);
    expect(() => compileOniguruma('(')).toThrow(TokenizerError);
  });
});

describe('splitText behaviours (HF SplitDelimiterBehavior, documented on "the-final--countdown")', () => {
  const text = 'the-final--countdown';
  const dash = /-/gu;
  it.each([
    ['removed', ['the', 'final', 'countdown']],
    ['isolated', ['the', '-', 'final', '-', '-', 'countdown']],
    ['mergedWithPrevious', ['the-', 'final-', '-', 'countdown']],
    ['mergedWithNext', ['the', '-final', '-', '-countdown']],
    ['contiguous', ['the', '-', 'final', '--', 'countdown']],
  ] as const)('%s', (behavior, expected) => {
    expect(splitText(text, dash, behavior)).toEqual(expected);
  });
});
