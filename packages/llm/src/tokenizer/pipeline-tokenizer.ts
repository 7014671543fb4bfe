/**
 * The one Tokenizer implementation: every format (HF tokenizer.json, GGUF, llama2.c, SentencePiece
 * .model) is turned into these parts. Encoding follows HF tokenizers: cut out added tokens,
 * normalize each remaining run, pre-tokenize it into words, run the model on each word, then let
 * the post-processor add BOS/EOS.
 */
import { AddedTokenSplitter, type AddedToken } from './added-tokens.js';
import { decodeWith, streamWith, type PieceRenderer } from './detokenize.js';
import {
  TokenLimitError,
  TokenizerError,
  type DecodeOptions,
  type EncodeOptions,
  type StreamDecoder,
  type StreamDecoderOptions,
  type Tokenizer,
} from './tokenizer.js';

export interface PipelineParts {
  /** vocabulary entry of each id (holes allowed for ids no file defines) */
  pieces: readonly (string | undefined)[];
  addedTokens: readonly AddedToken[];
  specialIds: ReadonlySet<number>;
  normalize?: (text: string) => string;
  /** split a normalized run into words; `sectionIndex` is the run's position among all segments */
  preTokenize?: (text: string, sectionIndex: number) => string[];
  /** ids of one word */
  model: (word: string) => number[];
  /** model as steps that yield now and then, for long words (a text that is one word) */
  modelSteps?: (word: string) => Generator<void, number[]>;
  /** add the special tokens the model wants around a sequence */
  addSpecial: (ids: number[]) => number[];
  renderer: PieceRenderer;
  bos?: number;
  eos?: number;
  eot?: number;
  stopIds: readonly number[];
  pairSeparator?: readonly number[];
}

const utf8 = new TextEncoder();

/** encodeAsync gives the event loop a turn after this much work */
const YIELD_EVERY_MS = 4;
/** words at least this long go through modelSteps when there is one */
const LONG_WORD = 4096;

export class PipelineTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bos?: number;
  readonly eos?: number;
  readonly eot?: number;
  readonly stopIds: readonly number[];
  readonly pairSeparator?: readonly number[];
  private readonly rawSplitter: AddedTokenSplitter;
  private readonly normalizedSplitter: AddedTokenSplitter;

  constructor(private readonly parts: PipelineParts) {
    this.vocabSize = parts.pieces.length;
    this.bos = parts.bos;
    this.eos = parts.eos;
    this.eot = parts.eot;
    this.stopIds = parts.stopIds;
    if (parts.pairSeparator?.length) this.pairSeparator = parts.pairSeparator;
    this.rawSplitter = new AddedTokenSplitter(parts.addedTokens.filter((t) => !t.normalized));
    this.normalizedSplitter = new AddedTokenSplitter(parts.addedTokens.filter((t) => t.normalized));
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const work = this.encodeSteps(text, options);
    for (let r = work.next(); ; r = work.next()) if (r.done) return r.value;
  }

  async encodeAsync(text: string, options: EncodeOptions = {}): Promise<number[]> {
    const work = this.encodeSteps(text, options);
    let since = performance.now();
    for (let r = work.next(); ; r = work.next()) {
      if (r.done) return r.value;
      if (performance.now() - since > YIELD_EVERY_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        since = performance.now();
      }
    }
  }

  /** encode() as steps: yields after each word, returns the ids */
  private *encodeSteps(text: string, options: EncodeOptions): Generator<void, number[]> {
    if (typeof text !== 'string') throw new TokenizerError(`encode() needs a string, got ${typeof text}`);
    const { addSpecial = true, parseSpecial = false, maxTokens } = options;
    const { normalize, preTokenize, model, modelSteps } = this.parts;
    const limit = maxTokens ?? Infinity;
    // A token covers at most maxPieceBytes bytes of normalized text, a text has at least as many
    // UTF-8 bytes as UTF-16 units, and normalization (NFKC, accents) shrinks text by under 4x.
    if (text.length > (limit + 1) * this.maxPieceBytes() * 4) throw new TokenLimitError(limit);
    const ids: number[] = [];
    const push = (id: number) => {
      ids.push(id);
      if (ids.length > limit) throw new TokenLimitError(limit);
    };
    const segments = this.rawSplitter.split(text, parseSpecial);
    for (let sectionIndex = 0; sectionIndex < segments.length; sectionIndex++) {
      const segment = segments[sectionIndex]!;
      if (typeof segment !== 'string') {
        push(segment.id);
        continue;
      }
      const normalized = normalize ? normalize(segment) : segment;
      if (normalized === '') continue;
      for (const run of this.normalizedSplitter.split(normalized, parseSpecial)) {
        if (typeof run !== 'string') {
          push(run.id);
          continue;
        }
        if (run === '') continue;
        for (const word of preTokenize ? preTokenize(run, sectionIndex) : [run]) {
          if (word === '') continue;
          const wordIds = modelSteps && word.length >= LONG_WORD ? yield* modelSteps(word) : model(word);
          for (const id of wordIds) push(id);
          yield;
        }
      }
    }
    return addSpecial ? this.parts.addSpecial(ids) : ids;
  }

  private pieceBytes: number | undefined;

  /** UTF-8 length of the longest vocabulary entry (at least the input bytes one token can cover) */
  private maxPieceBytes(): number {
    if (this.pieceBytes === undefined) {
      const utf8 = new TextEncoder();
      let most = 1;
      for (const p of this.parts.pieces) if (p !== undefined && p.length * 3 > most) most = Math.max(most, utf8.encode(p).length);
      for (const t of this.parts.addedTokens) most = Math.max(most, utf8.encode(t.content).length);
      this.pieceBytes = most;
    }
    return this.pieceBytes;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return decodeWith(this.parts.renderer, this.kept(ids, options.skipSpecial ?? false));
  }

  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    const skipSpecial = options.skipSpecial ?? false;
    const prefix = this.kept(options.prefix ?? [], skipSpecial);
    const prefixRenderer = options.prefixAfterStart ? { ...this.parts.renderer, stripStart: undefined } : this.parts.renderer;
    const inner = streamWith(this.parts.renderer, prefix.length, decodeWith(prefixRenderer, prefix) !== '');
    return {
      push: (id: number) => {
        this.check(id);
        return skipSpecial && this.parts.specialIds.has(id) ? '' : inner.push(id);
      },
      flush: () => inner.flush(),
    };
  }

  tokenToPiece(id: number): string {
    this.check(id);
    return this.parts.pieces[id]!;
  }

  isSpecial(id: number): boolean {
    this.check(id);
    return this.parts.specialIds.has(id);
  }

  tokenBytes(id: number): Uint8Array {
    this.check(id);
    const r = this.parts.renderer.render(id, 1); // index 1: mid-sequence, no start-of-text rules
    return typeof r === 'string' ? utf8.encode(r) : r;
  }

  private kept(ids: readonly number[], skipSpecial: boolean): number[] {
    if (!Array.isArray(ids)) throw new TokenizerError('decode() needs an array of token ids');
    const out: number[] = [];
    for (const id of ids) {
      this.check(id);
      if (!(skipSpecial && this.parts.specialIds.has(id))) out.push(id);
    }
    return out;
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.parts.pieces[id] === undefined) {
      throw new TokenizerError(`token id ${String(id)} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
    }
  }
}
