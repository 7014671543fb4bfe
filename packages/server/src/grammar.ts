/**
 * Structured output in requests: OpenAI's `response_format` (json_object, json_schema), llama.cpp
 * server's `grammar` (GBNF) and `json_schema`, Ollama's `format` ("json" or a schema), each turned
 * into one GrammarSpec and compiled into a constraint per choice before anything is queued, so a
 * schema or grammar that cannot be honoured is a 400 naming why.
 */
import { IxError } from '@ix/core';
import { validateGrammarSpec, type GrammarSpec, type TokenConstraint } from '@ix/llm';

import type { Engine } from './engine.js';
import { invalidRequest } from './errors.js';

/** The grammar of an OpenAI-style body, or undefined for free text. */
export function openAIGrammarOf(request: object): { spec: GrammarSpec; param: string } | undefined {
  const body = request as Record<string, unknown>;
  const found: { spec: GrammarSpec; param: string }[] = [];
  const format = body.response_format as { type?: unknown; json_schema?: { schema?: unknown; strict?: unknown } } | null | undefined;
  if (format !== undefined && format !== null) {
    if (typeof format !== 'object') throw invalidRequest('response_format must be an object', 'invalid_value', 'response_format');
    if (format.type === 'json_object') found.push({ spec: { type: 'json_object' }, param: 'response_format' });
    else if (format.type === 'json_schema') {
      const js = format.json_schema;
      if (!js || typeof js !== 'object' || js.schema === undefined) throw invalidRequest('response_format.json_schema.schema is required', 'invalid_value', 'response_format.json_schema');
      found.push({ spec: { type: 'json_schema', schema: js.schema, strict: js.strict === null ? undefined : (js.strict as boolean | undefined) }, param: 'response_format' });
    } else if (format.type !== 'text') {
      throw invalidRequest(`response_format.type must be "text", "json_object" or "json_schema", got ${JSON.stringify(format.type)}`, 'invalid_value', 'response_format.type');
    }
  }
  // llama.cpp server's extensions
  if (typeof body.grammar === 'string' && body.grammar !== '') found.push({ spec: { type: 'gbnf', grammar: body.grammar }, param: 'grammar' });
  if (body.json_schema !== undefined && body.json_schema !== null) found.push({ spec: { type: 'json_schema', schema: body.json_schema }, param: 'json_schema' });
  if (found.length > 1) throw invalidRequest(`only one of ${found.map((f) => f.param).join(', ')} may constrain the output`, 'invalid_value', found[1]!.param);
  return found[0];
}

/** Ollama's `format`: "json" or a JSON Schema object. */
export function ollamaGrammarOf(request: object): { spec: GrammarSpec; param: string } | undefined {
  const body = request as Record<string, unknown>;
  const f = body.format;
  if (f === undefined || f === null || f === '') return undefined;
  if (f === 'json') return { spec: { type: 'json_object' }, param: 'format' };
  if (typeof f === 'object' && !Array.isArray(f)) return { spec: { type: 'json_schema', schema: f }, param: 'format' };
  throw invalidRequest(`"format" must be "json" or a JSON schema object, got ${JSON.stringify(f)}`, 'invalid_value', 'format');
}

/** One compiled constraint per choice (each sequence walks the grammar on its own), or a 400. */
export async function constraintsFor(engine: Engine, grammar: { spec: GrammarSpec; param: string } | undefined, count: number): Promise<(TokenConstraint | undefined)[]> {
  if (!grammar) return new Array(count).fill(undefined);
  if (!engine.createConstraint) throw invalidRequest(`${grammar.param}: this engine cannot constrain its output`, 'unsupported_parameter', grammar.param);
  const made: TokenConstraint[] = [];
  try {
    validateGrammarSpec(grammar.spec);
    for (let i = 0; i < count; i++) made.push(await engine.createConstraint(grammar.spec));
    return made;
  } catch (err) {
    for (const c of made) c.dispose();
    if (err instanceof IxError) throw invalidRequest(err.message, 'invalid_grammar', grammar.param);
    throw err;
  }
}
