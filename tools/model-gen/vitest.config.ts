import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@ix/core': new URL('../../packages/core/src/index.ts', import.meta.url).pathname } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
