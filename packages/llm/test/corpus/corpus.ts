/**
 * Deterministic tokenizer test corpus (2,201 distinct strings): hand-picked pieces of many kinds of text,
 * then seeded random mixtures of them. Same strings on every run and machine.
 */

const PROSE = [
  'The quick brown fox jumps over the lazy dog.',
  "It's a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
  "I'm sure they'll say we've done what we'd planned, and you're right: it isn't over.",
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
  'Dr. Smith (born 1950) moved to New York City in the 1970s; he said "Hello!" to everyone.',
  'WHAT ARE YOU DOING?! I TOLD YOU NOT TO TOUCH THAT.',
  "Don't, won't, can't, shouldn't — contractions are everywhere. O'Neil's dog's bone.",
  'e.g. i.e. etc. vs. Mr. Mrs. Ms. Jr. U.S.A. a.m. p.m.',
  'Email me at someone@example.com or visit https://example.org/path?query=1&x=y#frag.',
  'Tokenization splits text into pieces; byte-pair encoding merges frequent pairs.',
  'She sells sea-shells by the sea-shore... or does she?',
  'Naïve café owners in Zürich serve crème brûlée and jalapeño piñatas.',
  'The résumé was ﬁled under “misc.” — see §4.2, ¶3 and the footnote†.',
  'In 2024, 3.7% of 1,234,567 users spent $89.99 (€82.50, £71.30, ¥13,500).',
  'Temperatures ranged from -40°C to +45°C; humidity was 12–98%.',
  "  leading spaces and trailing spaces   ",
  'Hello world',
  ' Hello',
  'hello',
  'HELLO',
  'Mixed CASE and camelCase and snake_case and kebab-case and PascalCase.',
  'A sentence with\ttabs\tinside\tit.',
  'Line one.\nLine two.\n\nParagraph two.\r\nWindows line.',
];

const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'const xs = [1, 2, 3].map((x) => x * 2).filter(Boolean);',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'import numpy as np\narr = np.zeros((3, 4), dtype=np.float32)\nprint(arr.shape)',
  'fn main() {\n    let v: Vec<i32> = (0..10).collect();\n    println!("{:?}", v);\n}',
  '#include <stdio.h>\nint main(void) {\n\tprintf("%d\\n", 42);\n\treturn 0;\n}',
  'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}',
  'SELECT id, name FROM users WHERE age >= 18 AND name LIKE \'%son\' ORDER BY id DESC;',
  '<div class="box" id="main"><p>Hello &amp; welcome</p><br/></div>',
  '{"name": "ix", "version": "0.1.0", "tags": ["a", "b"], "ok": true, "n": null}',
  '#!/bin/bash\nfor f in *.txt; do\n  echo "$f" | tr a-z A-Z\ndone',
  'public static void main(String[] args) { System.out.println("x=" + x); }',
  'x += 1; y -= 2; z *= 3; w /= 4; a %= 5; b **= 6; c //= 7; d <<= 1; e >>>= 2;',
  'if (a && b || !c) { return a?.b ?? c; } else if (x !== y) { throw new Error(`bad ${x}`); }',
  '    indented with four spaces\n\tand a tab\n        and eight spaces',
  '// comment\n/* block\n   comment */\n# python comment\n-- sql comment',
  'regex = /^(?:[a-z0-9!#$%&\'*+/=?^_`{|}~-]+)@example\\.com$/i;',
  'matrix[i][j] = matrix[i - 1][j - 1] + cost; // O(n^2)',
  'let s = "tab\\tnewline\\nquote\\"backslash\\\\";',
  '    return {\n        "key": value,\n    }\n\n\n',
];

const NUMBERS = [
  '0', '1', '12', '123', '1234', '12345', '123456', '1234567', '12345678901234567890',
  '3.14159265358979', '-0.001', '1e-10', '6.022e23', '0xDEADBEEF', '0b101010', '1,000,000', '1.000.000,50',
  '2024-01-31', '12:34:56', '+1 (555) 123-4567', '192.168.0.1', 'v1.2.3-beta.4', '100%', '½ ¼ ¾', '①②③', '٠١٢٣٤٥٦٧٨٩', '१२३४',
];

const WHITESPACE = [
  ' ', '  ', '   ', '    ', '        ', '\n', '\n\n', '\n\n\n', '\t', '\t\t', '\r\n', ' \n ', '\n \n', ' \t \n',
  'a  b', 'a   b', 'a\n\nb', 'a \n b', 'a\t\tb', '  a', 'a  ', ' a ', '\u00a0', 'a\u00a0b', '\u3000', 'a\u3000b',
  '\u2009thin', '\u200b', 'zero\u200bwidth', 'a\u2028b', 'nel\u0085line',
];

const CJK = [
  '你好，世界！', '我爱自然语言处理。', '今天天气很好，我们去公园散步吧。', '中华人民共和国成立于1949年。',
  'こんにちは、世界！', 'ひらがなとカタカナと漢字', '東京タワーは高いです。', 'ラーメンが大好きです',
  '안녕하세요, 세계!', '한국어 형태소 분석기', '漢字かな交じり文', '繁體中文與简体中文', '𠀀𠀁𪚥 (CJK Extension B)',
];

const EMOJI = [
  '😀', '😀😃😄', '👍🏽', '👨‍👩‍👧‍👦', '👩🏻‍💻', '🏳️‍🌈', '🇺🇸🇯🇵🇫🇷', '1️⃣ #️⃣', '❤️', '☺︎', '🧑‍🤝‍🧑',
  'I love 🍕 and 🍣!', 'Family: 👨‍👩‍👧 + 🐶', '🚀🚀🚀 launch', 'ok👌ok', '🤖 robots 🤖',
];

const COMBINING = [
  'e\u0301', 'cafe\u0301', 'n\u0303', 'A\u030a', 'Z̤̲͈a̝l̟g̩o̱', 'Tiếng Việt có dấu', 'ḍḥṃṇ', 'q̃', 'a\u0308\u0301',
  'नमस्ते दुनिया', 'हिन्दी भाषा', 'สวัสดีครับ', 'ภาษาไทย', 'ཀྲ་ཤིས', 'க்ஷ',
];

const RTL = [
  'مرحبا بالعالم', 'اللغة العربية جميلة.', 'عدد ١٢٣ و 456', 'שלום עולם', 'עברית היא שפה שמית.',
  'English then عربي then English', 'Hebrew עברית mixed', 'فارسی: سلام دنیا', 'اردو زبان',
  '\u202eRTL override\u202c', 'الْعَرَبِيَّة',
];

const SCRIPTS = [
  'Привет, мир!', 'Съешь же ещё этих мягких французских булок.', 'Γειά σου Κόσμε', 'Ελληνικά γράμματα αβγ',
  'Բարեւ աշխարհ', 'გამარჯობა მსოფლიო', 'Ողջույն', 'ᚠᚢᚦᚨᚱᚲ', 'ⲁⲃⲅ', 'ꦲꦏ꧀ꦱꦫ', 'Ⰰⰱⰲ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙',
  'ＡＢＣ　ｆｕｌｌｗｉｄｔｈ', 'ﬁ ﬂ ﬀ ligatures', '∀x∈ℝ: x²≥0 ∑∫∂√∞≠≈', '← → ↑ ↓ ⇒ ⇔', '♠♥♦♣ ♩♪♫', '™ © ®',
  'ß ẞ ŉ İ ı ǅ', 'ΣΊΣΥΦΟΣ ὀδυσσεύς', 'Ǆemal', 'Ａ１',
];

const SPECIAL_TEXT = [
  '<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>system\nYou are helpful.<|im_end|>',
  '<s>', '</s>', '<s> hi</s>', '<unk>', '<pad>', '<mask>', '[CLS]', '[SEP]', '[CLS] a [SEP] b [SEP]', '[PAD][MASK]',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
  '<|endoftext|>', '<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n', '<bos>text',
  '<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>', '<think>\nreasoning\n</think>\n\nanswer',
  '<tool_call>\n{"name": "f"}\n</tool_call>', '<0x0A>', '<0xFF>', '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
  'text<|im_end|>more', '<|im_start|><|im_end|>', '<s><s></s></s>', '<|im_start', 'im_start|>', '< s >',
];

const EDGE = [
  '', ' ', 'a', 'A', '.', '!', '?', "'", '"', '`', '\\', '/', '-', '_', '~', '▁', '▁▁', '▁x', 'Ġ', 'Ċ', '##ing', '##',
  "'s", "'S", "'ll", "'LL", "I'M", "we'RE", "y'all", "'''", '...', '!!!', '???', '?!', '—', '–', '‐', '…',
  '((()))', '[[]]', '{{}}', '<<>>', '<>', '</>', '&&', '||', '::', '->', '=>', '!=', '===', '#', '@', '$', '%', '^', '*',
  'a'.repeat(300), 'ab'.repeat(120), ' a'.repeat(100), '1'.repeat(101), 'x' + '\u0301'.repeat(20),
  'supercalifragilisticexpialidocious', 'Pneumonoultramicroscopicsilicovolcanoconiosis',
  'https://', 'www.', 'C:\\Users\\x\\file.txt', '~/.config/ix/config.json', '\u0000null\u0000', '\u0007bell\u001b[0m',
  '\ufeffBOM start', '\ufffd replacement char', '\u00ad soft hyphen', 'e\u200dzwj', 'a\u2060b',
];

const GROUPS = [PROSE, CODE, NUMBERS, WHITESPACE, CJK, EMOJI, COMBINING, RTL, SCRIPTS, SPECIAL_TEXT, EDGE];

/** mulberry32: small seeded PRNG so the mixtures are identical on every run */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEPARATORS = ['', ' ', '  ', '\n', '\n\n', '\t', ', ', '. ', ' - ', '\r\n', ' \n'];

function buildCorpus(): string[] {
  const rand = prng(20240607);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const all = GROUPS.flat();
  const out = new Set<string>(all);

  // groups mixed with themselves and with each other
  while (out.size < 1700) {
    const parts = 1 + Math.floor(rand() * 4);
    let s = '';
    for (let p = 0; p < parts; p++) {
      const piece = rand() < 0.5 ? pick(pick(GROUPS)) : pick(all);
      s += (p > 0 ? pick(SEPARATORS) : '') + piece;
    }
    out.add(s);
  }
  // substrings cut at arbitrary code points (may split grapheme clusters and words)
  while (out.size < 2100) {
    const cps = Array.from(pick(all) + pick(SEPARATORS) + pick(all));
    const a = Math.floor(rand() * cps.length);
    const b = a + Math.floor(rand() * (cps.length - a + 1));
    out.add(cps.slice(a, b).join(''));
  }
  // digit runs between whitespace runs
  while (out.size < 2200) {
    const n = 1 + Math.floor(rand() * 30);
    let digits = '';
    for (let k = 0; k < n; k++) digits += String(Math.floor(rand() * 10));
    const ws = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick([' ', '\n', '\t', '\r'])).join('');
    out.add(`${pick(PROSE).slice(0, 20)}${ws}${digits}${ws}`);
  }
  // one long document
  out.add(Array.from({ length: 40 }, () => pick(all)).join(' '));
  return [...out];
}

export const CORPUS: readonly string[] = buildCorpus();
