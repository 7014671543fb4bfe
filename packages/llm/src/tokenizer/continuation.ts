import type { StreamDecoder, Tokenizer } from './tokenizer.js';

/**
 * A stream decoder for tokens generated after `prompt`. The text continues the prompt's: a
 * SentencePiece word-start piece keeps its space ("Lily and Ben" + "▁were" -> " were"), and the
 * "drop the first space" rule applies only when nothing with text came before, as in llama.cpp
 * (its detokenizer given the prompt as last tokens). Special tokens (BOS, chat markers) have no
 * text of their own: a prompt of BOS alone leaves the rule to the first generated piece, and a
 * prompt that starts with one has used the rule up (BOS + "▁" is a space of text).
 */
export function continuationDecoder(tokenizer: Tokenizer, prompt: readonly number[]): StreamDecoder {
  const text = prompt.filter((t) => !tokenizer.isSpecial(t));
  const prefixAfterStart = prompt.length > 0 && tokenizer.isSpecial(prompt[0]!);
  return tokenizer.createStreamDecoder({ prefix: text, prefixAfterStart });
}
