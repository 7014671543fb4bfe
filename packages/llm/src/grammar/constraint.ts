/**
 * Constrained decoding: which tokens may come next so that the output matches a JSON Schema, any
 * JSON object, or a GBNF grammar. The matching is XGrammar's (compiled token masks, a pushdown
 * automaton per sequence; see docs/structured-output.md for why this engine); this file turns ix's
 * tokenizer into its vocabulary and its errors into ix's.
 */
import { InvalidArgumentError } from '@ix/core';

import { BYTE_TO_CHAR } from '../tokenizer/byte-level.js';
import { normalizeGbnf } from './gbnf.js';
import { checkJsonSchemaSupported } from './json-schema-support.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { loadXGrammar, withXGrammarErrors, type XGrammar } from './xgrammar.js';

/** What the output must match. */
export type GrammarSpec =
  /** any JSON object (OpenAI `json_object`, Ollama `format: "json"`) */
  | { type: 'json_object' }
  /** a JSON Schema (OpenAI `json_schema`, Ollama `format: {schema}`); `strict` (default true) allows no properties the schema does not name */
  | { type: 'json_schema'; schema: unknown; strict?: boolean }
  /** a GBNF grammar as llama.cpp takes it (`root` rule unless named) */
  | { type: 'gbnf'; grammar: string; root?: string }
  /** a regular expression the whole output matches (XGrammar's dialect: ECMAScript-like, no lookaround or backreferences) */
  | { type: 'regex'; pattern: string };

type Compiler = Awaited<ReturnType<XGrammar['GrammarCompiler']['createGrammarCompiler']>>;
type Matcher = Awaited<ReturnType<XGrammar['GrammarMatcher']['createGrammarMatcher']>>;

/**
 * One compiler per tokenizer and vocabulary size: XGrammar preprocesses the vocabulary once and caches
 * the grammars it compiles. The cache has no bound of its own, so after MAX_CACHED_GRAMMARS distinct
 * grammars the compiler is replaced by a fresh one (matchers already made keep working).
 */
const MAX_CACHED_GRAMMARS = 64;

interface CompilerSlot {
  info: Awaited<ReturnType<XGrammar['TokenizerInfo']['createTokenizerInfo']>>;
  compiler: Compiler;
  seen: Set<string>;
  /** the compiler replaced last, freed at the next renewal (a compile may still be running on it) */
  retired?: Compiler;
}

const compilers = new WeakMap<Tokenizer, Map<number, Promise<CompilerSlot>>>();

/**
 * The vocabulary as XGrammar's byte-level strings: each token's bytes mid-sequence (so SentencePiece,
 * byte-fallback and byte-level BPE vocabularies all come out exact), written in GPT-2's byte
 * alphabet. Special tokens and ids past the tokenizer are empty: XGrammar never allows those inside
 * the text, only the stop tokens at the end.
 */
function encodedVocab(tokenizer: Tokenizer, vocabSize: number): string[] {
  const out: string[] = new Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    if (id >= tokenizer.vocabSize || tokenizer.isSpecial(id)) {
      out[id] = '';
      continue;
    }
    let s = '';
    for (const b of tokenizer.tokenBytes(id)) s += BYTE_TO_CHAR[b];
    out[id] = s;
  }
  return out;
}

function slotFor(xg: XGrammar, tokenizer: Tokenizer, vocabSize: number): Promise<CompilerSlot> {
  let bySize = compilers.get(tokenizer);
  if (!bySize) compilers.set(tokenizer, (bySize = new Map()));
  let slot = bySize.get(vocabSize);
  if (!slot) {
    const stops = tokenizer.stopIds.filter((id) => id < vocabSize);
    slot = xg.TokenizerInfo.createTokenizerInfo(encodedVocab(tokenizer, vocabSize), 'byte_level', false, vocabSize, stops).then(async (info) => ({
      info,
      compiler: await xg.GrammarCompiler.createGrammarCompiler(info, true),
      seen: new Set<string>(),
    }));
    bySize.set(vocabSize, slot);
  }
  return slot;
}

/** The compiler for `spec`, renewed when its cache would hold too many grammars. */
async function compilerFor(xg: XGrammar, tokenizer: Tokenizer, vocabSize: number, spec: GrammarSpec): Promise<Compiler> {
  const slot = await slotFor(xg, tokenizer, vocabSize);
  const key = JSON.stringify(spec);
  if (!slot.seen.has(key) && slot.seen.size >= MAX_CACHED_GRAMMARS) {
    slot.retired?.dispose();
    slot.retired = slot.compiler;
    slot.compiler = await xg.GrammarCompiler.createGrammarCompiler(slot.info, true);
    slot.seen.clear();
  }
  slot.seen.add(key);
  return slot.compiler;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Checks a spec's shape and gives the error a request would get. */
export function validateGrammarSpec(spec: unknown): asserts spec is GrammarSpec {
  const s = spec as Partial<Record<string, unknown>> | null;
  if (!s || typeof s !== 'object') throw new InvalidArgumentError('grammar: expected an object with a type');
  if (s.type === 'json_object') return;
  if (s.type === 'json_schema') {
    if (!s.schema || typeof s.schema !== 'object' || Array.isArray(s.schema)) throw new InvalidArgumentError('grammar: json_schema needs a schema object');
    if (s.strict !== undefined && typeof s.strict !== 'boolean') throw new InvalidArgumentError('grammar: strict must be a boolean');
    checkJsonSchemaSupported(s.schema);
    return;
  }
  if (s.type === 'gbnf') {
    if (typeof s.grammar !== 'string' || s.grammar.trim() === '') throw new InvalidArgumentError('grammar: gbnf needs a non-empty grammar string');
    if (s.root !== undefined && typeof s.root !== 'string') throw new InvalidArgumentError('grammar: root must be a rule name');
    return;
  }
  if (s.type === 'regex') {
    if (typeof s.pattern !== 'string' || s.pattern === '') throw new InvalidArgumentError('grammar: regex needs a non-empty pattern string');
    return;
  }
  throw new InvalidArgumentError(`grammar: unknown type ${JSON.stringify(s.type)} (json_object, json_schema, gbnf or regex)`);
}

/**
 * The grammar state of one sequence. Before each token ask `allowed()` (a bitmask over the
 * vocabulary: bit t % 32 of word t >> 5), sample among those, then `accept` the token.
 */
export class TokenConstraint {
  private constructor(private readonly matcher: Matcher, readonly vocabSize: number) {}

  /** Compiles `spec` for `tokenizer` (cached per spec text); `vocabSize` is the model's logit count. */
  static async create(tokenizer: Tokenizer, spec: GrammarSpec, vocabSize = tokenizer.vocabSize): Promise<TokenConstraint> {
    validateGrammarSpec(spec);
    const xg = await loadXGrammar();
    const compiler = await compilerFor(xg, tokenizer, vocabSize, spec);
    let compiled;
    try {
      compiled = await withXGrammarErrors(() => {
        if (spec.type === 'json_object') return compiler.compileJSONSchema(JSON.stringify({ type: 'object' }), false, -1, [', ', ': '], false);
        if (spec.type === 'json_schema') return compiler.compileJSONSchema(JSON.stringify(spec.schema), false, -1, [', ', ': '], spec.strict ?? true);
        if (spec.type === 'regex') return compiler.compileStructuralTag({ type: 'structural_tag', format: { type: 'regex', pattern: spec.pattern } });
        return compiler.compileGrammar(normalizeGbnf(spec.grammar), spec.root ?? 'root');
      });
    } catch (err) {
      const what = { gbnf: 'GBNF grammar', regex: 'regular expression', json_schema: 'JSON schema', json_object: 'JSON schema' }[spec.type];
      throw new InvalidArgumentError(`grammar: the ${what} cannot be compiled: ${message(err)}`);
    }
    try {
      return new TokenConstraint(await xg.GrammarMatcher.createGrammarMatcher(compiled), vocabSize);
    } finally {
      compiled.dispose();
    }
  }

  /** The tokens that may come next: ceil(vocabSize / 32) words. */
  allowed(): Promise<Int32Array> {
    return this.matcher.getNextTokenBitmask();
  }

  /** Advances past `token`; a token the grammar refuses is an error (sample under allowed()). */
  accept(token: number): void {
    if (!this.matcher.acceptToken(token)) throw new InvalidArgumentError(`grammar: token ${token} does not continue the grammar`);
  }

  dispose(): void {
    this.matcher.dispose();
  }
}
