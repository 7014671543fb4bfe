import { InvalidArgumentError } from '@ix/core';
import { type ChatMessage } from '@ix/llm';
import type { Engine, EngineInfo, EngineSequence, PromptInput, StepItem, StepOutput } from '../src/engine.js';

/**
 * A tiny deterministic "model" for protocol tests. Tokens: 0 <unk>, 1 BOS, 2 EOS, 3.. the printable
 * ASCII characters. It continues the alphabet: after a letter comes the next one, after "z" comes
 * ".", after "." EOS, after anything else "a". So greedy "abc" gives "defghijklmnopqrstuvwxyz."
 * (24 tokens, then stop). The chosen token's logit is 5, every other one 0.
 */
export const BOS = 1;
export const EOS = 2;
const FIRST = 3;
const VOCAB = FIRST + 95;

export const charToken = (c: string) => FIRST + c.charCodeAt(0) - 32;
const tokenChar = (id: number) => (id >= FIRST && id < VOCAB ? String.fromCharCode(id - FIRST + 32) : '');

/** the continuation rule, on characters */
export function nextChar(c: string): string | undefined {
  if (c >= 'a' && c < 'z') return String.fromCharCode(c.charCodeAt(0) + 1);
  if (c === 'z') return '.';
  if (c === '.') return undefined;
  return 'a';
}

class FakeSequence implements EngineSequence {
  tokens: number[] = [];
  constructor(readonly contextLength: number) {}
}

export interface FakeEngineOptions {
  contextLength?: number;
  /** awaited at the start of every step: lets a test hold the slots busy */
  gate?: () => Promise<void>;
  chatTemplate?: boolean;
  /** a step whose items hold a sequence of this many tokens throws (an engine failure) */
  failAtLength?: number;
}

export class FakeEngine implements Engine {
  readonly info: EngineInfo;
  /** per step: how many sequences it advanced and how many tokens it evaluated in total */
  readonly steps: { items: number; evaluated: number }[] = [];
  private readonly gate?: () => Promise<void>;
  private readonly failAtLength?: number;

  constructor(options: FakeEngineOptions = {}) {
    this.gate = options.gate;
    this.failAtLength = options.failAtLength;
    this.info = {
      arch: 'fake',
      kind: 'generative',
      vocabSize: VOCAB,
      contextLength: options.contextLength ?? 256,
      chatTemplate: options.chatTemplate === false ? undefined : '(role: content lines)',
      sizeBytes: 1234,
      modifiedAt: new Date('2024-01-02T03:04:05Z'),
      quantization: 'F32',
      parameterCount: 260_000,
      backend: 'fake',
    };
  }

  createSequence(): EngineSequence {
    return new FakeSequence(this.info.contextLength);
  }

  async step(items: readonly StepItem[]): Promise<StepOutput[]> {
    await this.gate?.();
    if (items.some((i) => i.tokens.length === this.failAtLength)) throw new Error('fake engine failure');
    let evaluated = 0;
    const out = items.map(({ seq, tokens }) => {
      const s = seq as FakeSequence;
      if (tokens.length > s.contextLength) throw new Error('fake engine: context overflow');
      let keep = 0;
      while (keep < s.tokens.length && keep < tokens.length - 1 && s.tokens[keep] === tokens[keep]) keep++;
      evaluated += tokens.length - keep;
      s.tokens = [...tokens];
      return { logits: this.logits(tokens[tokens.length - 1]!) };
    });
    this.steps.push({ items: items.length, evaluated });
    return out;
  }

  private logits(last: number): Float32Array {
    const l = new Float32Array(VOCAB);
    const c = tokenChar(last);
    const next = last === BOS ? 'a' : nextChar(c);
    l[next === undefined ? EOS : charToken(next)] = 5;
    return l;
  }

  promptTokens(input: PromptInput): number[] {
    if ('text' in input) return [BOS, ...[...input.text].map(charToken)];
    if (!this.info.chatTemplate) throw new InvalidArgumentError('no chat template'); // as CoreEngine
    return [BOS, ...[...renderFakeChat(input.messages)].map(charToken)];
  }

  tokenize(text: string): number[] {
    return [...text].map(charToken);
  }

  tokenText(id: number): string {
    return tokenChar(id);
  }

  createStreamDecoder() {
    return { push: tokenChar, flush: () => '' };
  }

  isEndOfGeneration(id: number): boolean {
    return id === EOS;
  }

  async close(): Promise<void> {}
}

/** the fake's chat template: "role: content" lines, then "assistant: " */
export function renderFakeChat(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content ?? ''}\n`).join('') + 'assistant: ';
}
