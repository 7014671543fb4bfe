import { referenceBackend } from './reference/index.js';
import { registerBackend } from './registry.js';

// @ix/core: what a backend is written against. Model files, tokenizers, chat and sessions live in @ix/llm.
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

// the reference backend is always there to fall back on
registerBackend(referenceBackend);
