import type { TokenizerSource } from '../formats/index.js';
import { tokenizerFromGGUF, tokenizerFromHF, tokenizerFromLlama2c, tokenizerFromXlmRobertaSpm, type Tokenizer } from '../tokenizer/index.js';

/** Build the tokenizer a model file carries, whichever format described it. */
export function tokenizerFromSource(src: TokenizerSource): Tokenizer {
  switch (src.kind) {
    case 'gguf':
      return tokenizerFromGGUF(src.metadata);
    case 'hf':
      return tokenizerFromHF(src.tokenizerJson, src.tokenizerConfig);
    case 'llama2c':
      return tokenizerFromLlama2c({ tokens: src.tokens, scores: src.scores });
    case 'xlm-roberta':
      return tokenizerFromXlmRobertaSpm(src.sentencePieceModel);
  }
}
