export * from './half.js';
export { dequantize, dequantizeRow } from './dequantize.js';
export { canQuantize, quantize } from './quantize.js';
export { quantizeNested, type NestedBlocks } from './quantize-nested.js';
