// Stories written by stories260K (a real trained Llama, ../shared/models/stories260K) as token ids:
// the text a tiny mixture-of-experts model is trained on and routed over (see README.md).
//   node tools/moe-policy/corpus.mjs <out.bin> <stories> [seed0]
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { discoverBackends } from '@ix/core';
import { loadModel } from '@ix/llm';

const [out, countArg, seedArg] = process.argv.slice(2);
if (!out || !countArg) throw new Error('usage: corpus.mjs <out.bin> <stories> [seed0]');
const count = Number(countArg);
const seed0 = Number(seedArg ?? 1);
const gguf = fileURLToPath(new URL('../../../shared/models/stories260K/stories260K.gguf', import.meta.url));

await discoverBackends();
const model = await loadModel(gguf);
const ids = [];
try {
  for (let i = 0; i < count; i++) {
    const session = model.createSession({ contextLength: 512 });
    const story = model.tokenizer.bos !== undefined ? [model.tokenizer.bos] : [];
    // llama.cpp's default sampling at temperature 1: varied stories, still the model's own English
    for await (const chunk of session.generate('', { temperature: 1, maxTokens: 400, seed: seed0 + i })) if (chunk.token >= 0) story.push(chunk.token);
    if (model.tokenizer.eos !== undefined) story.push(model.tokenizer.eos);
    ids.push(...story);
    session.dispose();
    if ((i + 1) % 100 === 0) process.stderr.write(`${i + 1}/${count} stories, ${ids.length} tokens\n`);
  }
} finally {
  await model.dispose();
}
await writeFile(out, new Uint8Array(Uint16Array.from(ids).buffer));
process.stderr.write(`${ids.length} tokens -> ${out}\n`);
