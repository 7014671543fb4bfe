/** tokenizer.json `normalizer` section -> a text -> text function. */
import { compileOniguruma } from '../oniguruma-regex.js';
import { isBertControl, isCjkIdeograph, isWhitespace } from '../text-classes.js';
import { TokenizerError } from '../tokenizer.js';
import { asArray, asObject, type Json } from './json.js';

export type Normalizer = (text: string) => string;

export function buildNormalizer(config: Json | null | undefined): Normalizer | undefined {
  if (config === null || config === undefined) return undefined;
  const c = asObject(config, 'normalizer');
  switch (c.type) {
    case 'Sequence': {
      const steps = asArray(c.normalizers, 'normalizer.normalizers').map(buildNormalizer).filter((n): n is Normalizer => !!n);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case 'Prepend': {
      const prepend = String(c.prepend);
      // HF prepends only to non-empty text
      return (text) => (text === '' ? text : prepend + text);
    }
    case 'Replace': {
      const pattern = replacePattern(c.pattern, 'normalizer');
      const content = String(c.content ?? '');
      return (text) => text.replace(pattern, () => content);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = c.type;
      return (text) => text.normalize(form);
    }
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'StripAccents':
      return (text) => text.replace(/\p{M}/gu, '');
    case 'Strip': {
      const left = c.strip_left !== false;
      const right = c.strip_right !== false;
      return (text) => (left && right ? text.trim() : left ? text.trimStart() : right ? text.trimEnd() : text);
    }
    case 'BertNormalizer':
      return bertNormalizer({
        cleanText: c.clean_text !== false,
        handleChineseChars: c.handle_chinese_chars !== false,
        lowercase: c.lowercase !== false,
        stripAccents: typeof c.strip_accents === 'boolean' ? c.strip_accents : null,
      });
    case 'Precompiled':
      if (!c.precompiled_charsmap) return undefined;
      throw new TokenizerError('normalizer "Precompiled" with a SentencePiece charsmap is not supported');
    default:
      throw new TokenizerError(`unsupported normalizer type ${JSON.stringify(c.type)}`);
  }
}

export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  lowercase: boolean;
  /** null: follow `lowercase` (BERT's default) */
  stripAccents: boolean | null;
}

export function bertNormalizer(o: BertNormalizerOptions): Normalizer {
  const strip = o.stripAccents ?? o.lowercase;
  return (text) => {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (o.cleanText) {
        if (cp === 0 || cp === 0xfffd || isBertControl(ch)) continue;
        if (isWhitespace(ch)) {
          out += ' ';
          continue;
        }
      }
      out += o.handleChineseChars && isCjkIdeograph(cp) ? ` ${ch} ` : ch;
    }
    if (o.lowercase) out = out.toLowerCase();
    if (strip) out = out.normalize('NFD').replace(/\p{Mn}/gu, '');
    return out;
  };
}

/** HF pattern object: {String: "literal"} or {Regex: "oniguruma"}; global for replace-all */
export function replacePattern(pattern: unknown, where: string): RegExp {
  const p = asObject(pattern as Json, `${where}.pattern`);
  if (typeof p.String === 'string') return new RegExp(p.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  if (typeof p.Regex === 'string') return compileOniguruma(p.Regex);
  throw new TokenizerError(`${where}.pattern must have a String or Regex`);
}
