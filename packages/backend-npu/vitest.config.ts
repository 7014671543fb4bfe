import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@ix/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@ix/llm': fileURLToPath(new URL('../llm/src/index.ts', import.meta.url)),
    },
  },
  // ONNX Runtime's CPU EP uses every core: files one after another
  test: {
    // no lowered models left in the user's cache: the cache has tests of its own, on a temporary folder
    env: { IX_PROFILE: 'off', IX_NPU_CACHE: '0' },
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    fileParallelism: false,
  },
});
