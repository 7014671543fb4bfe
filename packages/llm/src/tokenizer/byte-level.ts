/**
 * GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE vocabularies:
 * printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in byte order
 * (so the space byte 0x20 becomes "Ġ" U+0120 and "\n" becomes "Ċ").
 */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((ch, byte) => [ch, byte]));

function buildByteToChar(): string[] {
  const isPrintable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(isPrintable(b) ? b : next++);
  return table;
}

const encoder = new TextEncoder();

/** The byte-level form of `text`: its UTF-8 bytes, one mapped character each. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Bytes of a byte-level piece; characters outside the mapping are kept as their own UTF-8. */
export function fromByteLevel(piece: string): Uint8Array {
  const out: number[] = [];
  for (const ch of piece) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...encoder.encode(ch));
  }
  return Uint8Array.from(out);
}
