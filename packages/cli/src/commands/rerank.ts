import type { Command } from 'commander';
import { InvalidArgumentError } from '@ix/core';
import { loadModelFromFlags } from '../load.js';
import { int } from '../parse.js';
import { table } from '../table.js';
import { linesOf } from '../lines.js';

interface RerankCommandOptions {
  file?: string;
  topN?: number;
  json?: boolean;
  backend?: string;
  threads?: number;
}

export function registerRerank(program: Command): void {
  program
    .command('rerank <model> <query> [documents...]')
    .description('rank documents by relevance to a query with a cross-encoder reranker (best first)')
    .option('-f, --file <path>', 'rank each non-empty line of this file (default without documents: stdin)')
    .option('--top-n <n>', 'print only the n best', int)
    .option('--json', 'print one JSON document: results with index, score and text')
    .option('--backend <name>', 'force a backend (see ix probe)')
    .option('-t, --threads <n>', 'threads for CPU backends', int)
    .action(async (modelPath: string, query: string, args: string[], opts: RerankCommandOptions) => {
      if (opts.topN !== undefined && opts.topN < 1) throw new InvalidArgumentError(`--top-n must be at least 1, got ${opts.topN}`);
      const documents = linesOf(args, opts.file, 'documents');
      const model = await loadModelFromFlags(modelPath, opts);
      try {
        if (model.hparams.pooling !== 'rank') throw new InvalidArgumentError(`${modelPath} is not a reranker (a cross-encoder such as a BERT sequence classifier): use ix embed for embedding models`);
        const r = await model.rerank(query, documents);
        const ranked = r.scores
          .map((score, index) => ({ index, score, text: documents[index]! }))
          .sort((a, b) => b.score - a.score || a.index - b.index)
          .slice(0, opts.topN ?? documents.length);
        if (opts.json) process.stdout.write(JSON.stringify({ model: modelPath, query, results: ranked }) + '\n');
        else process.stdout.write(table(['rank', 'score', 'index', 'document'], ranked.map((x, i) => [String(i + 1), x.score.toFixed(4), String(x.index), x.text.length > 60 ? x.text.slice(0, 59) + '…' : x.text])) + '\n');
      } finally {
        await model.dispose();
      }
    });
}
