import type { Command } from 'commander';
import { loadModel } from '@ix/core';
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
        const vocab = model.hparams.vocabSize;
        const ctx = opts.prompt + opts.gen + 1;
        const session = model.createSession({ contextLength: ctx, batchSize: Math.max(1, opts.prompt) });
        // deterministic pseudo-random tokens: speed does not depend on their meaning
        const tokens = Array.from({ length: opts.prompt }, (_, i) => (i * 7919 + 13) % vocab);
        const results: { test: string; tokens: number; seconds: number; tokensPerSecond: number }[] = [];
        if (opts.prompt > 0) {
          const t0 = performance.now();
          await session.evaluate(tokens);
          const s = (performance.now() - t0) / 1000;
          results.push({ test: `pp${opts.prompt}`, tokens: opts.prompt, seconds: s, tokensPerSecond: opts.prompt / s });
        }
        if (opts.gen > 0) {
          session.reset();
          const history = [1];
          await session.evaluate(history);
          const t0 = performance.now();
          for (let i = 0; i < opts.gen; i++) {
            history.push((i * 104729 + 7) % vocab);
            await session.evaluate(history);
          }
          const s = (performance.now() - t0) / 1000;
          results.push({ test: `tg${opts.gen}`, tokens: opts.gen, seconds: s, tokensPerSecond: opts.gen / s });
        }
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
