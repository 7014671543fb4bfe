import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import type { EmbedOptions } from '@ix/llm';
import { loadModelFromFlags } from '../load.js';
import { int } from '../parse.js';
import { table } from '../table.js';
import { linesOf } from '../lines.js';

interface EmbedCommandOptions {
  file?: string;
  pooling?: EmbedOptions['pooling'];
  normalize: boolean;
  dimensions?: number;
  truncate?: boolean;
  similarity?: boolean;
  json?: boolean;
  backend?: string;
  threads?: number;
}

const POOLINGS = ['mean', 'cls', 'last', 'none'];

export function registerEmbed(program: Command): void {
  program
    .command('embed <model> [texts...]')
    .description('embeddings of texts with an embedding model (BERT): one JSON array per line, or --json / --similarity')
    .option('-f, --file <path>', 'embed each non-empty line of this file (default without texts: stdin)')
    .option('--pooling <type>', `how token states become one vector: ${POOLINGS.join(', ')} (default: the model's)`)
    .option('--no-normalize', 'keep raw vectors (default: unit length)')
    .option('--dimensions <n>', 'keep the first n values of each vector (Matryoshka models)', int)
    .option('--truncate', "cut texts longer than the model takes instead of refusing them")
    .option('--similarity', 'print the cosine similarity of every pair of texts instead of the vectors')
    .option('--json', 'print one JSON document: vectors, token counts, pooling')
    .option('--backend <name>', 'force a backend (see ix probe)')
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .action(async (modelPath: string, args: string[], opts: EmbedCommandOptions) => {
      if (opts.pooling !== undefined && !POOLINGS.includes(opts.pooling)) throw new InvalidArgumentError(`--pooling must be one of ${POOLINGS.join(', ')}, got "${opts.pooling}"`);
      if (opts.similarity && opts.pooling === 'none') throw new InvalidArgumentError('--similarity needs one vector per text (not --pooling none)');
      const texts = linesOf(args, opts.file, 'texts');
      const model = await loadModelFromFlags(modelPath, opts);
      try {
        if (model.kind === 'reranker') throw new InvalidArgumentError(`${modelPath} is a reranker: use ix rerank`);
        const r = await model.embed(texts, { pooling: opts.pooling, normalize: opts.normalize, dimensions: opts.dimensions, truncate: opts.truncate });
        if (opts.json) {
          const data = r.embeddings.map((e, index) => ({ index, tokens: r.tokens[index], embedding: Array.from(e) }));
          process.stdout.write(JSON.stringify({ model: modelPath, pooling: r.pooling, dimensions: r.width, data }) + '\n');
        } else if (opts.similarity) {
          const label = (i: number) => `${i}: ${texts[i]!.length > 32 ? texts[i]!.slice(0, 31) + '…' : texts[i]}`;
          const rows = r.embeddings.map((a, i) => [label(i), ...r.embeddings.map((b) => cosine(a, b).toFixed(4))]);
          process.stdout.write(table(['', ...texts.map((_, i) => String(i))], rows) + '\n');
        } else {
          for (const e of r.embeddings) process.stdout.write(JSON.stringify(Array.from(e)) + '\n');
        }
      } finally {
        await model.dispose();
      }
    });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
