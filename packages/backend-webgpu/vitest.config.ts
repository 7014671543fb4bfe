import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

/**
 * CI has no GPU: Dawn runs on SwiftShader, the Vulkan CPU driver Debian's chromium package ships
 * (Dawn refuses Mesa 22's lavapipe). IX_WEBGPU_ICD overrides the ICD file; a machine with a GPU can
 * set it empty to test its own driver.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = process.env.IX_WEBGPU_ICD ?? (existsSync(SWIFTSHADER) ? SWIFTSHADER : '');

export default defineConfig({
  resolve: {
    alias: {
      '@ix/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      '@ix/llm': fileURLToPath(new URL('../llm/src/index.ts', import.meta.url)),
    },
  },
  // one device per file, files one after another (SwiftShader uses every core)
  test: {
    env: { IX_PROFILE: 'off', ...(icd ? { VK_ICD_FILENAMES: icd } : {}) },
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    fileParallelism: false,
  },
});
