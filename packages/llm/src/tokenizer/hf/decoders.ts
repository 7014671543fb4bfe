/**
 * tokenizer.json `decoder` section -> a PieceRenderer. HF decoders work on the whole token list;
 * every one ix supports is in fact per token (given the token's position), except a Strip placed
 * after Fuse, which strips the start of the whole text and becomes `stripStart`.
 */
import { fromByteLevel } from '../byte-level.js';
import { cleanUpTokenization, type PieceRenderer } from '../detokenize.js';
import { TokenizerError } from '../tokenizer.js';
import { asArray, asObject, type Json } from './json.js';
import { replacePattern } from './normalizers.js';

/** One decoding step on one token: text in, text or bytes out. */
type Step = (value: string | Uint8Array, index: number, isAdded: boolean) => string | Uint8Array;

interface Compiled {
  steps: Step[];
  stripStart?: { char: string; count: number };
}

export function buildRenderer(
  config: Json | null | undefined,
  pieces: readonly (string | undefined)[],
  addedIds: ReadonlySet<number>,
  cleanup: boolean,
): PieceRenderer {
  const compiled: Compiled = { steps: [] };
  if (config === null || config === undefined) {
    // no decoder: HF joins the tokens with spaces
    compiled.steps.push((v, index) => (typeof v === 'string' && index > 0 ? ' ' + v : v));
  } else {
    compile(asObject(config, 'decoder'), compiled, { fused: false });
  }
  const { steps, stripStart } = compiled;
  return {
    render(id, index) {
      const isAdded = addedIds.has(id);
      return steps.reduce<string | Uint8Array>((v, step) => step(v, index, isAdded), pieces[id]!);
    },
    stripStart,
    cleanup,
  };
}

const textOnly =
  (f: (text: string, index: number) => string): Step =>
  (v, index) =>
    typeof v === 'string' ? f(v, index) : v;

function compile(c: Record<string, Json>, out: Compiled, state: { fused: boolean }): void {
  switch (c.type) {
    case 'Sequence':
      for (const d of asArray(c.decoders, 'decoder.decoders')) compile(asObject(d, 'decoder'), out, state);
      return;
    case 'Replace': {
      const pattern = replacePattern(c.pattern, 'decoder');
      const content = String(c.content ?? '');
      out.steps.push(textOnly((t) => t.replace(pattern, () => content)));
      return;
    }
    case 'ByteFallback':
      out.steps.push((v) => {
        if (typeof v !== 'string') return v;
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(v);
        return m ? Uint8Array.of(parseInt(m[1], 16)) : v;
      });
      return;
    case 'Fuse':
      state.fused = true;
      return;
    case 'Strip': {
      const char = String(c.content ?? ' ');
      const start = Number(c.start ?? 0);
      const stop = Number(c.stop ?? 0);
      if (state.fused) {
        if (stop > 0) throw new TokenizerError('decoder Strip of the end of the fused text is not supported');
        out.stripStart = { char, count: start };
      } else {
        out.steps.push(textOnly((t) => stripChars(t, char, start, stop)));
      }
      return;
    }
    case 'Metaspace': {
      const replacement = typeof c.replacement === 'string' ? c.replacement : '▁';
      const stripFirst = c.prepend_scheme !== 'never' && c.add_prefix_space !== false;
      out.steps.push(
        textOnly((t, index) => {
          const s = t.replaceAll(replacement, ' ');
          return index === 0 && stripFirst && s.startsWith(' ') ? s.slice(1) : s;
        }),
      );
      return;
    }
    case 'WordPiece': {
      const prefix = String(c.prefix ?? '##');
      const cleanup = c.cleanup !== false;
      out.steps.push(
        textOnly((t, index) => {
          if (index > 0) t = prefix && t.startsWith(prefix) ? t.slice(prefix.length) : ' ' + t;
          return cleanup ? cleanUpTokenization(t) : t;
        }),
      );
      return;
    }
    case 'ByteLevel':
      // added tokens are plain text, not byte-level encoded
      out.steps.push((v, _index, isAdded) => (typeof v === 'string' && !isAdded ? fromByteLevel(v) : v));
      return;
    default:
      throw new TokenizerError(`unsupported decoder type ${JSON.stringify(c.type)}`);
  }
}

function stripChars(t: string, char: string, start: number, stop: number): string {
  let a = 0;
  while (a < start && t.startsWith(char, a * char.length)) a++;
  let s = t.slice(a * char.length);
  for (let b = 0; b < stop && s.endsWith(char); b++) s = s.slice(0, s.length - char.length);
  return s;
}
