export * from './half.js';
export { dequantize, dequantizeRow } from './dequantize.js';
