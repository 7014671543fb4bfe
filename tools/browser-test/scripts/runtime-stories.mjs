// stories260K's greedy text on the WebAssembly backend, from the GGUF's bytes, on one thread and on
// two (the threaded module on the runtime's workers): what test/runtimes.test.ts runs under Bun and
// Deno (no Node APIs beyond reading the file).
import { readFile } from 'node:fs/promises';
import { loadModel } from '@ix/llm';
import '@ix/backend-wasm';

const bytes = new Uint8Array(await readFile(new URL('../../../models/stories260K/stories260K.gguf', import.meta.url)));
for (const threads of [1, 2]) {
  const model = await loadModel(bytes, { backend: 'wasm', threads });
  let text = '';
  for await (const t of model.createSession({ contextLength: 256 }).generate('', { maxTokens: 200, temperature: 0 })) text += t.text;
  await model.dispose();
  console.log(JSON.stringify({ backend: model.backend.name, device: model.backend.device.name, text }));
}
