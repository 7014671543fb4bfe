/**
 * XLM-RoBERTa's vocabulary (bge-m3, bge-reranker-v2-m3, multilingual-e5) from its
 * sentencepiece.bpe.model: a SentencePiece Unigram model renumbered the fairseq way, as
 * transformers' XLMRobertaTokenizer and convert_hf_to_gguf do it. Ids 0..3 are <s>, <pad>, </s>,
 * <unk>; SentencePiece's piece i (i >= 3) is id i + 1; <mask> is last. A text is framed
 * <s> text </s>, a pair <s> a </s></s> b </s>.
 */
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { TokenType } from './token-types.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';
import { unigramTokenizer } from './unigram-tokenizer.js';

const { CONTROL, UNKNOWN } = TokenType;

export function tokenizerFromXlmRobertaSpm(bytes: Uint8Array, file = 'sentencepiece.bpe.model'): Tokenizer {
  const m = parseSentencePieceModel(bytes, file);
  if (m.modelType !== 1) throw new TokenizerError(`${file}: XLM-RoBERTa's SentencePiece model is a Unigram one (type 1), this one has type ${m.modelType}`);
  if (m.pieces.length < 4) throw new TokenizerError(`${file}: ${m.pieces.length} pieces is too few for an XLM-RoBERTa vocabulary`);
  // SentencePiece's own <unk>, <s>, </s> (ids 0..2) give way to fairseq's four specials
  const pieces = ['<s>', '<pad>', '</s>', '<unk>', ...m.pieces.slice(3), '<mask>'];
  const scores = Float32Array.from([0, 0, 0, 0, ...m.scores.subarray(3), 0]);
  const types = Uint8Array.from([CONTROL, CONTROL, CONTROL, UNKNOWN, ...m.types.subarray(3), CONTROL]);
  return unigramTokenizer(
    {
      pieces,
      scores,
      types,
      bos: 0,
      eos: 2,
      unk: 3,
      addBos: true,
      addEos: true,
      addSpacePrefix: m.addDummyPrefix,
      removeExtraWhitespace: m.removeExtraWhitespaces,
      charsmap: m.charsmap,
      // SentencePiece's own arithmetic: the slow tokenizer transformers runs is SentencePiece
      float32Sums: true,
      pairSeparator: [2],
    },
    file,
  );
}
