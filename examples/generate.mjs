// Generate text with the bundled model through the public API.
// Run from the repository root after `npm ci && npm run build`:  node examples/generate.mjs
import { discoverBackends } from '@ix/core';
import { loadModel } from '@ix/llm';

await discoverBackends(); // picks up @ix/backend-cpu-avx (and any other installed backend)
const model = await loadModel('models/stories260K/stories260K.gguf');
console.error(`backend: ${model.backend.name}`);

const session = model.createSession({ contextLength: 512 });
const stream = session.generate('Once upon a time', { temperature: 0.8, topP: 0.95, seed: 42, maxTokens: 60 });
let r = await stream.next();
while (!r.done) {
  process.stdout.write(r.value.text);
  r = await stream.next();
}
console.log(`\n[${r.value.completionTokens} tokens, finish: ${r.value.finishReason}]`);
await model.dispose();
