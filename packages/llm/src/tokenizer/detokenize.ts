/**
 * Turning ids back into text. Each token renders to text or raw bytes (byte-fallback and
 * byte-level tokens carry parts of characters); all of it is joined as UTF-8 and decoded once,
 * then two whole-text steps apply: stripping the dummy-prefix space and HF's
 * `clean_up_tokenization_spaces`. The stream decoder runs the same steps incrementally.
 */
import type { StreamDecoder } from './tokenizer.js';

export interface PieceRenderer {
  /** Text or bytes of token `id`, the `index`-th token of the sequence being decoded. */
  render(id: number, index: number): string | Uint8Array;
  /** Strip up to `count` leading `char`s from the start of the output (HF Strip decoder, dummy prefix). */
  stripStart?: { char: string; count: number };
  /** Apply HF `clean_up_tokenization_spaces` (" ." -> ".", " n't" -> "n't", ...). */
  cleanup: boolean;
}

const utf8 = new TextEncoder();

function renderBytes(renderer: PieceRenderer, ids: readonly number[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  ids.forEach((id, index) => {
    const r = renderer.render(id, index);
    const bytes = typeof r === 'string' ? utf8.encode(r) : r;
    chunks.push(bytes);
    length += bytes.length;
  });
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function decodeWith(renderer: PieceRenderer, ids: readonly number[]): string {
  let text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(renderBytes(renderer, ids));
  if (renderer.stripStart) text = new LeadingStrip(renderer.stripStart.char, renderer.stripStart.count).apply(text);
  return renderer.cleanup ? cleanUpTokenization(text) : text;
}

/**
 * Incremental decoder. `startIndex` is how many tokens came before (prefix), `started` whether
 * they produced text (then the leading strip no longer applies).
 */
export function streamWith(renderer: PieceRenderer, startIndex: number, started: boolean): StreamDecoder {
  const bytes = new TextDecoder('utf-8', { ignoreBOM: true });
  const strip = renderer.stripStart && !started ? new LeadingStrip(renderer.stripStart.char, renderer.stripStart.count) : undefined;
  const cleanup = renderer.cleanup ? new CleanupStream() : undefined;
  let index = startIndex;
  const finish = (text: string, final: boolean) => {
    if (strip) text = strip.apply(text);
    if (cleanup) text = final ? cleanup.push(text) + cleanup.flush() : cleanup.push(text);
    return text;
  };
  return {
    push(id: number): string {
      const r = renderer.render(id, index++);
      return finish(bytes.decode(typeof r === 'string' ? utf8.encode(r) : r, { stream: true }), false);
    },
    flush(): string {
      return finish(bytes.decode(), true);
    },
  };
}

/** Removes up to `count` copies of `char` from the very start of a text that arrives in pieces. */
class LeadingStrip {
  private done = false;
  constructor(
    private readonly char: string,
    private remaining: number,
  ) {}

  apply(text: string): string {
    while (!this.done && this.remaining > 0 && text.startsWith(this.char)) {
      text = text.slice(this.char.length);
      this.remaining--;
    }
    if (text !== '') this.done = true;
    return text;
  }
}

/** transformers' clean_up_tokenization, replacement by replacement in the same order. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Every character any clean-up pattern can touch; text cut right after any other character cleans up independently. */
const CLEANUP_CHARS = new Set(" .?!,'ntmsvre");

/**
 * Streaming clean-up: a character outside every pattern can never be part of a match nor be
 * removed, so clean-up of the text up to and including it equals its part of the whole-text
 * clean-up. Everything after the last such character is held back.
 */
class CleanupStream {
  private pending = '';

  push(text: string): string {
    this.pending += text;
    let cut = this.pending.length;
    while (cut > 0 && CLEANUP_CHARS.has(this.pending[cut - 1])) cut--;
    if (cut === 0) return '';
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return cleanUpTokenization(ready);
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return cleanUpTokenization(rest);
  }
}
