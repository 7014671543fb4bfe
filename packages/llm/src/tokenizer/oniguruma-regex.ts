/**
 * Pre-tokenizer patterns are written for Oniguruma (HF tokenizers, Rust) or std::regex (llama.cpp);
 * this compiles them to a JS RegExp with the `u` flag. Only the differences that occur in real
 * tokenizer files are translated:
 * - `(?i:...)` groups (no inline flags in Node 20): ASCII letters inside become [xX] (not in classes);
 * - `\s`, `\S` mean Unicode White_Space in Oniguruma (JS `\s` adds U+FEFF and misses U+0085);
 * - `\d` is any decimal digit (\p{Nd}), `\h` a hex digit;
 * - possessive quantifiers (`++`, `*+`, `?+`) are read as plain greedy ones (they can differ only
 *   where backtracking matters; the supported tokenizer families use none).
 */
import { TokenizerError } from './tokenizer.js';

export function compileOniguruma(pattern: string, flags = 'gu'): RegExp {
  try {
    return new RegExp(translate(pattern), flags);
  } catch (cause) {
    throw new TokenizerError(`pre-tokenizer pattern cannot be compiled: ${JSON.stringify(pattern)}`, { cause });
  }
}

const ESCAPES: Record<string, string> = {
  s: '\\p{White_Space}',
  S: '\\P{White_Space}',
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  h: '0-9A-Fa-f',
};

function translate(src: string): string {
  let out = '';
  const foldStack: boolean[] = [];
  let fold = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const e = src[i + 1];
      i++;
      if (e === undefined) throw new TokenizerError(`pattern ends with a backslash: ${JSON.stringify(src)}`);
      if (e === 'h') out += inClass ? ESCAPES.h : `[${ESCAPES.h}]`;
      else if (ESCAPES[e]) out += ESCAPES[e];
      else if (e === 'p' || e === 'P' || e === 'x' || e === 'u') {
        // \p{..} and \xNN, \uNNNN pass through; \x{..} becomes \u{..}
        const braced = /^\{[^}]*\}/.exec(src.slice(i + 1));
        out += (e === 'x' && braced ? '\\u' : '\\' + e) + (braced ? braced[0] : '');
        if (braced) i += braced[0].length;
      } else if ('^$\\.*+?()[]{}|/'.includes(e) || /[A-Za-z0-9]/.test(e)) out += '\\' + e;
      else if (e === '-') out += inClass ? '\\-' : '-';
      else out += e; // u-mode rejects identity escapes of non-syntax characters; the literal is the same
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += c;
        if (src[i + 1] === '^') out += src[++i];
        if (src[i + 1] === ']') out += '\\' + src[++i]; // a leading ] is a literal
        break;
      case '(':
        foldStack.push(fold);
        if (src.startsWith('(?i:', i)) {
          fold = true;
          out += '(?:';
          i += 3;
        } else if (src.startsWith('(?>', i)) {
          out += '(?:';
          i += 2;
        } else out += c;
        break;
      case ')':
        fold = foldStack.pop() ?? false;
        out += c;
        break;
      case '{': {
        const quantifier = /^\{\d*(,\d*)?\}/.exec(src.slice(i));
        if (!quantifier || quantifier[0] === '{}' || quantifier[0] === '{,}') {
          out += '\\{';
          break;
        }
        out += quantifier[0].replace(/^\{,/, '{0,'); // Oniguruma {,n} = {0,n}
        i += quantifier[0].length - 1;
        // in Oniguruma's Ruby syntax X{n}+ repeats X{n}; no tokenizer uses it
        if (src[i + 1] === '+') throw new TokenizerError(`unsupported repeated interval quantifier in ${JSON.stringify(src)}`);
        break;
      }
      case '}':
        out += '\\}';
        break;
      case '+':
      case '*':
      case '?':
        out += c;
        if (src[i + 1] === '+') i++; // possessive -> greedy
        break;
      default:
        out += fold && /[A-Za-z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    }
  }
  return out;
}
