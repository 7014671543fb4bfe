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
  repeats: number;
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
    .option('-r, --repeats <n>', 'runs of each test after a warm-up; the median is reported', int, 5)
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string, opts: BenchOptions) => {
      if (!SAMPLING.includes(opts.sampling)) throw new InvalidArgumentError(`--sampling must be one of ${SAMPLING.join(', ')}, got "${opts.sampling}"`);
      const model = await loadModel(path, { backend: opts.backend, threads: opts.threads, tokenizerPath: opts.tokenizer });
      try {
        if (opts.repeats < 1) throw new InvalidArgumentError(`--repeats must be at least 1, got ${opts.repeats}`);
        const results = await measureSpeed(model, opts.prompt, opts.gen, { sampling: opts.sampling as SpeedSampling, repeats: opts.repeats });
        const out = { model: path, backend: model.backend.name, threads: opts.threads ?? null, sampling: opts.sampling, repeats: opts.repeats, results };
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else {
          process.stdout.write(`backend: ${model.backend.name}, sampling: ${opts.sampling}, median of ${opts.repeats}\n`);
          const rows = results.map((r) => [
            r.test,
            String(r.tokens),
            r.seconds.toFixed(3),
            r.tokensPerSecond.toFixed(2),
            `${r.hostMsPerToken.toFixed(4)} (${(100 * r.hostShare).toFixed(1)}%)`,
            r.samplingMsPerToken === undefined ? '' : r.samplingMsPerToken.toFixed(3),
          ]);
          process.stdout.write(table(['test', 'tokens', 'seconds', 'tokens/s', 'host ms/token', 'sampler ms/token'], rows) + '\n');
        }
      } finally {
        await model.dispose();
      }
    });
}
