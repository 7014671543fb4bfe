import { defineConfig } from 'vitest/config';

// @ix/core is used as built (nx builds it before these tests), as a user of the package would
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
