import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadModel } from '@ix/llm';
import { afterAll, describe, expect, it } from 'vitest';

import type { NpuBackend } from '../src/index.js';
import { hasDevice, skipReason } from './helpers.js';

const MODEL = fileURLToPath(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url));
const EXPECTED = readFileSync(new URL('../../../models/stories260K/greedy-200.txt', import.meta.url), 'utf8');

/**
 * The on-disk cache of lowered models: a first run converts and stores each shape, a second run
 * (a new backend, as a new process would have) makes its sessions from the files, a damaged cache
 * is lowered again; the text is the published one every time.
 */
describe.skipIf(!hasDevice)(`lowered models cached on disk${skipReason ? ` (${skipReason})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ix-npu-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const generate = async () => {
    const m = await loadModel(MODEL, { backend: 'npu', backendOptions: { cacheDir: dir } });
    try {
      let text = '';
      for await (const chunk of m.createSession({ contextLength: 512 }).generate('', { temperature: 0, maxTokens: 200 })) text += chunk.text;
      const be = m.backend as NpuBackend;
      return { text, created: be.sessionsCreated, fromCache: be.sessionsFromCache };
    } finally {
      await m.dispose();
    }
  };
  const files = () => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

  it('stores each shape once, weights shared between shapes; a second run reads them back', async () => {
    const first = await generate();
    expect(first.text).toBe(EXPECTED);
    expect(first.fromCache).toBe(0);
    const stored = files();
    const models = stored.filter((f) => f.endsWith('.onnx'));
    expect(models.length).toBe(first.created);
    // every big weight once, though each shape's model refers to it
    const weights = stored.filter((f) => f.endsWith('.bin'));
    expect(weights.length).toBeGreaterThan(0);
    expect(new Set(weights).size).toBe(weights.length);
    expect(stored.some((f) => f.includes('.tmp-'))).toBe(false);

    const second = await generate();
    expect(second.text).toBe(EXPECTED);
    expect(second.fromCache).toBe(second.created);
    expect(files().length).toBe(stored.length);
  });

  it('a cache missing a weight file is lowered again, not a failed run', async () => {
    const weight = files().find((f) => f.endsWith('.bin'))!;
    rmSync(weight);
    const run = await generate();
    expect(run.text).toBe(EXPECTED);
    expect(run.fromCache).toBeLessThan(run.created);
    expect(existsSync(weight)).toBe(true);
  });
});
