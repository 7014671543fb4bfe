import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { writeNestedModel } from '@ix/llm';
import { int } from '../parse.js';

/** `ix quantize --nested in out.gguf`: one file readable at 4 and 8 bits (adaptive precision), from a GGUF or a Hugging Face folder. */
export function registerQuantize(program: Command): void {
  program
    .command('quantize <input> <output>')
    .description('write a GGUF with float weights (F32, F16, BF16), or a Hugging Face safetensors folder, as a quantized GGUF; --nested: one copy readable at 4 and 8 bits, chosen per request (--precision)')
    .option('--nested', 'nested 4+4-bit matrices (docs/adaptive-precision.md); the only kind so far')
    .option('-t, --threads <n>', 'worker threads quantizing at once (default: every core; the output is the same for any count)', int)
    .action(async (input: string, output: string, opts: { nested?: boolean; threads?: number }) => {
      if (!opts.nested) throw new InvalidArgumentError('ix quantize writes nested models only, so far: add --nested (for the other types, llama.cpp\'s llama-quantize writes them and ix runs them)');
      if (input === output) throw new InvalidArgumentError('the output must be another file than the input');
      const started = performance.now();
      const tty = process.stderr.isTTY;
      if (opts.threads !== undefined && opts.threads < 1) throw new InvalidArgumentError('--threads must be at least 1');
      const summary = await writeNestedModel(input, output, {
        threads: opts.threads,
        onProgress: (done, total, name) => {
          if (tty) process.stderr.write(`\rix: ${done}/${total} tensors (${name})`.padEnd(72));
          else if (done === total || done % 50 === 0) process.stderr.write(`ix: ${done}/${total} tensors\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(
        `${output}: ${summary.nested} nested matrices (4 and 8 bits), ${summary.q8} Q8_0, ${summary.kept} kept as they were; ` +
          `${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s on ${summary.threads} thread${summary.threads === 1 ? '' : 's'}\n`,
      );
    });
}
