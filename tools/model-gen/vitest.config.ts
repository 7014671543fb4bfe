import { defineConfig } from 'vitest/config';

// @ix/core is used as built (nx builds it before these tests), as a user of the package would
export default defineConfig({
  // a tuning profile (ix tune) on this machine must not change what the tests check
  test: { env: { IX_PROFILE: 'off' }, include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
