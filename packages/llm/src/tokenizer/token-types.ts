/** Token types, numbered as in SentencePiece's ModelProto and GGUF `tokenizer.ggml.token_type`. */
export const TokenType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

export type TokenTypeValue = (typeof TokenType)[keyof typeof TokenType];
