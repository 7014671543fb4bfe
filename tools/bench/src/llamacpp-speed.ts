import { getLlama } from 'node-llama-cpp';

export interface SpeedResult {
  ppTokensPerSecond: number;
  tgTokensPerSecond: number;
}

/** llama.cpp's pp and tg speed on a GGUF, CPU only, with a fixed thread count. */
export async function llamaCppSpeed(modelPath: string, threads: number, pp: number, tg: number): Promise<SpeedResult> {
  const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: pp + tg + 8, batchSize: pp, threads: { ideal: threads, min: threads } });
  try {
    const seq = context.getSequence();
    const bos = model.tokens.bos ?? 1;
    const prompt = Array.from({ length: pp }, (_, i) => ((i * 7919 + 13) % 30000) + 3) as never[];
    // warm-up, as ix's measureSpeed: one token touches every weight once
    await seq.evaluateWithoutGeneratingNewTokens([bos] as never[]);
    await seq.clearHistory();
    let t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    const ppS = (performance.now() - t0) / 1000;
    await seq.clearHistory();
    await seq.evaluateWithoutGeneratingNewTokens([bos] as never[]);
    // greedy generation of `tg` tokens, one decode step each
    let n = 0;
    t0 = performance.now();
    for await (const token of seq.evaluate([((104729 % 30000) + 3) as never], { temperature: 0 })) {
      void token;
      if (++n >= tg) break;
    }
    const tgS = (performance.now() - t0) / 1000;
    return { ppTokensPerSecond: pp / ppS, tgTokensPerSecond: n / tgS };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}
