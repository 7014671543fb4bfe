import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource, openSafetensorsFolder, readGGUF } from '@ix/llm';
import { generateModel, hfExpertName, hfName, isExpertTensor, openPeer, PRESETS, type QuantPreset } from '../src/index.js';

/**
 * Mixture-of-Experts models: llama.cpp (node-llama-cpp's build) loads each tiny preset's GGUF and
 * gives finite logits, and the HF folder holds the GGUF's weights, expert e being slice e of the
 * GGUF's 3-D expert tensor.
 */
const MOE_PRESETS = ['qwen3moe-tiny', 'qwen2moe-tiny', 'olmoe-tiny', 'mixtral-tiny'] as const;
const PROMPT = [1, 415, 2936, 9060, 285, 1142, 461, 10575];
// GGUF architecture, and the keys llama.cpp reads the MoE shape from
const GGUF_ARCH: Record<string, string> = { 'qwen3moe-tiny': 'qwen3moe', 'qwen2moe-tiny': 'qwen2moe', 'olmoe-tiny': 'olmoe', 'mixtral-tiny': 'llama' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-moe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const preset of MOE_PRESETS) {
  const { arch, shape } = PRESETS[preset]!;
  const moe = shape.moe!;
  describe(preset, () => {
    for (const quant of ['F32', 'Q4_0', 'Q4_K_M'] as QuantPreset[]) {
      it(`llama.cpp loads the ${quant} GGUF and its logits are finite`, async () => {
        const path = join(dir, `${preset}-${quant}.gguf`);
        await generateModel({ arch, shape, seed: 5, gguf: path, quant });
        const peer = await openPeer(path, { vocabSize: shape.vocabSize, contextSize: 64 });
        try {
          const rows = await peer.logits(PROMPT, PROMPT.map((_, i) => i));
          for (const row of rows) {
            expect(row.every(Number.isFinite)).toBe(true);
            expect(row.reduce((a, b) => Math.max(a, b)) - row.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(0);
          }
        } finally {
          await peer.dispose();
        }
      });
    }

    it('the HF folder holds the F32 GGUF weights: expert e is slice e of the 3-D tensor', async () => {
      const gguf = join(dir, `${preset}-same.gguf`);
      const hf = join(dir, `${preset}-hf`);
      await generateModel({ arch, shape, seed: 5, gguf, hf, quant: 'F32' });
      const source = await FileSource.open(gguf);
      const folder = await openSafetensorsFolder(hf);
      try {
        const file = await readGGUF(source);
        const a = GGUF_ARCH[preset]!;
        expect(file.metadata['general.architecture']).toBe(a);
        expect(file.metadata[`${a}.expert_count`]).toBe(moe.nExperts);
        expect(file.metadata[`${a}.expert_used_count`]).toBe(moe.nUsed);
        let hfCount = 0;
        let experts = 0;
        for (const t of file.tensors) {
          const bytes = await t.read();
          if (isExpertTensor(t.name)) {
            expect(t.shape.length).toBe(3);
            expect(t.shape[0]).toBe(moe.nExperts);
            const size = bytes.byteLength / moe.nExperts;
            for (let e = 0; e < moe.nExperts; e++) {
              const h = folder.tensors.get(hfExpertName(t.name, e, arch));
              expect(h?.shape).toEqual(t.shape.slice(1));
              expect(Buffer.from(await h!.read()).equals(bytes.subarray(e * size, (e + 1) * size))).toBe(true);
              hfCount++;
            }
            experts++;
            continue;
          }
          const h = folder.tensors.get(hfName(t.name, arch))!;
          expect(h, t.name).toBeDefined();
          hfCount++;
          // Mixtral's Q/K rows are permuted for llama.cpp's rope, as convert_hf_to_gguf does
          if (arch === 'mixtral' && /\.attn_[qk]\.weight$/.test(t.name)) continue;
          expect(Buffer.from(await h.read()).equals(bytes), t.name).toBe(true);
          if (t.name.endsWith('ffn_gate_inp_shexp.weight')) expect(h.shape).toEqual([1, shape.hiddenSize]);
        }
        expect(experts).toBe(3 * shape.nLayers);
        expect(folder.tensors.size).toBe(hfCount);
        const config = JSON.parse(await readFile(join(hf, 'config.json'), 'utf8')) as Record<string, unknown>;
        expect(config.num_experts_per_tok).toBe(moe.nUsed);
        expect(config[arch === 'mixtral' ? 'num_local_experts' : 'num_experts']).toBe(moe.nExperts);
      } finally {
        await source.close();
        await Promise.all(folder.sources.map((s) => s.close?.()));
      }
    });
  });
}
