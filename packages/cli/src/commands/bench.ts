import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { loadModel, measureSpeed, type SpeedSampling } from '@ix/llm';
import { int } from '../parse.js';
import { table } from '../table.js';

interface BenchOptions {
  prompt: number;
  gen: number;
  threads?: number;
  backend?: string;
  tokenizer?: string;
  json?: boolean;
  sampling: string;
}

const SAMPLING = ['default', 'greedy', 'none'];

/** Prompt processing (pp) and generation (tg) speed, as llama-bench reports them. */
export function registerBench(program: Command): void {
  program
    .command('bench <model>')
    .description('tokens/s for prompt processing (pp) and generation (tg)')
    .option('-p, --prompt <n>', 'prompt tokens', int, 512)
    .option('-n, --gen <n>', 'generated tokens', int, 128)
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .option('--backend <name>', 'force a backend')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--sampling <how>', "generation's next token: default (llama.cpp's default chain, what users run), greedy, or none (fixed ids, as llama-bench)", 'default')
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string, opts: BenchOptions) => {
      if (!SAMPLING.includes(opts.sampling)) throw new InvalidArgumentError(`--sampling must be one of ${SAMPLING.join(', ')}, got "${opts.sampling}"`);
      const model = await loadModel(path, { backend: opts.backend, threads: opts.threads, tokenizerPath: opts.tokenizer });
      try {
        const results = await measureSpeed(model, opts.prompt, opts.gen, { sampling: opts.sampling as SpeedSampling });
        const out = { model: path, backend: model.backend.name, threads: opts.threads ?? null, sampling: opts.sampling, results };
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else {
          process.stdout.write(`backend: ${model.backend.name}, sampling: ${opts.sampling}\n`);
          const rows = results.map((r) => [r.test, String(r.tokens), r.seconds.toFixed(3), r.tokensPerSecond.toFixed(2), r.samplingMsPerToken === undefined ? '' : r.samplingMsPerToken.toFixed(3)]);
          process.stdout.write(table(['test', 'tokens', 'seconds', 'tokens/s', 'sampler ms/token'], rows) + '\n');
        }
      } finally {
        await model.dispose();
      }
    });
}
