import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The CPU stand-in for the NVIDIA driver (native/emu), built beside the addon where nvcc is: every
 * kernel as host code, at CPU speed. For tests on machines without a GPU: pass it as `library`
 * (or IX_CUDA_LIBRARY). Undefined where it was not built.
 */
export function emulatorLibrary(): string | undefined {
  const path = fileURLToPath(new URL('../build/Release/libix_cuda_emu.so', import.meta.url));
  return existsSync(path) ? path : undefined;
}
