/** llama2.c tokenizer.bin as {tokens, scores}, with file errors reported as ModelFormatError. */
import { ModelFormatError } from '@ix/core';
import { parseLlama2cTokenizer, TokenizerError } from '../../tokenizer/index.js';
import type { ByteSource } from '../source.js';

export async function readLlama2cTokenizer(source: ByteSource, vocabSize: number): Promise<{ tokens: string[]; scores: number[] }> {
  try {
    const vocab = parseLlama2cTokenizer(await source.read(0, source.size), vocabSize, source.name);
    return { tokens: [...vocab.tokens], scores: Array.from(vocab.scores) };
  } catch (e) {
    if (e instanceof TokenizerError) throw new ModelFormatError(source.name, e.message.replace(`${source.name}: `, ''), { cause: e });
    throw e;
  }
}
