import type { Backend } from '@ix/core';
import { afterAll, describe, expect, it } from 'vitest';

import { compareDecoder, hp, type DecoderCase } from '../decoder-problem.js';
import type { ErrorLog } from '../helpers.js';

export type { DecoderCase };

/**
 * A two-layer Llama-style decoder (buildDecoderStep: GQA, rope with freq factors, F16 KV cache,
 * SwiGLU) with random quantized weights: a prefill then one decoded token, through
 * new Executor(backend, [reference]), must equal the reference backend alone.
 */
export function decoderSuite<B extends Backend>(opts: { label: string; hasDevice: boolean; skipReason?: string; make(variant: string): B; log: ErrorLog; cases: DecoderCase[] }): void {
  describe.skipIf(!opts.hasDevice)(`decoder graph on ${opts.label}${opts.skipReason ? ` (${opts.skipReason})` : ''}`, () => {
    const made = new Map<string, B>();
    const backend = (variant: string) => made.get(variant) ?? made.set(variant, opts.make(variant)).get(variant)!;
    afterAll(() => made.forEach((b) => b.dispose()));

    it.each(opts.cases)('weights with $upType in layer 1, $prefill-token prefill, $variant: equals the reference alone ($fallbacks ops on the reference)', async ({ upType, fallbacks, prefill, variant, tol }) => {
      const r = await compareDecoder(backend(variant), { upType, prefill });
      expect(r.fallbacks).toBe(fallbacks);
      r.steps.forEach(({ length, err, scale, spread }, i) => {
        expect(length).toBe(hp.vocabSize);
        expect(spread).toBeGreaterThan(0.5); // logits that discriminate, so the tolerance below means something
        expect(err, `step ${i}: max abs error over ${tol} x max(1, ${scale})`).toBeLessThanOrEqual(tol * Math.max(1, scale));
        opts.log.add(`logits step ${i} (${upType}, ${variant}, spread ${spread.toFixed(2)})`, err);
      });
      // the same next token
      expect(r.nextToken.ours).toBe(r.nextToken.ref);
    });
  });
}
