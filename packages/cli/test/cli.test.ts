import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHITECTURES, GGUF_TOKENIZER_MODELS, loadModel } from '@ix/llm';
import { generateModel, PRESETS } from '@ix/model-gen';

const run = promisify(execFile);
const IX = fileURLToPath(new URL('../dist/ix.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const STORIES = 'models/stories260K/stories260K.gguf';
const SHARED_STORIES = fileURLToPath(new URL('../../../../shared/models/stories260K/', import.meta.url));

/** Published greedy output of stories260K (llama2.c test_all.py; see the model's SOURCE.md). */
const EXPECTED = readFileSync(new URL('../../../models/stories260K/greedy-200.txt', import.meta.url), 'utf8');

async function ix(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [IX, ...args], { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('ix run', () => {
  for (const backend of ['reference', 'cpu-avx']) {
    it(`greedy from BOS prints exactly the published text on ${backend} (diagnostics on stderr only)`, async () => {
      const r = await ix(['run', STORIES, '--temp', '0', '-n', '200', '--backend', backend]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(EXPECTED + '\n');
      expect(r.stderr).toContain(`backend "${backend}"`);
    });
  }

  it.skipIf(!existsSync(SHARED_STORIES))('runs a llama2.c checkpoint with its tokenizer.bin', async () => {
    const r = await ix(['run', `${SHARED_STORIES}stories260K.bin`, '--tokenizer', `${SHARED_STORIES}tok512.bin`, '--temp', '0', '-n', '200', '-p', '']);
    expect(r.stdout).toBe(EXPECTED + '\n');
  });

  it('--json reports the generation', async () => {
    const r = await ix(['run', STORIES, '--temp', '0', '-n', '5', '-p', 'Once upon a time', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.completionTokens).toBe(5);
    expect(out.finishReason).toBe('length');
    expect(EXPECTED.startsWith('Once upon a time' + out.text)).toBe(true);
  });

  it('--json-schema and --grammar-file constrain the output; what cannot be honoured is one clear line', async () => {
    const schema = { type: 'object', properties: { hero: { enum: ['Lily', 'Tom'] }, age: { type: 'integer', minimum: 1, maximum: 9 } }, required: ['hero', 'age'] };
    const r = await ix(['run', STORIES, '--no-chat', '-p', 'Once upon a time', '-s', '1', '--json-schema', JSON.stringify(schema)]);
    expect(r.code).toBe(0);
    const value = JSON.parse(r.stdout);
    expect(['Lily', 'Tom']).toContain(value.hero);
    expect(value.age).toBeGreaterThanOrEqual(1);
    const grammar = await ix(['run', STORIES, '--no-chat', '-p', 'x', '-s', '2', '--grammar', 'root ::= ("yes" | "no") "."']);
    expect(grammar.stdout.trim()).toMatch(/^(yes|no)\.$/);
    const bad = await ix(['run', STORIES, '-p', 'x', '--json-schema', '{"type": "number", "multipleOf": 2}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unsupported JSON Schema features: "multipleOf" at #/);
    const both = await ix(['run', STORIES, '-p', 'x', '--grammar', 'root ::= "a"', '--json-schema', '{}']);
    expect(both.stderr).toMatch(/give one of --grammar/);
  });

  it('bad input: a missing file and an unknown backend are one clear line and exit 1', async () => {
    const missing = await ix(['run', 'no/such/model.gguf', '-p', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ix: no\/such\/model\.gguf: cannot open/m);
    const unknown = await ix(['run', STORIES, '-p', 'x', '--backend', 'warp-drive']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown backend "warp-drive"/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('ix probe', () => {
  it('--json lists reference and cpu-avx and chooses the highest-priority available one', async () => {
    const r = await ix(['probe', '--json']);
    const out = JSON.parse(r.stdout);
    const names = out.backends.map((b: { name: string }) => b.name);
    expect(names).toContain('reference');
    expect(names).toContain('cpu-avx');
    const best = out.backends.filter((b: { available: boolean }) => b.available).sort((a: { priority: number }, b: { priority: number }) => b.priority - a.priority)[0];
    expect(out.chosen).toBe(best.name);
  });

  it('IX_BACKEND forces the choice', async () => {
    const r = await ix(['probe', '--json'], { IX_BACKEND: 'reference' });
    expect(JSON.parse(r.stdout).chosen).toBe('reference');
  });
});

describe('ix info', () => {
  it('describes the bundled model as its SOURCE.md does', async () => {
    const r = await ix(['info', STORIES, '--json']);
    const info = JSON.parse(r.stdout);
    expect(info.architecture).toBe('llama');
    expect(info.tensorCount).toBe(48);
    expect(info.contextLength).toBe(2048);
  });

  it('with no model lists every registered architecture and the GGUF tokenizers, each loadable name once', async () => {
    const r = await ix(['info', '--json']);
    const { architectures, tokenizers } = JSON.parse(r.stdout) as { architectures: { name: string; gguf: string[]; huggingFace: string[] }[]; tokenizers: { gguf: string[]; ggufPreTokenizers: string[] } };
    expect(architectures.map((a) => a.name)).toEqual(ARCHITECTURES.map((a) => a.name));
    expect(architectures.find((a) => a.name === 'gemma3')).toMatchObject({ gguf: ['gemma3'], huggingFace: ['Gemma3ForCausalLM'] });
    expect(tokenizers.gguf).toEqual([...GGUF_TOKENIZER_MODELS]);
    expect(tokenizers.gguf).toEqual(expect.arrayContaining(['llama', 'gpt2', 'bert', 't5', 'gemma4']));
    expect(tokenizers.ggufPreTokenizers).toEqual(expect.arrayContaining(['command-r', 'granite-embed-multi-311m', 'sarvam-moe']));
    expect(architectures.find((a) => a.name === 'bert')?.huggingFace).toContain('XLMRobertaForSequenceClassification');
    const text = await ix(['info']);
    expect(text.stdout).toMatch(/^starcoder2 +generative +starcoder2 +Starcoder2ForCausalLM$/m);
  });
});

describe('ix serve', () => {
  it('serves the bundled model, answers like ix run, and exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [IX, 'serve', STORIES, '--port', String(port), '--parallel', '2'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      // wait until it listens (bounded)
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`${base}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 24, temperature: 0 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
      const cli = await ix(['run', STORIES, '--temp', '0', '-n', '24', '-p', 'Once upon a time', '--json']);
      expect(body.choices[0]!.text).toBe(JSON.parse(cli.stdout).text);
      expect(body.usage.completion_tokens).toBe(24);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('ix bench', () => {
  it('reports pp and tg with the default sampler by default, its time per token, and refuses an unknown --sampling', async () => {
    const r = await ix(['bench', STORIES, '-p', '16', '-n', '8', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sampling).toBe('default');
    expect(out.results.map((x: { test: string }) => x.test)).toEqual(['pp16', 'tg8']);
    expect(out.results[1].samplingMsPerToken).toBeGreaterThan(0);
    // medians of 5 runs after a warm-up, with the host overhead (time outside the kernels) of the median run
    for (const x of out.results) {
      expect(x.repeats).toHaveLength(5);
      expect(x.tokensPerSecond).toBe([...x.repeats].sort((a: number, b: number) => a - b)[2]);
      expect(x.hostShare).toBeGreaterThan(0);
      expect(x.hostShare).toBeLessThan(1);
      expect(x.hostMsPerToken).toBeCloseTo((x.hostShare * x.seconds * 1000) / x.tokens, 6);
    }
    expect((await ix(['bench', STORIES, '-r', '0'])).stderr).toMatch(/^ix: --repeats must be at least 1/m);
    const none = JSON.parse((await ix(['bench', STORIES, '-p', '0', '-n', '4', '--sampling', 'none', '--json'])).stdout);
    expect(none.results[0].samplingMsPerToken).toBeUndefined();
    const bad = await ix(['bench', STORIES, '--sampling', 'bogus']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ix: --sampling must be one of default, greedy, none/m);
  });
});

describe('ix bench --moe-memory', () => {
  it('reports each layer\'s expert uses and bytes read and the peak memory; sizes take units; a dense model is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ix-cli-moe-'));
    try {
      const path = join(dir, 'moe.gguf');
      await generateModel({ ...PRESETS['qwen3moe-tiny']!, seed: 4, gguf: path, quant: 'Q8_0' });
      const r = await ix(['bench', path, '-p', '8', '-n', '4', '-r', '1', '--moe-memory', '1.5MiB', '--json'], { IX_BACKEND: 'cpu-avx' });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.experts.budget).toBe(1.5 * 2 ** 20);
      expect(out.experts.layers).toHaveLength(PRESETS['qwen3moe-tiny']!.shape.nLayers);
      // a warm-up and a run of each test: two prompts and eight decode steps, three expert matmuls each
      for (const u of out.experts.layers) expect(u.hits + u.misses).toBeGreaterThanOrEqual(3 * 10);
      expect(out.peakRss).toBeGreaterThan(0);
      const text = await ix(['bench', path, '-p', '8', '-n', '4', '-r', '1', '--moe-memory', '2G'], { IX_BACKEND: 'cpu-avx' });
      expect(text.stdout).toMatch(/experts \(budget 2048\.0 MiB, resident now [\d.]+ MiB\)/);
      expect(text.stdout).toMatch(/^all\s+\d+\s+[\d.]+%\s+[\d.]+ MiB$/m);
      // ix info: the experts, and the parameters a token reads (2 layers x 3 tensors of 8 experts [32, 64], 3 used)
      const info = JSON.parse((await ix(['info', path, '--json'])).stdout);
      expect([info.experts, info.expertsPerToken]).toEqual([8, 3]);
      expect(info.activeParameterCount).toBe(info.parameterCount - 2 * 3 * 8 * 32 * 64 * (1 - 3 / 8));
      expect((await ix(['info', path])).stdout).toMatch(/^expertsPerToken\s+3$/m);
      expect((await ix(['bench', path, '--moe-memory', 'lots'])).stderr).toMatch(/argument 'lots' is invalid\. expected a size such as 512M, 2GiB or a byte count/);
      expect((await ix(['bench', STORIES, '-p', '8', '-n', '2', '--moe-memory', '1G'])).stderr).toMatch(/is not a mixture-of-experts model/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const BERT_TOKENIZER = fileURLToPath(new URL('../../../../shared/models/all-MiniLM-L6-v2-tokenizer-only', import.meta.url));

describe.skipIf(!existsSync(BERT_TOKENIZER))('ix embed and ix rerank', () => {
  it('ix embed prints each text\'s vector as the library embeds it, a similarity table; ix rerank ranks as the library scores; each refuses the wrong kind of model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ix-cli-embed-'));
    try {
      const gguf = join(dir, 'bert.gguf');
      const { arch, shape } = PRESETS['bert-tiny']!;
      await generateModel({ arch, shape, seed: 2, gguf, quant: 'F32', tokenizerDir: BERT_TOKENIZER });
      const texts = ['a cat sat on the mat', 'stock prices fell'];
      const model = await loadModel(gguf, { backend: 'reference' });
      const want = await model.embed(texts, { dimensions: 8 });
      await model.dispose();

      const r = await ix(['embed', gguf, ...texts, '--dimensions', '8', '--backend', 'reference']);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
      expect(lines).toEqual(want.embeddings.map((e) => Array.from(e)));

      const sim = await ix(['embed', gguf, ...texts, '--similarity']);
      expect(sim.stdout).toMatch(/^0: a cat sat on the mat\s+1\.0000\s+\S+$/m);

      // a decoder embeds too (its last token's normed state, as llama.cpp), a reranker does not
      const decoder = await ix(['embed', STORIES, 'Once upon a time', '--backend', 'reference']);
      expect(decoder.code).toBe(0);
      const stories = await loadModel(join(REPO, STORIES), { backend: 'reference' });
      const last = await stories.embed(['Once upon a time']);
      await stories.dispose();
      expect(last.pooling).toBe('last');
      expect(JSON.parse(decoder.stdout)).toEqual(Array.from(last.embeddings[0]!));
      const rerankGguf = join(dir, 'rerank.gguf');
      const rr = PRESETS['bert-rerank-tiny']!;
      await generateModel({ arch: rr.arch, shape: rr.shape, seed: 2, gguf: rerankGguf, quant: 'F32', tokenizerDir: BERT_TOKENIZER });
      const reranker = await loadModel(rerankGguf, { backend: 'reference' });
      const scores = (await reranker.rerank('what is a cat?', texts)).scores;
      await reranker.dispose();
      const ranked = await ix(['rerank', rerankGguf, 'what is a cat?', ...texts, '--json', '--backend', 'reference']);
      expect(ranked.code).toBe(0);
      const results = (JSON.parse(ranked.stdout) as { results: { index: number; score: number }[] }).results;
      expect(results.map((x) => x.score)).toEqual([...scores].sort((a, b) => b - a));
      expect(results.map((x) => scores[x.index])).toEqual(results.map((x) => x.score));
      expect((await ix(['rerank', gguf, 'q', 'd'])).stderr).toMatch(/is not a reranker/);
      expect((await ix(['embed', rerankGguf, 'hi'])).stderr).toMatch(/is a reranker: use ix rerank/);

      const noRun = await ix(['run', gguf, '-p', 'hi']);
      expect(noRun.code).toBe(1);
      expect(noRun.stderr).toMatch(/bert is an embedding model: it does not generate text \(use ix embed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ix itself', () => {
  it('an unknown command is an error naming the commands, with or without --help', async () => {
    for (const args of [['frobnicate'], ['frobnicate', '--help']]) {
      const r = await ix(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ix: unknown command 'frobnicate' \(commands: run, info, probe, bench, serve/m);
      expect(r.stdout).toBe('');
    }
    expect((await ix(['--help'])).code).toBe(0);
    expect((await ix(['help', 'run'])).code).toBe(0);
  });
});


describe('ix quantize --nested, ix calibrate, --precision', () => {
  it('nests stories260K, calibrates it beside the file, and runs it at each precision as the library does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ix-cli-nested-'));
    try {
      const nested = join(dir, 'stories-nested.gguf');
      const q = await ix(['quantize', '--nested', STORIES, nested]);
      expect(q.code).toBe(0);
      expect(q.stdout).toContain('30 nested matrices');
      // ix info: the levels, and the parameters of the source (a residual adds none)
      const info = JSON.parse((await ix(['info', nested, '--json'])).stdout);
      const source = JSON.parse((await ix(['info', STORIES, '--json'])).stdout);
      expect(info.nested).toEqual({ levels: [4, 8], matrices: 30 });
      expect(info.parameterCount).toBe(source.parameterCount);
      expect(source.nested).toBeUndefined();
      const cal = await ix(['calibrate', nested, '--tokens', '64']);
      expect(cal.code).toBe(0);
      const table = JSON.parse(readFileSync(`${nested}.sensitivity.json`, 'utf8'));
      expect(table.parts).toHaveLength(10);
      expect(table.entropyQuantiles).toHaveLength(11);
      // what the CLI prints at a precision is what a session generates at it (the table found beside the file)
      const m = await loadModel(join(dir, 'stories-nested.gguf'), { backend: 'reference' });
      try {
        expect(m.sensitivity?.table?.parts).toEqual(table.parts);
        for (const precision of ['eco', '6', 'max'] as const) {
          const r = await ix(['run', nested, '--backend', 'reference', '--temp', '0', '-n', '24', '--no-chat', '-p', 'Once upon a time', '--precision', precision]);
          expect(r.code).toBe(0);
          let want = '';
          const s = m.createSession({ precision: precision === '6' ? 6 : precision });
          for await (const t of s.generate('Once upon a time', { temperature: 0, maxTokens: 24, chat: false })) want += t.text;
          s.dispose();
          expect(r.stdout).toBe(want + '\n');
        }
      } finally {
        await m.dispose();
      }
      const refused = await ix(['run', STORIES, '-n', '2', '-p', 'x', '--precision', 'eco']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^ix: precision "eco": .* holds one precision/m);
      const bad = await ix(['run', nested, '-n', '2', '-p', 'x', '--precision', 'fastest']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('expected max, eco, auto');
      const notNested = await ix(['quantize', STORIES, join(dir, 'x.gguf')]);
      expect(notNested.stderr).toContain('add --nested');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
