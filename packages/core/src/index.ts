import { referenceBackend } from './reference/index.js';
import { registerBackend } from './registry.js';

export * from './errors.js';
export * from './dtype.js';
export * from './tensor.js';
export * from './backend.js';
export * from './graph.js';
export * from './registry.js';
export * from './discover.js';
export * from './executor.js';
export * from './op-support.js';
export * from './reference/index.js';
export * from './quant/index.js';
export * from './tokenizer/index.js';
export * from './chat/index.js';
export * from './model-config.js';
export * from './formats/index.js';
export * from './runtime/index.js';

// the reference backend is always there to fall back on
registerBackend(referenceBackend);
