import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { loadModel, type Model } from '@ix/llm';
import { describe, expect, it } from 'vitest';

import { expectClose, type ErrorLog } from '../helpers.js';

/** stories260K beside the repository (../shared/models), as every package's tests find it */
const MODEL = fileURLToPath(new URL('../../../../../shared/models/stories260K/stories260K.gguf', import.meta.url));

async function generate(model: Model, prompt: string, maxTokens: number, kvType: 'F16' | 'F32'): Promise<{ logits: Float32Array; tokens: number[] }> {
  const session = model.createSession({ contextLength: 128, kvType });
  const logits = await session.evaluate(model.promptTokens(prompt), true);
  session.reset();
  const run = session.generate(prompt, { temperature: 0, maxTokens });
  let r = await run.next();
  while (!r.done) r = await run.next();
  return { logits, tokens: r.value.tokens };
}

/**
 * A real model end to end: stories260K (llama2.c TinyStories, GGUF, F32) on a backend vs the
 * reference backend: prompt logits with F32 and F16 caches, and 40 greedy tokens.
 */
export function storiesSuite(opts: { label: string; backend: string; skipReason?: string; hasDevice: boolean; log: ErrorLog; tag: string; after?(model: Model): void }): void {
  const why = opts.skipReason ?? (existsSync(MODEL) ? undefined : `model file missing: ${MODEL}`);
  if (opts.hasDevice && why) console.warn(`[${opts.tag}] skipping stories260K: ${why}`);
  describe.skipIf(!!why)(`stories260K on ${opts.label}${why ? ` (${why})` : ''}`, () => {
    it('prompt logits match the reference and greedy decoding picks the same 40 tokens', async () => {
      const ours = await loadModel(MODEL, { backend: opts.backend });
      const ref = await loadModel(MODEL, { backend: 'reference' });
      try {
        expect(ours.backend.name).toBe(opts.backend);
        const prompt = 'Once upon a time, there was a little dog';
        // an F32 cache for the logits: with F16 one rounding that goes the other way (values differing in
        // the last f32 bit) moves a key by an f16 ulp, which shows as ~1e-4 relative in the logits
        for (const kvType of ['F32', 'F16'] as const) {
          const a = await generate(ours, prompt, 40, kvType);
          const b = await generate(ref, prompt, 40, kvType);
          opts.log.add(`prompt logits, ${kvType} cache`, expectClose(a.logits, b.logits, kvType === 'F32' ? 2e-5 : 5e-4, `logits (${kvType} cache)`));
          expect(a.tokens, kvType).toEqual(b.tokens);
          expect(a.tokens.length).toBe(40);
        }
        opts.after?.(ours);
      } finally {
        await ours.dispose();
        await ref.dispose();
      }
    });
  });
}
