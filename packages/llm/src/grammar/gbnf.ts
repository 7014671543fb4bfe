/**
 * GBNF as llama.cpp parses it, rewritten where XGrammar's EBNF parser is stricter: an empty
 * alternative (`ws ::= | " "`, `( | x)`, `x |` at the end of a rule) becomes an explicit `""`.
 * Everything else passes through unchanged; strings, character classes and comments are skipped
 * over so that a `|` inside them is left alone.
 */
export function normalizeGbnf(text: string): string {
  let out = '';
  let i = 0;
  // after `::=`, `(` or `|`: an alternative is expected
  let expectAlternative = false;
  const ruleStart = /^[ \t]*[A-Za-z_][A-Za-z0-9_-]*[ \t]*::=/;
  /** index of the next significant character from j (skipping whitespace and comments) */
  const nextSignificant = (j: number): number => {
    for (;;) {
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] !== '#') return j;
      while (j < text.length && text[j] !== '\n') j++;
    }
  };
  const atRuleStart = (j: number): boolean => {
    const lineStart = text.lastIndexOf('\n', j - 1) + 1;
    return ruleStart.test(text.slice(lineStart, lineStart + 200)) && /^[ \t]*$/.test(text.slice(lineStart, j));
  };
  while (i < text.length) {
    if (expectAlternative) {
      const j = nextSignificant(i);
      if (j >= text.length || text[j] === '|' || text[j] === ')' || (j > i && atRuleStart(j) && text.slice(i, j).includes('\n'))) out += ' ""';
      expectAlternative = false;
    }
    const c = text[i]!;
    if (c === '"' || c === '[') {
      // a string or a character class: copy it whole, escapes included
      const close = c === '"' ? '"' : ']';
      let j = i + 1;
      while (j < text.length && text[j] !== close) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#') {
      const j = text.indexOf('\n', i);
      const end = j < 0 ? text.length : j;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (text.startsWith('::=', i)) {
      out += '::=';
      i += 3;
      expectAlternative = true;
      continue;
    }
    out += c;
    i++;
    if (c === '(' || c === '|') expectAlternative = true;
  }
  return expectAlternative ? out + ' ""' : out;
}
