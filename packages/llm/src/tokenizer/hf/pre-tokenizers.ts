/** tokenizer.json `pre_tokenizer` section -> a function splitting normalized text into words. */
import { toByteLevel } from '../byte-level.js';
import { compileOniguruma } from '../oniguruma-regex.js';
import { GPT2_PATTERN } from '../pre-tokenizer-patterns.js';
import { splitText, type SplitBehavior } from '../regex-split.js';
import { BERT_PUNCTUATION_CLASS } from '../text-classes.js';
import { TokenizerError } from '../tokenizer.js';
import { asArray, asObject, type Json } from './json.js';
import { replacePattern } from './normalizers.js';

export type PreTokenizer = (text: string, sectionIndex: number) => string[];

const BEHAVIORS: Record<string, SplitBehavior> = {
  Isolated: 'isolated',
  Removed: 'removed',
  MergedWithPrevious: 'mergedWithPrevious',
  MergedWithNext: 'mergedWithNext',
  Contiguous: 'contiguous',
};

/** Rust regex \w (Unicode word characters) */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

export function buildPreTokenizer(config: Json | null | undefined): PreTokenizer | undefined {
  if (config === null || config === undefined) return undefined;
  const c = asObject(config, 'pre_tokenizer');
  switch (c.type) {
    case 'Sequence': {
      const steps = asArray(c.pretokenizers, 'pre_tokenizer.pretokenizers')
        .map(buildPreTokenizer)
        .filter((p): p is PreTokenizer => !!p);
      return (text, section) => steps.reduce<string[]>((words, step) => words.flatMap((w) => step(w, section)), [text]);
    }
    case 'Split': {
      const behavior = BEHAVIORS[String(c.behavior)];
      if (!behavior) throw new TokenizerError(`unsupported Split behavior ${JSON.stringify(c.behavior)}`);
      const pattern = replacePattern(c.pattern, 'pre_tokenizer');
      const invert = c.invert === true;
      return (text) => splitText(text, pattern, behavior, invert);
    }
    case 'ByteLevel': {
      const addPrefixSpace = c.add_prefix_space === true;
      const regex = c.use_regex === false ? undefined : compileOniguruma(GPT2_PATTERN);
      return (text) => {
        if (addPrefixSpace && !text.startsWith(' ')) text = ' ' + text;
        return (regex ? splitText(text, regex, 'isolated') : [text]).map(toByteLevel);
      };
    }
    case 'Metaspace':
      return metaspace(c);
    case 'BertPreTokenizer': {
      const pattern = new RegExp(`[^\\p{White_Space}${BERT_PUNCTUATION_CLASS}]+|[${BERT_PUNCTUATION_CLASS}]`, 'gu');
      return (text) => text.match(pattern) ?? [];
    }
    case 'Whitespace': {
      const pattern = new RegExp(`[${WORD}]+|[^${WORD}\\p{White_Space}]+`, 'gu');
      return (text) => text.match(pattern) ?? [];
    }
    case 'WhitespaceSplit':
      return (text) => text.split(/\p{White_Space}+/u).filter((w) => w !== '');
    case 'Digits': {
      const pattern = c.individual_digits === true ? /\p{Nd}/gu : /\p{Nd}+/gu;
      return (text) => splitText(text, pattern, 'isolated');
    }
    case 'Punctuation': {
      const behavior = BEHAVIORS[String(c.behavior ?? 'Isolated')];
      if (!behavior) throw new TokenizerError(`unsupported Punctuation behavior ${JSON.stringify(c.behavior)}`);
      const pattern = new RegExp(`[${BERT_PUNCTUATION_CLASS}]`, 'gu');
      return (text) => splitText(text, pattern, behavior);
    }
    default:
      throw new TokenizerError(`unsupported pre_tokenizer type ${JSON.stringify(c.type)}`);
  }
}

/** SentencePiece-style: spaces become the replacement char, optionally a leading one is added. */
function metaspace(c: Record<string, Json>): PreTokenizer {
  const replacement = typeof c.replacement === 'string' ? c.replacement : '▁';
  const scheme =
    typeof c.prepend_scheme === 'string' ? c.prepend_scheme : c.add_prefix_space === false ? 'never' : 'always';
  const split = c.split !== false;
  const splitter = new RegExp(replacement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  return (text, section) => {
    let t = text.replaceAll(' ', replacement);
    if (!t.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && section === 0))) t = replacement + t;
    return split ? splitText(t, splitter, 'mergedWithNext') : [t];
  };
}
