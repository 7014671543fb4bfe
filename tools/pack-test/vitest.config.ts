import { defineConfig } from 'vitest/config';

export default defineConfig({
  // a tuning profile (ix tune) on this machine must not change what the tests check
  test: { env: { IX_PROFILE: 'off' }, include: ['test/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 },
});
