/**
 * llama2.c tokenizer.bin: int32 max_token_length, then per token float32 score, int32 byte length,
 * bytes. Pieces hold plain spaces instead of U+2581, ids 0..2 are "<unk>", "\n<s>\n", "\n</s>\n",
 * and "<0xNN>" pieces are byte-fallback tokens. The vocabulary is SentencePiece BPE (BOS 1, EOS 2).
 */
import { sentencePieceTokenizer, SPACE_MARK } from './sentencepiece-tokenizer.js';
import { TokenType } from './token-types.js';
import { TokenizerError, type Tokenizer } from './tokenizer.js';

export interface Llama2cVocab {
  tokens: readonly string[];
  scores: ArrayLike<number>;
}

/** Parse tokenizer.bin; `vocabSize` comes from the model checkpoint header (the file does not store it). */
export function parseLlama2cTokenizer(bytes: Uint8Array, vocabSize: number, file = 'tokenizer.bin'): Llama2cVocab {
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) throw new TokenizerError(`${file}: vocabulary size ${vocabSize} is not positive`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const need = (at: number, len: number, what: string) => {
    if (at + len > bytes.length) throw new TokenizerError(`${file}: truncated at byte ${at} while reading ${what}`);
  };
  need(0, 4, 'max_token_length');
  const maxLen = view.getInt32(0, true);
  const tokens: string[] = [];
  const scores = new Float32Array(vocabSize);
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    need(at, 8, `token ${i}`);
    scores[i] = view.getFloat32(at, true);
    const len = view.getInt32(at + 4, true);
    if (len < 0 || len > maxLen) throw new TokenizerError(`${file}: token ${i} has length ${len} (max_token_length ${maxLen})`);
    need(at + 8, len, `token ${i}`);
    tokens.push(utf8.decode(bytes.subarray(at + 8, at + 8 + len)));
    at += 8 + len;
  }
  return { tokens, scores };
}

export function tokenizerFromLlama2c(vocab: Llama2cVocab): Tokenizer {
  const { tokens, scores } = vocab;
  if (tokens.length < 3) throw new TokenizerError(`llama2.c vocabulary has ${tokens.length} tokens, needs at least <unk>, <s>, </s>`);
  const pieces = tokens.map((t, id) => (id === 1 ? '<s>' : id === 2 ? '</s>' : id === 0 ? '<unk>' : t.replaceAll(' ', SPACE_MARK)));
  const types = pieces.map((p, id) =>
    id === 0 ? TokenType.UNKNOWN : id <= 2 ? TokenType.CONTROL : /^<0x[0-9A-F]{2}>$/.test(p) ? TokenType.BYTE : TokenType.NORMAL,
  );
  return sentencePieceTokenizer(
    { pieces, scores, types, unk: 0, bos: 1, eos: 2, addBos: true, addEos: false, addSpacePrefix: true },
    'llama2.c tokenizer',
  );
}
