import type { BackendFactory, ProbeResult } from '../backend.js';
import { ReferenceBackend, REFERENCE_DEVICE, REFERENCE_NAME } from './backend.js';
import { REFERENCE_OPS } from './support.js';

/** Always available, lowest priority: the backend of last resort and the one every other is checked against. */
export const referenceBackend: BackendFactory = {
  name: REFERENCE_NAME,
  priority: 0,
  probe(): ProbeResult {
    return { available: true, device: REFERENCE_DEVICE, features: [], ops: REFERENCE_OPS };
  },
  create: () => new ReferenceBackend(),
};
