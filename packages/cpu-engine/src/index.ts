// The CPU engine's host side: what a backend built on native/engine.h (the Node-API addon of
// @ix/backend-cpu-avx, the WebAssembly module of @ix/backend-wasm) shares.
export { EngineBackend, EngineBuffer, type EngineContext } from './backend.js';
export { buildProgram, updatePositions, type BufferIdOf, type Program } from './program.js';
export { SUPPORTED_OPS, supportsNode, WEIGHT_DTYPES } from './ops.js';
