import type { Command } from 'commander';
import { loadModel, measureSpeed } from '@ix/core';
import { int } from '../parse.js';
import { table } from '../table.js';

interface BenchOptions {
  prompt: number;
  gen: number;
  threads?: number;
  backend?: string;
  tokenizer?: string;
  json?: boolean;
}

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
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string, opts: BenchOptions) => {
      const model = await loadModel(path, { backend: opts.backend, threads: opts.threads, tokenizerPath: opts.tokenizer });
      try {
        const results = await measureSpeed(model, opts.prompt, opts.gen);
        const out = { model: path, backend: model.backend.name, threads: opts.threads ?? null, results };
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else {
          process.stdout.write(`backend: ${model.backend.name}\n`);
          process.stdout.write(table(['test', 'tokens', 'seconds', 'tokens/s'], results.map((r) => [r.test, String(r.tokens), r.seconds.toFixed(3), r.tokensPerSecond.toFixed(2)])) + '\n');
        }
      } finally {
        await model.dispose();
      }
    });
}
