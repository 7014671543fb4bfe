import { BackendUnavailableError, registerBackend, type BackendFactory } from '@ix/core';

import { BACKEND_NAME, VulkanBackend } from './backend.js';
import { listDevices, pickDevice, priorityOf } from './devices.js';
import { loadAddon } from './native.js';
import { resolveOptions, type VulkanOptions } from './options.js';
import { probeWith } from './probe.js';

export { VulkanBackend, VulkanBuffer } from './backend.js';
export type { NativeDevice } from './native.js';
export type { VulkanOptions } from './options.js';
export { SUPPORTED_OPS, WEIGHT_DTYPES } from './ops.js';

let priority: number | undefined;

export const vulkanBackend: BackendFactory = {
  name: BACKEND_NAME,
  /** 200 on a GPU, 50 on a CPU implementation (lavapipe) or with no device: decided by the first look at the devices */
  get priority(): number {
    if (priority === undefined) {
      let library = '';
      try {
        library = resolveOptions().library;
      } catch {
        // bad settings: probe() and create() report them; the default loader decides the rank
      }
      const list = listDevices(loadAddon(), library);
      priority = priorityOf(list.devices ? pickDevice(list.devices).device : undefined);
    }
    return priority;
  },
  probe: () => probeWith(loadAddon()),
  create(options?: VulkanOptions) {
    const load = loadAddon();
    if (!load.addon) throw new BackendUnavailableError(BACKEND_NAME, load.error);
    const settings = resolveOptions(options);
    const list = listDevices(load, settings.library);
    if (!list.devices) throw new BackendUnavailableError(BACKEND_NAME, list.error);
    const pick = pickDevice(list.devices, settings.device);
    if (!pick.device) throw new BackendUnavailableError(BACKEND_NAME, pick.error);
    return new VulkanBackend(load.addon, pick.device.index, settings);
  },
};

registerBackend(vulkanBackend);
export default vulkanBackend;
