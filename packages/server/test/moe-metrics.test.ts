/**
 * /metrics of a mixture-of-experts model under an expert budget: per-layer expert uses and bytes
 * read, the resident bytes and the budget, as the model itself reports them (Model.expertUse).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverBackends, registeredBackends } from '@ix/core';
import { loadModel } from '@ix/llm';
import { generateModel, PRESETS } from '@ix/model-gen';
import { CoreEngine } from '../src/core-engine.js';
import { json, startServer } from './helpers.js';

let dir: string;
let avx = false;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-moe-metrics-'));
  await discoverBackends();
  avx = registeredBackends().some((b) => b.name === 'cpu-avx');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('/metrics of an MoE model', () => {
  it('reports each layer\'s expert hits, misses and bytes read, the resident bytes and the budget', async (ctx) => {
    if (!avx) ctx.skip();
    const path = join(dir, 'qwen3moe.gguf');
    await generateModel({ ...PRESETS['qwen3moe-tiny']!, seed: 2, gguf: path, quant: 'Q8_0' });
    const model = await loadModel(path, { backend: 'cpu-avx', moeMemory: 3 * 2 ** 20 });
    const engine = await CoreEngine.create(model);
    const { server, url } = await startServer({ engine, modelName: 'moe' });
    try {
      const r = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'moe', prompt: 'Once upon a time', max_tokens: 4, temperature: 0 }),
      });
      expect(r.status).toBe(200);
      expect((await json(r)).usage.completion_tokens).toBe(4);
      const text = await fetch(`${url}/metrics`).then((m) => m.text());
      const value = (name: string, layer?: number) => Number(new RegExp(`^${name}${layer === undefined ? '' : `\\{layer="${layer}"\\}`} (\\S+)$`, 'm').exec(text)?.[1]);
      const use = model.expertUse()!;
      use.layers.forEach((u, l) => {
        expect(value('ix_moe_expert_hits', l)).toBe(u.hits);
        expect(value('ix_moe_expert_misses', l)).toBe(u.misses);
        expect(value('ix_moe_expert_read_bytes', l)).toBe(u.bytesRead);
        // a prompt and four decode steps, three expert matmuls each: the experts were used
        expect(u.hits + u.misses).toBeGreaterThanOrEqual(3 * 5);
      });
      expect(value('ix_moe_expert_budget_bytes')).toBe(3 * 2 ** 20);
      expect(value('ix_moe_expert_resident_bytes')).toBe(use.resident);
    } finally {
      await server.close();
      await engine.close();
    }
  });
});
