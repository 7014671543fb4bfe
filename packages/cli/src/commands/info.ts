import type { Command } from 'commander';
import { describeModel, openModel } from '@ix/llm';
import { table } from '../table.js';

export function registerInfo(program: Command): void {
  program
    .command('info <model>')
    .description('architecture, parameters, tensor types and sizes, tokenizer and chat template of a model')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string, opts: { json?: boolean; tokenizer?: string }) => {
      const file = await openModel(path, { tokenizerPath: opts.tokenizer });
      try {
        const info = describeModel(file);
        if (opts.json) {
          process.stdout.write(JSON.stringify(info, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
          return;
        }
        const lines = Object.entries(info)
          .filter(([, v]) => typeof v !== 'object' || v === null)
          .map(([k, v]) => `${k.padEnd(18)} ${String(v)}`);
        process.stdout.write(lines.join('\n') + '\n');
        const types = (info as { tensorTypes?: { dtype: string; count: number; bytes: number }[] }).tensorTypes;
        if (types?.length) {
          process.stdout.write('\n' + table(['type', 'tensors', 'MiB'], types.map((t) => [t.dtype, String(t.count), (t.bytes / 2 ** 20).toFixed(2)])) + '\n');
        }
      } finally {
        await file.close();
      }
    });
}
