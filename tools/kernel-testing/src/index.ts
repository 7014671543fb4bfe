// Test helpers and suites every backend package shares (see helpers.ts and suites/).
export * from './helpers.js';
export { BF16_ACTIVATIONS, checkMatmul, FAST_BLOCK, matmulCase, type MatmulCase } from './matmul-bound.js';
export { ropeAttentionSuite, type SuiteOptions } from './suites/rope-attention.js';
export { attentionOptionsSuite } from './suites/attention-options.js';
export { opsSuite } from './suites/ops.js';
export { rowOpsSuite } from './suites/row-ops.js';
export { expectMatmulWithinBound } from './suites/matmul.js';
export { storiesSuite } from './suites/stories.js';
export { decoderSuite, type DecoderCase } from './suites/decoder.js';
export { expectZeroSlotsForOutOfRangeIds, expertsSuite } from './suites/experts.js';
export { expectGetRowsMatch, expectZeroRowsForOutOfRangeIds } from './suites/get-rows.js';
