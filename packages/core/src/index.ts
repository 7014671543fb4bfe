export * from './errors.js';
export * from './dtype.js';
export * from './tensor.js';
export * from './backend.js';
export * from './graph.js';
export * from './registry.js';
export * from './discover.js';
export * from './executor.js';
