import type { Command } from 'commander';
import { ARCHITECTURES, describeModel, GGUF_PRE_TOKENIZER_NAMES, GGUF_TOKENIZER_MODELS, openModel } from '@ix/llm';
import { table } from '../table.js';

export function registerInfo(program: Command): void {
  program
    .command('info [model]')
    .description('architecture, parameters, tensor types and sizes, tokenizer and chat template of a model; without one, the architectures and tokenizers ix runs')
    .option('--tokenizer <path>', 'tokenizer.bin for llama2.c checkpoints')
    .option('--json', 'print machine-readable JSON')
    .action(async (path: string | undefined, opts: { json?: boolean; tokenizer?: string }) => {
      if (path === undefined) return printSupported(opts.json === true);
      const file = await openModel(path, { tokenizerPath: opts.tokenizer });
      try {
        const info = describeModel(file);
        if (opts.json) {
          process.stdout.write(JSON.stringify(info, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
          return;
        }
        const lines = Object.entries(info)
          .filter(([, v]) => typeof v !== 'object' || v === null)
          .map(([k, v]) => `${k.padEnd(21)} ${String(v)}`);
        if (info.nested) lines.push(`${'nested'.padEnd(21)} ${info.nested.matrices} matrices readable at ${info.nested.levels.join(' or ')} bits (--precision)`);
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

/** What `ix info` with no model prints: every architecture (its GGUF and Hugging Face names) and tokenizer ix runs. */
function printSupported(json: boolean): void {
  const architectures = ARCHITECTURES.map((a) => ({ name: a.name, gguf: a.ggufNames, huggingFace: a.hfClasses, kind: a.buildStep ? 'generative' : 'embedding' }));
  const tokenizers = { gguf: GGUF_TOKENIZER_MODELS, ggufPreTokenizers: GGUF_PRE_TOKENIZER_NAMES, huggingFace: ['BPE (byte-level and SentencePiece-style)', 'WordPiece', 'Unigram'] };
  if (json) {
    process.stdout.write(JSON.stringify({ architectures, tokenizers }, null, 2) + '\n');
    return;
  }
  const list = (xs: readonly string[]) => xs.join(', ') || '-';
  process.stdout.write('architectures\n' + table(['name', 'kind', 'GGUF', 'Hugging Face'], architectures.map((a) => [a.name, a.kind, list(a.gguf), list(a.huggingFace)])) + '\n');
  process.stdout.write(`\ntokenizers (GGUF tokenizer.ggml.model): ${list(tokenizers.gguf)}\npre-tokenizers (tokenizer.ggml.pre): ${list(tokenizers.ggufPreTokenizers)}\nHugging Face tokenizer.json: ${list(tokenizers.huggingFace)}\n`);
}
