import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { discoverBackends } from '@ix/core';
import { loadModel, TokenConstraint, type GrammarSpec, type Model } from '@ix/llm';
import { generateModel, PRESETS, toolArgs } from '@ix/model-gen';
import { median } from './stats.js';

/**
 * Structured output's cost on a 151,936-token vocabulary (Qwen2's tokenizer, on model-gen's
 * random-weight qwen2-tiny, so the model itself costs little and the grammar's share shows): the
 * one-time vocabulary preparation, grammar compile time, the token mask per generated token (the
 * issue's target: < 0.5 ms for a typical nested schema), and tokens/s with and without the grammar.
 */
const values = toolArgs(
  {
    model: { type: 'string' },
    tokens: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean' },
  },
  'usage: node tools/bench/dist/grammar.js [--model file.gguf (default: a qwen2-tiny written by model-gen)] [--tokens 200] [--rounds 5] [--json]',
);

const NESTED = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    customer: {
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: 'string' }, vip: { type: 'boolean' } },
      required: ['name', 'email', 'vip'],
    },
    items: {
      type: 'array',
      maxItems: 5,
      items: {
        type: 'object',
        properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' }, quantity: { type: 'integer', minimum: 1, maximum: 100 }, size: { enum: ['S', 'M', 'L', 'XL'] } },
        required: ['sku', 'quantity'],
      },
    },
    status: { enum: ['new', 'paid', 'shipped'] },
    note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  },
  required: ['id', 'customer', 'items', 'status'],
};

/** the same with bounded strings: XGrammar unrolls a maxLength into states, compile time grows with it */
const BOUNDED = structuredClone(NESTED);
Object.assign(BOUNDED.properties.customer.properties.name, { maxLength: 40 });
Object.assign(BOUNDED.properties.customer.properties.email, { maxLength: 60 });

const GRAMMARS: Record<string, GrammarSpec> = {
  'nested JSON schema (order)': { type: 'json_schema', schema: NESTED },
  'the same, strings with maxLength 40 and 60': { type: 'json_schema', schema: BOUNDED },
  'any JSON object': { type: 'json_object' },
  'GBNF arithmetic': { type: 'gbnf', grammar: 'root ::= expr\nexpr ::= term (("+" | "-") term)*\nterm ::= factor (("*" | "/") factor)*\nfactor ::= [0-9]+ | "(" expr ")"' },
};

async function modelFile(): Promise<string> {
  if (values.model) return values.model;
  const file = join(tmpdir(), 'ix-grammar-bench-qwen2-tiny.gguf');
  if (!existsSync(file)) {
    process.stderr.write(`writing ${file} (model-gen qwen2-tiny)\n`);
    await generateModel({ arch: PRESETS['qwen2-tiny']!.arch, shape: PRESETS['qwen2-tiny']!.shape, seed: 1, gguf: file, quant: 'F32' });
  }
  return file;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/**
 * Decode speed of one generation: tokens after the first over the time since the first (the prompt
 * and the first token are the same work with or without a grammar). Undefined for fewer than 8
 * tokens (a model that closes the object at once says nothing about per-token cost).
 */
async function generate(model: Model, grammar: GrammarSpec | undefined, seed: number): Promise<{ tokens: number; perSecond?: number }> {
  const session = model.createSession({ contextLength: Number(values.tokens) + 64 });
  try {
    const it = session.generate('Write the order as JSON:', { grammar, temperature: 1, seed, maxTokens: Number(values.tokens), chat: false });
    let first: number | undefined;
    let tokens = 0;
    let r = await it.next();
    while (!r.done) {
      if (r.value.token >= 0) {
        tokens++;
        first ??= performance.now();
      }
      r = await it.next();
    }
    const seconds = first === undefined ? 0 : (performance.now() - first) / 1000;
    return { tokens, perSecond: tokens >= 8 ? (tokens - 1) / seconds : undefined };
  } finally {
    session.dispose();
  }
}

await discoverBackends();
const model = await loadModel(await modelFile(), {});
// time every mask: allowed() is where the grammar's per-token work happens
const maskTimes: number[] = [];
const allowed = TokenConstraint.prototype.allowed;
TokenConstraint.prototype.allowed = async function (this: TokenConstraint) {
  const t0 = performance.now();
  const m = await allowed.call(this);
  maskTimes.push(performance.now() - t0);
  return m;
};

const rows: Record<string, unknown>[] = [];
const t0 = performance.now();
(await TokenConstraint.create(model.tokenizer, { type: 'json_object' }, model.hparams.vocabSize)).dispose();
const prepareMs = performance.now() - t0;

const speedsOf = async (spec: GrammarSpec | undefined) => {
  const speeds: number[] = [];
  let tokens = 0;
  for (let r = 0; r < Number(values.rounds); r++) {
    const g = await generate(model, spec, r + 1);
    tokens += g.tokens;
    if (g.perSecond !== undefined) speeds.push(g.perSecond);
  }
  return { tokens, perSecond: speeds.length ? median(speeds) : NaN };
};
const free = await speedsOf(undefined);
for (const [name, spec] of Object.entries(GRAMMARS)) {
  const c0 = performance.now();
  (await TokenConstraint.create(model.tokenizer, spec, model.hparams.vocabSize)).dispose();
  const compileMs = performance.now() - c0;
  maskTimes.length = 0;
  const run = await speedsOf(spec);
  rows.push({
    grammar: name, compileMs, tokens: run.tokens, maskMedianMs: median(maskTimes), maskP90Ms: pct(maskTimes, 0.9), maskMaxMs: Math.max(...maskTimes),
    tokensPerSecond: run.perSecond, unconstrainedTokensPerSecond: free.perSecond, slowdown: free.perSecond / run.perSecond,
  });
}
await model.dispose();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const head = { cpu, node: process.version, backend: model.backend.name, vocabSize: model.hparams.vocabSize, vocabularyPreparationMs: prepareMs };
if (values.json) {
  process.stdout.write(JSON.stringify({ ...head, rows }, null, 2) + '\n');
} else {
  process.stdout.write(`structured output on a ${model.hparams.vocabSize}-token vocabulary, ${cpu}, Node ${process.version}, backend ${model.backend.name}\n`);
  process.stdout.write(`vocabulary prepared once per model in ${prepareMs.toFixed(0)} ms\n\n`);
  process.stdout.write('| grammar | compile ms | tokens | mask ms/token median | p90 | max | decode tokens/s | unconstrained | slowdown |\n|---|---|---|---|---|---|---|---|---|\n');
  const f = (v: unknown, d = 2) => (Number.isFinite(v as number) ? (v as number).toFixed(d) : '-');
  for (const r of rows) {
    process.stdout.write(`| ${r.grammar} | ${f(r.compileMs, 0)} | ${r.tokens} | ${f(r.maskMedianMs, 3)} | ${f(r.maskP90Ms, 3)} | ${f(r.maskMaxMs, 2)} | ${f(r.tokensPerSecond, 0)} | ${f(r.unconstrainedTokensPerSecond, 0)} | ${f(r.slowdown)} |\n`);
  }
}
