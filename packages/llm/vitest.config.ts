import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // test against core's sources, not a possibly stale build
  resolve: { alias: { '@ix/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) } },
  // a tuning profile (ix tune) on this machine must not change what the tests check
  test: { env: { IX_PROFILE: 'off' }, include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
