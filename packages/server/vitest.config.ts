import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // test against core's and llm's sources, not a possibly stale build
  resolve: {
    alias: {
      '@ix/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@ix/llm': fileURLToPath(new URL('../llm/src/index.ts', import.meta.url)),
    },
  },
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
