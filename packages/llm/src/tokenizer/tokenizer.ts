import { IxError } from '@ix/core';

/** A tokenizer file or input that cannot be used: malformed vocabulary, unknown id, unsupported component. */
export class TokenizerError extends IxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TOKENIZER', message, options);
  }
}

export interface EncodeOptions {
  /** Add the model's BOS/EOS (or [CLS]/[SEP]) as its own rules say. Default true. */
  addSpecial?: boolean;
  /**
   * Turn special-token text such as "<|im_start|>" into the special id. Default false, so user text
   * cannot inject control tokens; chat-template output is encoded with `parseSpecial: true`.
   * Non-special added tokens (user-defined pieces) are always recognised.
   */
  parseSpecial?: boolean;
  /**
   * A bound on the work: once the text is sure to need more than this many tokens, stop and throw
   * TokenLimitError. A text too long for any tokenization within the bound is refused before any
   * work; otherwise encoding stops at the first token past it. For prompts checked against a
   * context length: a 4 MB request body costs microseconds, not seconds of a blocked event loop.
   */
  maxTokens?: number;
}

/** The text needs more tokens than EncodeOptions.maxTokens allows (code CONTEXT_FULL). */
export class TokenLimitError extends IxError {
  constructor(readonly limit: number) {
    super('CONTEXT_FULL', `the text needs more than ${limit} tokens`);
  }
}

export interface DecodeOptions {
  /** Leave out special tokens (BOS, EOS, <|im_start|>, ...). Default false. */
  skipSpecial?: boolean;
}

export interface StreamDecoderOptions extends DecodeOptions {
  /**
   * Ids already shown to the user (e.g. the prompt): the stream continues after them, so e.g. the
   * leading space a fresh decode would strip is kept.
   */
  prefix?: readonly number[];
  /**
   * The prefix did not start the text either (a token without text, such as BOS, came first), so
   * the leading-space rule does not apply to it: a prefix of a lone "▁" counts as text.
   */
  prefixAfterStart?: boolean;
}

/** Incremental detokenizer: text comes out only in whole characters. */
export interface StreamDecoder {
  /** Feed one id; returns the text that became complete (possibly ""). */
  push(id: number): string;
  /** End of stream: returns whatever is still held back. */
  flush(): string;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bos?: number;
  readonly eos?: number;
  /** End-of-turn token of chat models (e.g. <|eot_id|>, <|im_end|>, <end_of_turn>), when known. */
  readonly eot?: number;
  /** Every id that ends generation: eos, eot and the like. */
  readonly stopIds: readonly number[];
  /**
   * Tokens a pair of texts puts between the first text's closing tokens and the second text, where
   * the model wants more than those (RoBERTa / XLM-R: `<s> A </s></s> B </s>`)
   */
  readonly pairSeparator?: readonly number[];
  encode(text: string, options?: EncodeOptions): number[];
  /**
   * encode(), giving the event loop a turn every few milliseconds of work, so a server keeps
   * streaming to other clients while a long prompt is tokenized.
   */
  encodeAsync(text: string, options?: EncodeOptions): Promise<number[]>;
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createStreamDecoder(options?: StreamDecoderOptions): StreamDecoder;
  /** The vocabulary entry of `id` as stored (e.g. "▁the", "Ġthe", "##ing", "<0x0A>"). */
  tokenToPiece(id: number): string;
  isSpecial(id: number): boolean;
  /** The bytes `id` adds to the text after other tokens (its piece rendered mid-sequence; may be part of a character). */
  tokenBytes(id: number): Uint8Array;
}
