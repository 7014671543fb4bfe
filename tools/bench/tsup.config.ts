import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { bench: 'src/bench.ts', kl: 'src/kl.ts', sampling: 'src/sampling.ts', 'native-peer': 'src/native-peer-cli.ts', 'serve-load': 'src/serve-load.ts', 'embed-load': 'src/embed-load.ts', grammar: 'src/grammar.ts', moe: 'src/moe.ts', 'nlc-server': 'src/nlc-server.ts', wasm: 'src/wasm.ts', backends: 'src/backends.ts', precision: 'src/precision.ts', 'speed-target': 'src/speed-target.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
