/**
 * Splitting a piece of text on a pattern the way HF's Split pre-tokenizer does. `behavior` says
 * where each match goes: its own piece (isolated), dropped (removed), glued to the piece before
 * or after it, or runs of consecutive matches joined (contiguous).
 */
export type SplitBehavior = 'isolated' | 'removed' | 'mergedWithPrevious' | 'mergedWithNext' | 'contiguous';

export function splitText(text: string, pattern: RegExp, behavior: SplitBehavior, invert = false): string[] {
  // [start, end, isMatch] spans covering the whole text
  const spans: [number, number, boolean][] = [];
  let at = 0;
  pattern.lastIndex = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (end === start) continue;
    if (start > at) spans.push([at, start, false]);
    spans.push([start, end, true]);
    at = end;
  }
  if (at < text.length) spans.push([at, text.length, false]);
  if (invert) for (const s of spans) s[2] = !s[2];

  const out: string[] = [];
  switch (behavior) {
    case 'isolated':
      for (const [s, e] of spans) out.push(text.slice(s, e));
      break;
    case 'removed':
      for (const [s, e, m] of spans) if (!m) out.push(text.slice(s, e));
      break;
    case 'mergedWithPrevious': {
      let pendingStart = -1;
      for (const [s, e, m] of spans) {
        if (m && pendingStart >= 0) {
          out.push(text.slice(pendingStart, e));
          pendingStart = -1;
        } else if (m) out.push(text.slice(s, e));
        else {
          if (pendingStart >= 0) out.push(text.slice(pendingStart, s));
          pendingStart = s;
        }
      }
      if (pendingStart >= 0) out.push(text.slice(pendingStart));
      break;
    }
    case 'mergedWithNext': {
      let pendingStart = -1;
      for (const [s, e, m] of spans) {
        if (m) {
          if (pendingStart >= 0) out.push(text.slice(pendingStart, s));
          pendingStart = s;
        } else {
          out.push(text.slice(pendingStart >= 0 ? pendingStart : s, e));
          pendingStart = -1;
        }
      }
      if (pendingStart >= 0) out.push(text.slice(pendingStart));
      break;
    }
    case 'contiguous': {
      let runStart = -1;
      for (const [s, e, m] of spans) {
        if (m) {
          if (runStart < 0) runStart = s;
        } else {
          if (runStart >= 0) out.push(text.slice(runStart, s));
          runStart = -1;
          out.push(text.slice(s, e));
        }
      }
      if (runStart >= 0) out.push(text.slice(runStart));
      break;
    }
  }
  return out;
}
