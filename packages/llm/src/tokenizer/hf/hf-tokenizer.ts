/**
 * tokenizerFromHF: builds a Tokenizer from a parsed tokenizer.json (and optionally
 * tokenizer_config.json). Supports BPE (byte-level and SentencePiece-style with byte fallback) and
 * WordPiece models (and Unigram ones, hf/unigram.ts) with the normalizers, pre-tokenizers, post-processors and decoders real
 * checkpoints use; anything else is a TokenizerError naming the component.
 */
import type { AddedToken } from '../added-tokens.js';
import { rankedBpe, wordPiece } from '../bpe-models.js';
import { PipelineTokenizer } from '../pipeline-tokenizer.js';
import { findStopTokens } from '../stop-tokens.js';
import { TokenizerError, type Tokenizer } from '../tokenizer.js';
import { buildRenderer } from './decoders.js';
import { asArray, asObject, asString, tokenText, type Json, type JsonObject } from './json.js';
import { buildNormalizer } from './normalizers.js';
import { buildPostProcessor } from './post-processors.js';
import { buildPreTokenizer } from './pre-tokenizers.js';
import { unigramFromHF } from './unigram.js';

/** ids beyond this are rejected rather than allocated for (real vocabularies stay below 2^20) */
const MAX_ID = 1 << 24;

export function tokenizerFromHF(tokenizerJson: object, tokenizerConfig: object = {}): Tokenizer {
  const root = asObject(tokenizerJson as Json, 'root');
  const config = asObject(tokenizerConfig as Json, 'tokenizer_config');
  const model = asObject(root.model, 'model');
  if (model.type === 'Unigram') return unigramFromHF(root, model, readAddedTokens(root.added_tokens), config);
  const vocab = readVocab(model.vocab);
  const addedTokens = readAddedTokens(root.added_tokens);

  const pieces: (string | undefined)[] = [];
  for (const [piece, id] of vocab) pieces[id] = piece;
  for (const t of addedTokens) pieces[t.id] = t.content;
  // lookups by text: added tokens win over the model vocabulary, as in HF
  const lookup = new Map(vocab);
  for (const t of addedTokens) lookup.set(t.content, t.id);

  const specialIds = new Set(addedTokens.filter((t) => t.special).map((t) => t.id));
  for (const extra of Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens : []) {
    const id = lookup.get(tokenText(extra) ?? '');
    if (id !== undefined) specialIds.add(id);
  }
  const bos = lookup.get(tokenText(config.bos_token) ?? '');
  const eos = lookup.get(tokenText(config.eos_token) ?? '');
  const { eot, stopIds } = findStopTokens(eos, (p) => lookup.get(p));

  return new PipelineTokenizer({
    pieces,
    addedTokens,
    specialIds,
    normalize: buildNormalizer(root.normalizer),
    preTokenize: buildPreTokenizer(root.pre_tokenizer),
    model: buildModel(model, vocab),
    addSpecial: buildPostProcessor(root.post_processor),
    renderer: buildRenderer(
      root.decoder,
      pieces,
      new Set(addedTokens.map((t) => t.id)),
      config.clean_up_tokenization_spaces === true,
    ),
    bos,
    eos,
    eot,
    stopIds,
  });
}

function buildModel(model: JsonObject, vocab: Map<string, number>): (word: string) => number[] {
  const type = model.type ?? (model.merges !== undefined ? 'BPE' : undefined);
  const unkId = typeof model.unk_token === 'string' ? vocab.get(model.unk_token) : undefined;
  switch (type) {
    case 'BPE':
      return rankedBpe({
        vocab,
        merges: asArray(model.merges, 'model.merges').map(readMerge),
        byteFallback: model.byte_fallback === true,
        unkId,
        fuseUnk: model.fuse_unk === true,
        ignoreMerges: model.ignore_merges === true,
        continuingSubwordPrefix: typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '',
        endOfWordSuffix: typeof model.end_of_word_suffix === 'string' ? model.end_of_word_suffix : '',
      });
    case 'WordPiece':
      if (unkId === undefined) throw new TokenizerError('tokenizer.json: WordPiece model needs an unk_token in its vocabulary');
      return wordPiece({
        vocab,
        unkId,
        continuingPrefix: typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##',
        maxCharsPerWord: typeof model.max_input_chars_per_word === 'number' ? model.max_input_chars_per_word : 100,
      });
    default:
      throw new TokenizerError(`unsupported tokenizer model type ${JSON.stringify(type)} (supported: BPE, WordPiece)`);
  }
}

function readVocab(v: Json | undefined): Map<string, number> {
  const obj = asObject(v, 'model.vocab');
  const vocab = new Map<string, number>();
  for (const [piece, id] of Object.entries(obj)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_ID) {
      throw new TokenizerError(`tokenizer.json: model.vocab[${JSON.stringify(piece)}] is not a valid id: ${JSON.stringify(id)}`);
    }
    vocab.set(piece, id);
  }
  return vocab;
}

function readMerge(m: Json, i: number): [string, string] {
  if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
  if (typeof m === 'string') {
    const space = m.indexOf(' ', 1);
    if (space > 0) return [m.slice(0, space), m.slice(space + 1)];
  }
  throw new TokenizerError(`tokenizer.json: model.merges[${i}] is not a pair: ${JSON.stringify(m)}`);
}

function readAddedTokens(v: Json | undefined): AddedToken[] {
  if (v === undefined || v === null) return [];
  return asArray(v, 'added_tokens').map((t, i) => {
    const o = asObject(t, `added_tokens[${i}]`);
    const id = o.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_ID) {
      throw new TokenizerError(`tokenizer.json: added_tokens[${i}].id is not a valid id`);
    }
    return {
      id,
      content: asString(o.content, `added_tokens[${i}].content`),
      special: o.special === true,
      lstrip: o.lstrip === true,
      rstrip: o.rstrip === true,
      normalized: o.normalized === true,
    };
  });
}

