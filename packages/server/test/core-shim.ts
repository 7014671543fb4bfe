// TEMPORARY until @ix/core exports its runtime: core's index plus the runtime modules the server uses
export * from '../../core/src/index.js';
export * from '../../core/src/runtime/sampling.js';
export * from '../../core/src/runtime/stop-strings.js';
