import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@ix/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@ix/llm': fileURLToPath(new URL('../llm/src/index.ts', import.meta.url)),
    },
  },
  // a tuning profile (ix tune) on this machine must not change what the tests check
  test: { env: { IX_PROFILE: 'off' }, include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
