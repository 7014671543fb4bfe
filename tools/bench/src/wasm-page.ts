// The benchmark page's script (bundled for the browser by wasm.ts): every side of wasm-sides.ts on
// the GGUF the page fetches. window.ixWasmBench(config) runs it.
import { ix, wllama, wllama2, type Config, type SideResult } from './wasm-sides.js';

(window as unknown as { ixWasmBench(cfg: Config): Promise<SideResult[]> }).ixWasmBench = async (cfg) => {
  const blob = await (await fetch(cfg.model)).blob();
  // one after the other, never two at once: they share the cores
  return [await ix(blob, cfg, 'exact'), await ix(blob, cfg, 'fast'), await wllama2(blob, cfg), await wllama(blob, cfg)];
};
