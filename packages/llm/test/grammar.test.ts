/**
 * Constrained decoding on a real model (stories260K, SentencePiece with byte fallback): whatever the
 * model would say, sampled output under a JSON Schema parses and validates with ajv (an independent
 * validator), over a corpus of 60 schemas; llama.cpp's own GBNF grammars (shipped in node-llama-cpp)
 * compile and the JSON ones produce JSON; what cannot be guaranteed is refused by name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { InvalidArgumentError } from '@ix/core';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type GrammarSpec, type Model } from '../src/index.js';
import { STORIES_GGUF } from './fixtures/model-files.js';

let model: Model;
beforeAll(async () => {
  model = await loadModel(STORIES_GGUF, { backend: 'reference' });
});
afterAll(() => model?.dispose());

async function run(grammar: GrammarSpec, seed: number, maxTokens = 120) {
  const session = model.createSession({ contextLength: 512 });
  try {
    const it = session.generate('Once upon a time', { grammar, temperature: 1, topK: 0, topP: 1, minP: 0, seed, maxTokens });
    let r = await it.next();
    while (!r.done) r = await it.next();
    return r.value;
  } finally {
    session.dispose();
  }
}

/** A small seeded generator of schemas with bounded output (so that a random walk ends). */
function randomSchema(seed: number) {
  let s = seed * 2654435761 >>> 0;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const defs: Record<string, unknown> = {};
  const gen = (depth: number): Record<string, unknown> => {
    const kinds = depth > 2 ? ['int', 'str', 'bool', 'enum', 'null', 'const'] : ['int', 'str', 'bool', 'enum', 'obj', 'arr', 'anyOf', 'tuple', 'ref', 'obj', 'uuid'];
    switch (pick(kinds)) {
      case 'int': {
        const lo = Math.floor(rand() * 200) - 100;
        return rand() < 0.5 ? { type: 'integer', minimum: lo, maximum: lo + Math.floor(rand() * 1000) } : { type: 'integer', exclusiveMinimum: lo, exclusiveMaximum: lo + 2 + Math.floor(rand() * 50) };
      }
      case 'str': return rand() < 0.3 ? { type: 'string', pattern: '^[a-e]{1,4}[0-9]?$' } : { type: 'string', minLength: Math.floor(rand() * 3), maxLength: 3 + Math.floor(rand() * 10) };
      case 'bool': return { type: 'boolean' };
      case 'null': return { type: 'null' };
      case 'const': return { const: pick(['ok', 7, true, null]) };
      case 'enum': return { enum: pick([['red', 'green', 'blue'], [1, 2, 3], ['a', 1, null, false], ['once upon', 'a time']]) };
      case 'uuid': return { type: 'string', format: 'uuid' };
      case 'arr': return { type: 'array', items: gen(depth + 1), minItems: Math.floor(rand() * 2), maxItems: 1 + Math.floor(rand() * 3) };
      case 'tuple': return { type: 'array', prefixItems: [gen(depth + 1), gen(depth + 1)], items: false };
      case 'anyOf': return { anyOf: [gen(depth + 1), gen(depth + 1)] };
      case 'ref': {
        const name = `d${Object.keys(defs).length}`;
        defs[name] = gen(depth + 1);
        return { $ref: `#/$defs/${name}` };
      }
      default: {
        const n = 1 + Math.floor(rand() * 3);
        const properties: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) properties[pick(['name', 'age', 'color', 'items', 'id', 'ok'])] = gen(depth + 1);
        const names = Object.keys(properties);
        return { type: 'object', properties, required: names.filter(() => rand() < 0.7), additionalProperties: false };
      }
    }
  };
  const root = gen(0);
  return Object.keys(defs).length ? { ...root, $defs: defs } : root;
}

const HANDWRITTEN: unknown[] = [
  { type: 'object', properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 } }, required: ['name', 'age'] },
  { type: 'object', properties: { tags: { type: 'array', items: { enum: ['cat', 'dog', 'bird'] }, maxItems: 3 } }, required: ['tags'] },
  { type: 'object', properties: { user: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, admin: { type: 'boolean' } }, required: ['id', 'admin'] } }, required: ['user'] },
  { type: 'array', items: { type: 'integer', minimum: 1, maximum: 9 }, minItems: 1, maxItems: 4 },
  { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'integer', minimum: 0, maximum: 99 }, { type: 'null' }] },
  { type: 'object', properties: { step: { $ref: '#/$defs/step' } }, required: ['step'], $defs: { step: { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 5 }, text: { type: 'string', maxLength: 8 } }, required: ['n', 'text'] } } },
  { type: 'object', properties: { answer: { const: 'yes' }, confidence: { type: 'integer', minimum: 0, maximum: 100 } }, required: ['answer', 'confidence'] },
  { type: 'array', prefixItems: [{ type: 'boolean' }, { type: 'string', pattern: '^[a-z]{2}$' }], items: false },
  { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object', properties: { c: { type: 'integer', minimum: -3, maximum: 3 } }, required: ['c'] } }, required: ['b'] } }, required: ['a'] },
  { type: 'string', minLength: 2, maxLength: 6 },
];

const CORPUS = [...HANDWRITTEN, ...Array.from({ length: 50 }, (_, i) => randomSchema(i + 1))];

describe('JSON Schema output validates, whatever the weights', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const finished: boolean[] = [];
  afterAll(() => {
    // bounded schemas: a random walk through them ends before maxTokens almost always
    expect(finished.filter(Boolean).length / finished.length).toBeGreaterThan(0.9);
  });

  it.each(CORPUS.map((schema, i) => ({ i, schema })))('schema $i', async ({ schema }) => {
    const validate = ajv.compile(schema as object);
    for (const seed of [1, 2]) {
      const r = await run({ type: 'json_schema', schema }, seed);
      finished.push(r.finishReason === 'stop');
      if (r.finishReason !== 'stop') continue;
      const value = JSON.parse(r.text);
      expect(validate(value), `${r.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('json_object gives a JSON object', async () => {
    for (const seed of [3, 4, 5]) {
      const r = await run({ type: 'json_object' }, seed, 200);
      if (r.finishReason === 'stop') expect(typeof JSON.parse(r.text)).toBe('object');
      else expect(r.text.startsWith('{')).toBe(true);
    }
  });
});

describe("llama.cpp's GBNF grammars", () => {
  // the package root: up from its entry point to the folder that holds llama/grammars
  let root = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  while (!existsSync(join(root, 'llama', 'grammars')) && dirname(root) !== root) root = dirname(root);
  const dir = join(root, 'llama', 'grammars');
  const files = readdirSync(dir).filter((f) => f.endsWith('.gbnf'));

  it('ships several', () => expect(files.length).toBeGreaterThanOrEqual(6));

  it.each(files)('%s compiles and constrains a generation', async (file) => {
    const r = await run({ type: 'gbnf', grammar: readFileSync(join(dir, file), 'utf8') }, 7, 60);
    expect(r.completionTokens).toBeGreaterThan(0);
    if (file.startsWith('json') && r.finishReason === 'stop') expect(() => JSON.parse(r.text)).not.toThrow();
  });

  it('a small grammar: every output is one of its sentences', async () => {
    const grammar = 'root ::= ("yes" | "no" | "maybe") "." ';
    for (const seed of [1, 2, 3, 4]) expect((await run({ type: 'gbnf', grammar }, seed)).text).toMatch(/^(yes|no|maybe)\.$/);
  });
});

describe('regular expressions', () => {
  it.each(['[a-c]{2,5}', '[0-9]{3}-[0-9]{4}', '(yes|no|maybe)!?', 'Once upon a [a-z]+\\.'])('every output matches /^%s$/', async (pattern) => {
    const re = new RegExp(`^(?:${pattern})$`);
    let finished = 0;
    for (const seed of [1, 2, 3]) {
      const r = await run({ type: 'regex', pattern }, seed, 60);
      if (r.finishReason !== 'stop') continue;
      finished++;
      expect(r.text).toMatch(re);
    }
    expect(finished).toBeGreaterThan(0);
  });
});

describe('what constrained decoding refuses', () => {
  it.each([
    [{ type: 'number', minimum: 1.5, maximum: 2.5 }, /"minimum" at # on a type other than integer/],
    [{ oneOf: [{ type: 'integer' }, { type: 'string' }] }, /"oneOf" at #/],
    [{ type: 'string', format: 'date' }, /format "date" at #/],
    [{ type: 'object', properties: { n: { type: 'integer', multipleOf: 3 } } }, /"multipleOf" at #\/properties\/n/],
    [{ type: 'array', uniqueItems: true }, /"uniqueItems"/],
  ])('%j', async (schema, message) => {
    await expect(run({ type: 'json_schema', schema }, 1)).rejects.toThrow(message);
    await expect(run({ type: 'json_schema', schema }, 1)).rejects.toThrow(InvalidArgumentError);
  });

  it('broken grammars and specs are request errors', async () => {
    await expect(run({ type: 'gbnf', grammar: 'root ::= ("a" "b"' }, 1)).rejects.toThrow(/GBNF grammar cannot be compiled: .*line 1, column \d+/);
    // GBNF's empty alternative, which XGrammar's own parser refuses, is accepted
    expect((await run({ type: 'gbnf', grammar: 'root ::= "a" ("!" | )' }, 1)).text).toMatch(/^a!?$/);
    await expect(run({ type: 'gbnf', grammar: 'root ::= undefined-rule' }, 1)).rejects.toThrow(InvalidArgumentError);
    await expect(run({ type: 'regexp' } as never, 1)).rejects.toThrow(/unknown type "regexp"/);
    await expect(run({ type: 'regex', pattern: '(ab' }, 1)).rejects.toThrow(/regular expression cannot be compiled/);
    await expect(run({ type: 'json_schema', schema: 'x' } as never, 1)).rejects.toThrow(/needs a schema object/);
  });
});
