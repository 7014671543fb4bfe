import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@ix/core';
import { validateGrammarSpec, type ChatMessage, type GenerateOptions, type GenerateResult, type GrammarSpec, type Session } from '@ix/llm';
import { loadModelFromFlags, MOE_MEMORY_HELP } from '../load.js';
import { byteSize, int, num, PRECISION_HELP, precisionOption, seedOption, SENSITIVITY_HELP } from '../parse.js';

interface RunOptions {
  prompt?: string;
  moeMemory?: number;
  maxTokens: number;
  temp?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  seed?: number;
  threads?: number;
  ctxSize?: number;
  backend?: string;
  chat: boolean;
  chatTemplate?: string;
  tokenizer?: string;
  system?: string;
  json?: boolean;
  grammar?: string;
  grammarFile?: string;
  jsonSchema?: string;
  jsonSchemaFile?: string;
  precision?: 'max' | 'eco' | 'auto' | number;
  sensitivity?: string;
}

/** The structured-output flags as one grammar (at most one of them), read and checked before the model loads. */
function grammarOf(opts: RunOptions): GrammarSpec | undefined {
  const given = (['grammar', 'grammarFile', 'jsonSchema', 'jsonSchemaFile'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) throw new InvalidArgumentError('give one of --grammar, --grammar-file, --json-schema, --json-schema-file');
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const schema = (text: string, where: string): GrammarSpec => {
    try {
      return { type: 'json_schema', schema: JSON.parse(text) };
    } catch (err) {
      throw new InvalidArgumentError(`${where} is not JSON: ${(err as Error).message}`);
    }
  };
  if (opts.grammar !== undefined) return { type: 'gbnf', grammar: opts.grammar };
  if (opts.grammarFile !== undefined) return { type: 'gbnf', grammar: read(opts.grammarFile) };
  if (opts.jsonSchema !== undefined) return schema(opts.jsonSchema, '--json-schema');
  if (opts.jsonSchemaFile !== undefined) return schema(read(opts.jsonSchemaFile), opts.jsonSchemaFile);
  return undefined;
}

export function registerRun(program: Command): void {
  program
    .command('run <model>')
    .description('generate text from a GGUF file, a safetensors folder or a llama2.c checkpoint (interactive chat without -p when the model has a chat template)')
    .option('-p, --prompt <text>', 'prompt (an empty prompt generates from BOS alone)')
    .option('-n, --max-tokens <n>', 'tokens to generate (-1 = until EOS or the context is full)', int, -1)
    .option('--temp, --temperature <t>', 'temperature (0 = greedy)', num)
    .option('--top-k <k>', 'top-k (0 = off)', int)
    .option('--top-p <p>', 'top-p', num)
    .option('--min-p <p>', 'min-p', num)
    .option('--repeat-penalty <x>', 'repetition penalty (1 = off)', num)
    .option('-s, --seed <n>', 'seed for sampling', seedOption)
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .option('--moe-memory <size>', MOE_MEMORY_HELP, byteSize)
    .option('--precision <p>', PRECISION_HELP, precisionOption)
    .option('--sensitivity <file>', SENSITIVITY_HELP)
    .option('-c, --ctx-size <n>', 'context length in tokens', int)
    .option('--backend <name>', 'force a backend (see ix probe)')
    .option('--no-chat', 'raw completion of the prompt, without the chat template')
    .option('--chat-template <jinja>', 'use this Jinja chat template instead of the model\'s')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--system <text>', 'system message for chat')
    .option('--json', 'print the result as JSON (text, tokens, finish reason, timings)')
    .option('--grammar <gbnf>', 'constrain the output to a GBNF grammar (llama.cpp syntax)')
    .option('--grammar-file <path>', 'constrain the output to the GBNF grammar in a file')
    .option('--json-schema <json>', 'constrain the output to JSON valid for this JSON Schema')
    .option('--json-schema-file <path>', 'constrain the output to JSON valid for the JSON Schema in a file')
    .action(async (modelPath: string, opts: RunOptions) => {
      const grammar = grammarOf(opts);
      if (grammar) validateGrammarSpec(grammar);
      const model = await loadModelFromFlags(modelPath, opts);
      if (model.kind !== 'generative') {
        await model.dispose();
        throw new InvalidArgumentError(
          model.kind === 'reranker'
            ? `${model.arch.name} is a reranker: it does not generate text (use ix rerank, or ix serve for /v1/rerank)`
            : `${model.arch.name} is an embedding model: it does not generate text (use ix embed, or ix serve for /v1/embeddings)`,
        );
      }
      process.stderr.write(`ix: ${model.hparams.arch} model on backend "${model.backend.name}"\n`);
      let session: Session;
      try {
        session = model.createSession({ contextLength: opts.ctxSize, precision: opts.precision });
      } catch (err) {
        await model.dispose();
        throw err;
      }
      const gen: GenerateOptions = {
        maxTokens: opts.maxTokens < 0 ? undefined : opts.maxTokens,
        temperature: opts.temperature ?? opts.temp,
        topK: opts.topK,
        topP: opts.topP,
        minP: opts.minP,
        repeatPenalty: opts.repeatPenalty,
        seed: opts.seed,
        grammar,
      };
      try {
        // a base model without a chat template and no prompt: complete from BOS alone
        const prompt = opts.prompt ?? (model.chatTemplate && opts.chat ? undefined : '');
        if (opts.prompt === undefined && prompt === '') process.stderr.write('ix: no prompt and no chat template: generating from BOS\n');
        if (prompt !== undefined) {
          const useChat = opts.chat && prompt !== '' && model.chatTemplate !== undefined;
          const messages: ChatMessage[] = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: prompt }];
          const result = await stream(session, useChat ? messages : prompt, { ...gen, chat: useChat }, !opts.json);
          if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
          else process.stdout.write('\n');
        } else {
          await interactive(session, gen, opts);
        }
      } finally {
        await model.dispose();
      }
    });
}

async function stream(session: Session, prompt: string | ChatMessage[], gen: GenerateOptions, print: boolean) {
  const started = performance.now();
  let firstToken = 0;
  const it = session.generate(prompt, gen);
  let r = await it.next();
  while (!r.done) {
    if (!firstToken) firstToken = performance.now();
    if (print) process.stdout.write(r.value.text);
    r = await it.next();
  }
  const result: GenerateResult = r.value;
  const end = performance.now();
  const genSeconds = (end - (firstToken || end)) / 1000;
  process.stderr.write(
    `\nix: ${result.promptTokens} prompt tokens, ${result.completionTokens} generated (${result.finishReason}), ` +
      `${result.completionTokens > 1 && genSeconds > 0 ? ((result.completionTokens - 1) / genSeconds).toFixed(1) : '-'} tokens/s\n`,
  );
  return { ...result, seconds: (end - started) / 1000 };
}

async function interactive(session: Session, gen: GenerateOptions, opts: RunOptions): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const messages: ChatMessage[] = opts.system ? [{ role: 'system', content: opts.system }] : [];
  process.stderr.write('ix: chat mode; an empty line or Ctrl-D ends it\n');
  try {
    for (;;) {
      const line = await rl.question('> ').catch(() => '');
      if (!line.trim()) break;
      messages.push({ role: 'user', content: line });
      const result = await stream(session, messages, { ...gen, chat: true }, true);
      process.stdout.write('\n');
      messages.push({ role: 'assistant', content: result.text });
    }
  } finally {
    rl.close();
  }
}
