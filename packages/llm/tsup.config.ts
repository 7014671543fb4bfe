import { defineConfig } from 'tsup';

export default defineConfig({
  // the worker script of nested-pool.ts ships beside the bundle
  entry: { index: 'src/index.ts', 'nested-worker': 'src/precision/nested-worker.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
