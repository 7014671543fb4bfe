// The sides of the WebAssembly benchmark, in any JavaScript runtime (the page of wasm.ts in
// Chromium, or Node with wllama-node.ts): ix on @ix/backend-wasm and llama.cpp's WebAssembly
// builds (@wllama/wllama 2.3.7: wasm32 SIMD128, the peer; 3.8.1: its current memory64 build, what
// npm installs today) on the same GGUF blob, on cfg.threads threads each (more than one: ix's
// threaded module, wllama's multi-thread builds).
import '@ix/backend-wasm';
import { loadModel } from '@ix/llm';
import { Wllama } from '@wllama/wllama/esm/index.js';
import { Wllama as Wllama2 } from 'wllama2/esm/index.js';

export interface Config {
  /** the model's URL (the page fetches it) */
  model: string;
  wllamaWasm: string;
  /** wllama 2.x's single-thread wasm32 build */
  wllama2Wasm: string;
  /** and its multi-thread one */
  wllama2MtWasm: string;
  threads: number;
  prompt: number;
  gen: number;
  repeats: number;
}

export interface SideResult {
  name: string;
  promptTokens: number;
  /** tokens/s of each repeat */
  pp: number[];
  tg: number[];
}

/** wllama's own progress logs (model metadata and the like) left out; warnings and errors kept */
export const quiet = { debug: () => {}, log: () => {}, info: () => {}, warn: console.warn, error: console.error };

/** a prompt of about n tokens for any English vocabulary */
const promptText = (n: number) => 'The quick brown fox jumps over the lazy dog, and then it runs far away into the woods. '.repeat(Math.ceil(n / 18));

/** a warm-up, then `repeats` timed runs of `once` (tokens/s of prompt and generation) into `out` */
async function afterWarmUp(out: SideResult, repeats: number, once: () => Promise<{ pp: number; tg: number }>): Promise<SideResult> {
  for (let r = 0; r <= repeats; r++) {
    const { pp, tg } = await once();
    if (r > 0) {
      out.pp.push(pp);
      out.tg.push(tg);
    }
  }
  return out;
}

export async function ix(blob: Blob, cfg: Config, accuracy: 'exact' | 'fast'): Promise<SideResult> {
  const model = await loadModel(blob, { backend: 'wasm', threads: cfg.threads, backendOptions: { accuracy } });
  if (!model.backend.device.name.includes(`${cfg.threads} thread`)) throw new Error(`ix runs ${model.backend.device.name}, not ${cfg.threads} threads`);
  try {
    // the same text both sides tokenize (with BOS), so both process the same prompt
    const tokens = model.promptTokens(promptText(cfg.prompt), false);
    const out: SideResult = { name: `ix wasm (${accuracy})`, promptTokens: tokens.length, pp: [], tg: [] };
    return await afterWarmUp(out, cfg.repeats, async () => {
      const session = model.createSession({ contextLength: tokens.length + cfg.gen + 8 });
      let t = performance.now();
      await session.evaluate(tokens);
      const pp = tokens.length / ((performance.now() - t) / 1000);
      // the prompt is cached: generate decodes only, greedy, EOS not honoured (as llama-bench)
      t = performance.now();
      let next = tokens[tokens.length - 1]!;
      for (let n = 0; n < cfg.gen; n++) next = argmax(await session.evaluate([next]));
      const tg = cfg.gen / ((performance.now() - t) / 1000);
      session.dispose();
      return { pp, tg };
    });
  } finally {
    await model.dispose();
  }
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

export async function wllama(blob: Blob, cfg: Config): Promise<SideResult> {
  const w = new Wllama({ default: cfg.wllamaWasm }, { suppressNativeLog: true, logger: quiet });
  await w.loadModel([blob], { n_threads: cfg.threads, n_ctx: cfg.prompt + cfg.gen + 64, n_batch: 512, n_gpu_layers: 0 });
  if (w.getNumThreads() !== cfg.threads) throw new Error(`wllama 3.8.1 runs ${w.getNumThreads()} threads, not ${cfg.threads}`);
  try {
    const out: SideResult = { name: 'wllama 3.8.1 (memory64)', promptTokens: 0, pp: [], tg: [] };
    return await afterWarmUp(out, cfg.repeats, async () => {
      const res = (await w.createCompletion({
        prompt: promptText(cfg.prompt),
        max_tokens: cfg.gen,
        temperature: 0,
        ignore_eos: true,
        cache_prompt: false,
      } as never)) as { timings?: { prompt_n: number; prompt_per_second: number; predicted_per_second: number } };
      if (!res.timings) throw new Error('wllama returned no timings');
      out.promptTokens = res.timings.prompt_n;
      return { pp: res.timings.prompt_per_second, tg: res.timings.predicted_per_second };
    });
  } finally {
    await w.exit();
  }
}

/** wllama 2.x (wasm32, SIMD128): timed here around its decode() calls, as ix is */
export async function wllama2(blob: Blob, cfg: Config): Promise<SideResult> {
  const w = new Wllama2({ 'single-thread/wllama.wasm': cfg.wllama2Wasm, 'multi-thread/wllama.wasm': cfg.wllama2MtWasm }, { suppressNativeLog: true, logger: quiet });
  await w.loadModel([blob], { n_threads: cfg.threads, n_ctx: 512, n_batch: 512 });
  if (w.getNumThreads() !== cfg.threads) throw new Error(`wllama 2.3.7 runs ${w.getNumThreads()} threads, not ${cfg.threads}`);
  try {
    const tokens = [w.getBOS(), ...(await w.tokenize(promptText(cfg.prompt), false))];
    const out: SideResult = { name: 'wllama 2.3.7 (wasm32)', promptTokens: tokens.length, pp: [], tg: [] };
    await w.samplingInit({ temp: 0 });
    return await afterWarmUp(out, cfg.repeats, async () => {
      await w.kvClear();
      let t = performance.now();
      await w.decode(tokens, {});
      const pp = tokens.length / ((performance.now() - t) / 1000);
      t = performance.now();
      for (let n = 0; n < cfg.gen; n++) {
        const { token } = await w.samplingSample();
        await w.decode([token], {});
      }
      return { pp, tg: cfg.gen / ((performance.now() - t) / 1000) };
    });
  } finally {
    await w.exit();
  }
}
