/**
 * Added tokens (special and user-defined pieces) are cut out of the text before normal
 * tokenization. Matching is leftmost-longest over a character trie, as in HF tokenizers.
 */
export interface AddedToken {
  id: number;
  content: string;
  /** special tokens are only matched with `parseSpecial` and are dropped by `skipSpecial` */
  special: boolean;
  /** swallow whitespace on the left / right of the token (HF `lstrip` / `rstrip`) */
  lstrip?: boolean;
  rstrip?: boolean;
  /** match against normalized text instead of raw text (HF `normalized`) */
  normalized?: boolean;
}

export type Segment = string | AddedToken;

interface TrieNode {
  children: Map<string, TrieNode>;
  token?: AddedToken;
}

export class AddedTokenSplitter {
  private readonly root: TrieNode = { children: new Map() };
  readonly size: number;

  constructor(tokens: readonly AddedToken[]) {
    let size = 0;
    for (const token of tokens) {
      if (token.content === '') continue;
      let node = this.root;
      for (const ch of token.content) {
        let child = node.children.get(ch);
        if (!child) node.children.set(ch, (child = { children: new Map() }));
        node = child;
      }
      node.token = token;
      size++;
    }
    this.size = size;
  }

  /** Split `text` into plain-text runs and added tokens (special ones only when `parseSpecial`). */
  split(text: string, parseSpecial: boolean): Segment[] {
    if (this.size === 0 || text === '') return [text];
    const out: Segment[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const match = this.longestAt(text, i, parseSpecial);
      if (!match) {
        i += text.codePointAt(i)! > 0xffff ? 2 : 1;
        continue;
      }
      if (i > plainStart) out.push(text.slice(plainStart, i));
      out.push(match.token);
      i = match.end;
      plainStart = i;
    }
    if (plainStart < text.length) out.push(text.slice(plainStart));
    return stripAround(out);
  }

  private longestAt(text: string, start: number, parseSpecial: boolean): { token: AddedToken; end: number } | undefined {
    let node: TrieNode | undefined = this.root;
    let best: { token: AddedToken; end: number } | undefined;
    let i = start;
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      node = node.children.get(ch);
      if (!node) break;
      i += ch.length;
      if (node.token && (parseSpecial || !node.token.special)) best = { token: node.token, end: i };
    }
    return best;
  }
}

/** Apply lstrip/rstrip: whitespace next to such a token belongs to the token. */
function stripAround(segments: Segment[]): Segment[] {
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (typeof s === 'string') continue;
    if (s.lstrip && i > 0 && typeof segments[i - 1] === 'string') segments[i - 1] = (segments[i - 1] as string).trimEnd();
    if (s.rstrip && i + 1 < segments.length && typeof segments[i + 1] === 'string') segments[i + 1] = (segments[i + 1] as string).trimStart();
  }
  return segments.filter((s) => s !== '');
}
