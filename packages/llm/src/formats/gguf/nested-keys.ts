/** The names a nested model's GGUF uses (docs/adaptive-precision.md; precision/nested-format.ts reads them). */
export const NESTED_VERSION = 1;
export const NESTED_LEVELS = [4, 8] as const;
export const RESIDUAL_SUFFIX = '.residual';
export const NESTED_KEYS = { version: 'ix.nested.version', levels: 'ix.nested.levels' } as const;
