import { cpus } from 'node:os';
import { Rng, Sampler, type SamplingOptions } from '@ix/llm';
import { toolArgs } from '@ix/model-gen';

/**
 * Sampler time per token at real vocabulary sizes, for the chains people run: llama.cpp's default
 * (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8), the same with a repeat penalty over the last
 * 64 tokens, top-p alone (top-k off: the whole vocabulary is in play), and greedy. Logits are
 * Gaussian (sd 2.5) with a few strong tokens, as a language model's are; a second run on ascending
 * logits is the selection's worst case. Median of the per-round means.
 */
const values = toolArgs(
  {
    vocab: { type: 'string', default: '32000,151936,262144' },
    tokens: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean' },
  },
  'usage: node tools/bench/dist/sampling.js [--vocab 32000,151936,262144] [--tokens 200] [--rounds 7] [--json]',
);

const chains: Record<string, SamplingOptions> = {
  'llama.cpp default': {},
  'default + repeat penalty 1.1': { repeatPenalty: 1.1, penaltyLastN: 64 },
  'top-p 0.95 (top-k off)': { topK: 0, minP: 0 },
  greedy: { temperature: 0 },
};

function gaussianLogits(vocab: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const l = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) l[i] = (r.next() + r.next() + r.next() + r.next() - 2) * 2.5 * Math.sqrt(3);
  for (let i = 0; i < 8; i++) l[Math.floor(r.next() * vocab)] = 12 + 2 * r.next();
  return l;
}

const rows: { vocab: number; chain: string; logits: string; msPerToken: number }[] = [];
const tokens = Number(values.tokens);
const rounds = Number(values.rounds);
for (const vocab of values.vocab!.split(',').map(Number)) {
  const inputs = {
    gaussian: Array.from({ length: 8 }, (_, i) => gaussianLogits(vocab, i + 1)),
    ascending: [Float32Array.from({ length: vocab }, (_, i) => i / 1000)],
  };
  for (const [chain, options] of Object.entries(chains)) {
    for (const [kind, logits] of Object.entries(inputs)) {
      const sampler = new Sampler({ ...options, seed: 1 });
      const history = Array.from({ length: 64 }, (_, i) => (i * 7919) % vocab);
      const means: number[] = [];
      for (let round = 0; round <= rounds; round++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < tokens; i++) history.push(sampler.sample(logits[i % logits.length]!, history));
        const ms = Number(process.hrtime.bigint() - t0) / 1e6 / tokens;
        if (round > 0) means.push(ms); // round 0 warms the JIT
        history.length = 64;
      }
      means.sort((a, b) => a - b);
      rows.push({ vocab, chain, logits: kind, msPerToken: means[means.length >> 1]! });
    }
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
if (values.json) {
  process.stdout.write(JSON.stringify({ cpu, node: process.version, rows }, null, 2) + '\n');
} else {
  process.stdout.write(`sampler time per token, ${cpu}, Node ${process.version}\n\n`);
  const vocabs = [...new Set(rows.map((r) => r.vocab))];
  const keys = [...new Set(rows.map((r) => `${r.chain}|${r.logits}`))];
  const head = ['chain', 'logits', ...vocabs.map((v) => `${Math.round(v / 1000)}k vocab (ms)`)];
  const body = keys.map((k) => {
    const [chain, logits] = k.split('|') as [string, string];
    return [chain, logits, ...vocabs.map((v) => rows.find((r) => r.vocab === v && r.chain === chain && r.logits === logits)!.msPerToken.toFixed(3))];
  });
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  for (const r of all) process.stdout.write('| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |\n');
}
