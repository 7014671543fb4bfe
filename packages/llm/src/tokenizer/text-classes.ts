/** Character classes the BERT normalizer and pre-tokenizer need (as HF tokenizers defines them). */

/** CJK Unified Ideographs blocks, the ranges BERT puts spaces around */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]$/u;
const WHITESPACE = /^\p{White_Space}$/u;

/** BERT's "control": any other-category character except tab, newline and carriage return */
export function isBertControl(ch: string): boolean {
  return ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch);
}

export function isWhitespace(ch: string): boolean {
  return WHITESPACE.test(ch);
}

/** BERT punctuation: all ASCII non-alphanumeric printables plus Unicode P* categories */
export const BERT_PUNCTUATION_CLASS = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
