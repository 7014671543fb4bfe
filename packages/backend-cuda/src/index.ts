import { BackendUnavailableError, registerBackend, type BackendFactory } from '@ix/core';

import { BACKEND_NAME, CudaBackend } from './backend.js';
import { listDevices, pickDevice } from './devices.js';
import { loadAddon } from './native.js';
import { resolveOptions, type CudaOptions } from './options.js';
import { probeWith } from './probe.js';

export { CudaBackend, CudaBuffer } from './backend.js';
export { peakBandwidth } from './devices.js';
export { emulatorLibrary } from './emulator.js';
export type { NativeDevice } from './native.js';
export { loadAddon } from './native.js';
export type { Accuracy, CudaOptions } from './options.js';
export { SUPPORTED_OPS, WEIGHT_DTYPES } from './ops.js';

export const cudaBackend: BackendFactory = {
  name: BACKEND_NAME,
  /** above Vulkan on a GPU (200): on an NVIDIA GPU both see, CUDA's kernels are chosen */
  priority: 250,
  probe: () => probeWith(loadAddon()),
  create(options?: CudaOptions) {
    const load = loadAddon();
    if (!load.addon) throw new BackendUnavailableError(BACKEND_NAME, load.error);
    const settings = resolveOptions(options);
    const list = listDevices(load, settings.library);
    if (!list.devices) throw new BackendUnavailableError(BACKEND_NAME, list.error);
    const pick = pickDevice(list.devices, settings.device);
    if (!pick.device) throw new BackendUnavailableError(BACKEND_NAME, pick.error);
    return new CudaBackend(load.addon, pick.device.index, settings);
  },
};

registerBackend(cudaBackend);
export default cudaBackend;
