import { describe, expect, it } from 'vitest';

import { normalizeGbnf } from '../src/grammar/gbnf.js';

/** GBNF's empty alternatives made explicit for XGrammar, and nothing else touched. */
describe('normalizeGbnf', () => {
  it.each([
    ['ws ::= | " " | "\\n" [ \\t]{0,20}', 'ws ::= "" | " " | "\\n" [ \\t]{0,20}'],
    ['root ::= "a" ws\nws ::= | " "', 'root ::= "a" ws\nws ::= "" | " "'],
    ['x ::= ( | "a")', 'x ::= ( "" | "a")'],
    ['x ::= ("a" | )', 'x ::= ("a" | "" )'],
    ['x ::= "a" |\ny ::= "b"', 'x ::= "a" | ""\ny ::= "b"'],
    ['x ::= "a" |', 'x ::= "a" | ""'],
  ])('%j', (input, output) => expect(normalizeGbnf(input)).toBe(output));

  it.each([
    'x ::= "|" | "b" # a | comment\n',
    'x ::= [|(] | "q"',
    'x ::= "a"\n  | "b"',
    'x ::= "\\"|" | y\ny ::= "c"',
  ])('leaves %j alone', (g) => expect(normalizeGbnf(g)).toBe(g));
});
