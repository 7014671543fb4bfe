/**
 * A tokenizer.json whose model is Unigram (what transformers writes for SentencePiece Unigram
 * vocabularies: XLM-RoBERTa, T5, ...): run as llama.cpp runs the GGUF convert_hf_to_gguf makes of
 * it (pieces and scores from `model.vocab`, the `Precompiled` normalizer's character map, space
 * handling from the `Replace` / `Metaspace` steps), i.e. SentencePiece's algorithm over the whole
 * normalized text. Other normalizers or pre-tokenizers are refused by name rather than guessed.
 */
import type { AddedToken } from '../added-tokens.js';
import { TokenType } from '../token-types.js';
import { TokenizerError, type Tokenizer } from '../tokenizer.js';
import { unigramTokenizer } from '../unigram-tokenizer.js';
import { asArray, asObject, tokenText, type Json, type JsonObject } from './json.js';
import { buildPostProcessor } from './post-processors.js';

const SOURCE = 'tokenizer.json (Unigram)';

export function unigramFromHF(root: JsonObject, model: JsonObject, addedTokens: readonly AddedToken[], config: JsonObject): Tokenizer {
  if (model.byte_fallback === true) throw new TokenizerError(`${SOURCE}: byte_fallback is not supported`);
  const entries = asArray(model.vocab, 'model.vocab');
  const pieces: string[] = [];
  const scores = new Float64Array(entries.length);
  const types = new Uint8Array(entries.length).fill(TokenType.NORMAL);
  entries.forEach((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number') throw new TokenizerError(`${SOURCE}: model.vocab[${i}] is not [piece, score]`);
    pieces.push(e[0]);
    scores[i] = e[1];
  });
  const unk = model.unk_id;
  if (typeof unk !== 'number' || !Number.isInteger(unk) || unk < 0 || unk >= pieces.length) throw new TokenizerError(`${SOURCE}: model.unk_id ${JSON.stringify(unk)} is not a token of the vocabulary`);
  for (const t of addedTokens) {
    if (t.id >= pieces.length) throw new TokenizerError(`${SOURCE}: added token ${t.id} is outside the vocabulary of ${pieces.length}`);
    types[t.id] = t.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  types[unk] = TokenType.UNKNOWN;
  const idOf = (v: Json | undefined) => {
    const text = tokenText(v);
    const i = text === undefined ? -1 : pieces.indexOf(text);
    return i >= 0 ? i : undefined;
  };
  const [bos, eos] = [idOf(config.bos_token), idOf(config.eos_token)];

  const { charsmap, removeExtraWhitespace } = normalizerOf(root.normalizer);
  const addSpacePrefix = spacePrefixOf(root.pre_tokenizer);
  const post = root.post_processor;
  const processors = post && typeof post === 'object' && !Array.isArray(post) ? (post.type === 'Sequence' ? asArray(post.processors, 'post_processor.processors') : [post]) : [];
  const roberta = processors.map((p) => asObject(p, 'post_processor')).find((p) => p.type === 'RobertaProcessing');
  const sep = roberta && Array.isArray(roberta.sep) && typeof roberta.sep[1] === 'number' ? roberta.sep[1] : undefined;
  if (sep !== undefined && (!Number.isInteger(sep) || sep < 0 || sep >= pieces.length)) throw new TokenizerError(`${SOURCE}: RobertaProcessing's sep ${sep} is not a token of the vocabulary`);
  return unigramTokenizer(
    {
      pieces,
      scores,
      types,
      unk,
      ...(bos !== undefined && { bos }),
      ...(eos !== undefined && { eos }),
      addBos: false,
      addEos: false,
      addSpecial: buildPostProcessor(post),
      addSpacePrefix,
      removeExtraWhitespace,
      charsmap,
      ...(sep !== undefined && { pairSeparator: [sep] }),
    },
    SOURCE,
  );
}

/** Precompiled (the charsmap), optionally with Replace(" {2,}") (SentencePiece's remove_extra_whitespaces) and a right Strip */
function normalizerOf(config: Json | undefined): { charsmap?: Uint8Array; removeExtraWhitespace: boolean } {
  if (config === null || config === undefined) return { removeExtraWhitespace: false };
  const c = asObject(config, 'normalizer');
  const steps = c.type === 'Sequence' ? asArray(c.normalizers, 'normalizer.normalizers').map((n) => asObject(n, 'normalizer')) : [c];
  let charsmap: Uint8Array | undefined;
  let removeExtraWhitespace = false;
  for (const s of steps) {
    if (s.type === 'Precompiled') {
      if (typeof s.precompiled_charsmap !== 'string') throw new TokenizerError(`${SOURCE}: the Precompiled normalizer has no precompiled_charsmap`);
      charsmap = base64(s.precompiled_charsmap);
    } else if (s.type === 'Replace' && isSpaceRun(s.pattern)) {
      removeExtraWhitespace = true;
    } else if (s.type !== 'Strip') {
      throw new TokenizerError(`${SOURCE}: normalizer ${JSON.stringify(s.type)} is not supported (Precompiled, Replace of space runs, Strip)`);
    }
  }
  return { ...(charsmap && { charsmap }), removeExtraWhitespace };
}

function isSpaceRun(pattern: Json | undefined): boolean {
  const p = pattern && typeof pattern === 'object' && !Array.isArray(pattern) ? pattern : undefined;
  return p?.Regex === ' {2,}';
}

/** Metaspace (alone or in a Sequence after a whitespace split): does a word start with ▁? */
function spacePrefixOf(config: Json | undefined): boolean {
  if (config === null || config === undefined) return false;
  const c = asObject(config, 'pre_tokenizer');
  const steps = c.type === 'Sequence' ? asArray(c.pretokenizers, 'pre_tokenizer.pretokenizers').map((p) => asObject(p, 'pre_tokenizer')) : [c];
  const meta = steps.find((s) => s.type === 'Metaspace');
  const other = steps.find((s) => s.type !== 'Metaspace' && s.type !== 'WhitespaceSplit');
  if (!meta || other) throw new TokenizerError(`${SOURCE}: pre_tokenizer ${JSON.stringify(other?.type ?? c.type)} is not supported (Metaspace)`);
  if (meta.replacement !== undefined && meta.replacement !== '\u2581') throw new TokenizerError(`${SOURCE}: Metaspace replacement ${JSON.stringify(meta.replacement)} is not supported (U+2581)`);
  return typeof meta.prepend_scheme === 'string' ? meta.prepend_scheme !== 'never' : meta.add_prefix_space !== false;
}

function base64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new TokenizerError(`${SOURCE}: precompiled_charsmap is not base64`);
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
