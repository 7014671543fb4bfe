import { loadModel } from '@ix/llm';
import '@ix/backend-webgpu'; import '@ix/backend-vulkan';
const m = await loadModel(process.argv[2], { backend: process.argv[3] ?? 'webgpu' });
const be = m.backend;
const orig = be.compute.bind(be);
let n = 0, builds = 0, tcompute = 0;
if (be.programs) { const g = be.programs.get.bind(be.programs); }
be.compute = async (s) => { n++; const t = performance.now(); await orig(s); tcompute += performance.now() - t; };
const s = m.createSession({ contextLength: 256 });
const t0 = performance.now();
const run = s.generate('Once upon a time', { temperature: 0, maxTokens: 40 });
let r = await run.next(); while (!r.done) r = await run.next();
const dt = performance.now() - t0;
console.log(`computes ${n}, ${dt.toFixed(0)} ms total, ${tcompute.toFixed(0)} ms in compute, pipelines ${be.pipelinesCompiled}`);
await m.dispose();
