export { TokenizerError, TokenLimitError } from './tokenizer.js';
export { continuationDecoder } from './continuation.js';
export type { Tokenizer, EncodeOptions, DecodeOptions, StreamDecoder, StreamDecoderOptions } from './tokenizer.js';
export { tokenizerFromHF } from './hf/hf-tokenizer.js';
export { GGUF_PRE_TOKENIZER_NAMES, GGUF_TOKENIZER_MODELS, tokenizerFromGGUF } from './gguf-tokenizer.js';
export { tokenizerFromLlama2c, parseLlama2cTokenizer, type Llama2cVocab } from './llama2c.js';
export { tokenizerFromSentencePieceModel, parseSentencePieceModel, type SentencePieceModel } from './sentencepiece-model.js';
export { sentencePieceTokenizer, type SentencePieceVocab } from './sentencepiece-tokenizer.js';
export { TokenType, type TokenTypeValue } from './token-types.js';
