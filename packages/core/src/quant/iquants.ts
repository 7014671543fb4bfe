/**
 * Dequantizers of the i-quants (ggml-quants.c dequantize_row_iq2_xxs ... iq4_xs): groups of 8 (or 4)
 * values are indices into fixed grids (tables.ts), with signs from the ksigns table or stored bits.
 * Float arithmetic is rounded to float32 after each C operation (see legacy.ts).
 */
import { f16At, f16ToF32 } from './half.js';
import {
  IQ1S_GRID,
  IQ2S_GRID,
  IQ2XS_GRID,
  IQ2XXS_GRID,
  IQ3S_GRID,
  IQ3XXS_GRID,
  KSIGNS_IQ2XS,
  KVALUES_IQ4NL,
  unpackGrid,
} from './tables.js';

const fr = Math.fround;

/** IQ1S_DELTA / IQ1M_DELTA: the grid shift of IQ1_S / IQ1_M. */
const IQ1_DELTA = 0.125;

interface Grids {
  iq2xxs: Uint8Array;
  iq2xs: Uint8Array;
  iq2s: Uint8Array;
  iq3xxs: Uint8Array;
  iq3s: Uint8Array;
  iq1s: Int8Array;
}

let grids: Grids | undefined;

/** The grids unpacked to one value per byte, built on first use. */
export function iqGrids(): Grids {
  if (!grids) {
    const iq1 = unpackGrid(IQ1S_GRID);
    grids = {
      iq2xxs: unpackGrid(IQ2XXS_GRID),
      iq2xs: unpackGrid(IQ2XS_GRID),
      iq2s: unpackGrid(IQ2S_GRID),
      iq3xxs: unpackGrid(IQ3XXS_GRID),
      iq3s: unpackGrid(IQ3S_GRID),
      iq1s: new Int8Array(iq1.buffer),
    };
  }
  return grids;
}

/** Write 8 values db * grid[g..g+8) with the signs of bit mask `signs` (bit j set = negative). */
function put8(out: Float32Array, y: number, db: number, grid: Uint8Array, g: number, signs: number): void {
  for (let j = 0; j < 8; j++) {
    const v = fr(db * grid[g + j]!);
    out[y + j] = signs & (1 << j) ? -v : v;
  }
}

/**
 * block_iq2_xxs (66 bytes): f16 d, then per 32 elements two u32 words: word 0 = four 8-bit grid
 * indices, word 1 = four 7-bit sign indices (bits 7l..7l+6) and a 4-bit scale s (bits 28..31).
 * x = d * (0.5 + s) * 0.25 * grid * sign.
 */
export function dequantizeIQ2_XXS(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq2xxs;
  for (let i = 0; i < nb; i++) {
    const o = i * 66;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const q = o + 2 + 8 * ib;
      const aux = (src[q + 4]! | (src[q + 5]! << 8) | (src[q + 6]! << 16) | (src[q + 7]! << 24)) >>> 0;
      const db = fr(fr(d * (0.5 + (aux >>> 28))) * 0.25);
      for (let l = 0; l < 4; l++) {
        put8(out, i * 256 + 32 * ib + 8 * l, db, grid, 8 * src[q + l]!, KSIGNS_IQ2XS[(aux >>> (7 * l)) & 127]!);
      }
    }
  }
}

/**
 * block_iq2_xs (74 bytes): f16 d, u16 qs[32] (9-bit grid index | 7-bit sign index << 9), scales[8]
 * (two 4-bit scales per 32 elements, one per 16). x = d * (0.5 + s) * 0.25 * grid * sign.
 */
export function dequantizeIQ2_XS(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq2xs;
  for (let i = 0; i < nb; i++) {
    const o = i * 74;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[o + 66 + ib]!;
      const db0 = fr(fr(d * (0.5 + (sc & 0x0f))) * 0.25);
      const db1 = fr(fr(d * (0.5 + (sc >> 4))) * 0.25);
      for (let l = 0; l < 4; l++) {
        const q = o + 2 + 2 * (4 * ib + l);
        const qs = src[q]! | (src[q + 1]! << 8);
        put8(out, i * 256 + 32 * ib + 8 * l, l < 2 ? db0 : db1, grid, 8 * (qs & 511), KSIGNS_IQ2XS[qs >> 9]!);
      }
    }
  }
}

/**
 * block_iq2_s (82 bytes): f16 d, qs[32] (low 8 bits of 10-bit grid indices), signs[32] (explicit
 * 8-bit masks), qh[8] (bits 2l..2l+1 = top 2 index bits of group l), scales[8] (as IQ2_XS).
 */
export function dequantizeIQ2_S(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq2s;
  for (let i = 0; i < nb; i++) {
    const o = i * 82;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[o + 74 + ib]!;
      const db0 = fr(fr(d * (0.5 + (sc & 0x0f))) * 0.25);
      const db1 = fr(fr(d * (0.5 + (sc >> 4))) * 0.25);
      const qh = src[o + 66 + ib]!;
      for (let l = 0; l < 4; l++) {
        const index = src[o + 2 + 4 * ib + l]! | (((qh >> (2 * l)) & 3) << 8);
        put8(out, i * 256 + 32 * ib + 8 * l, l < 2 ? db0 : db1, grid, 8 * index, src[o + 34 + 4 * ib + l]!);
      }
    }
  }
}

/**
 * block_iq3_xxs (98 bytes): f16 d, qs[64] (8-bit indices into a grid of 4 values), then per 32
 * elements a u32: four 7-bit sign indices and a 4-bit scale s (bits 28..31).
 * x = d * (0.5 + s) * 0.5 * grid * sign.
 */
export function dequantizeIQ3_XXS(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq3xxs;
  for (let i = 0; i < nb; i++) {
    const o = i * 98;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const a = o + 66 + 4 * ib;
      const aux = (src[a]! | (src[a + 1]! << 8) | (src[a + 2]! << 16) | (src[a + 3]! << 24)) >>> 0;
      const db = fr(fr(d * (0.5 + (aux >>> 28))) * 0.5);
      for (let l = 0; l < 4; l++) {
        const signs = KSIGNS_IQ2XS[(aux >>> (7 * l)) & 127]!;
        const y = i * 256 + 32 * ib + 8 * l;
        const g1 = 4 * src[o + 2 + 8 * ib + 2 * l]!;
        const g2 = 4 * src[o + 2 + 8 * ib + 2 * l + 1]!;
        for (let j = 0; j < 4; j++) {
          const v1 = fr(db * grid[g1 + j]!);
          const v2 = fr(db * grid[g2 + j]!);
          out[y + j] = signs & (1 << j) ? -v1 : v1;
          out[y + j + 4] = signs & (1 << (j + 4)) ? -v2 : v2;
        }
      }
    }
  }
}

/**
 * block_iq3_s (110 bytes): f16 d, qs[64] (low 8 bits of 9-bit indices), qh[8] (bit k = 9th bit of
 * index k of that 32-element group), signs[32] (explicit masks), scales[4] (4-bit s per 32 elements).
 * x = d * (1 + 2s) * grid * sign.
 */
export function dequantizeIQ3_S(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq3s;
  for (let i = 0; i < nb; i++) {
    const o = i * 110;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[o + 106 + (ib >> 1)]!;
      const db = fr(d * (1 + 2 * (ib & 1 ? sc >> 4 : sc & 0x0f)));
      const qh = src[o + 66 + ib]!;
      for (let l = 0; l < 4; l++) {
        const signs = src[o + 74 + 4 * ib + l]!;
        const y = i * 256 + 32 * ib + 8 * l;
        const g1 = 4 * (src[o + 2 + 8 * ib + 2 * l]! | (((qh >> (2 * l)) & 1) << 8));
        const g2 = 4 * (src[o + 2 + 8 * ib + 2 * l + 1]! | (((qh >> (2 * l + 1)) & 1) << 8));
        for (let j = 0; j < 4; j++) {
          const v1 = fr(db * grid[g1 + j]!);
          const v2 = fr(db * grid[g2 + j]!);
          out[y + j] = signs & (1 << j) ? -v1 : v1;
          out[y + j + 4] = signs & (1 << (j + 4)) ? -v2 : v2;
        }
      }
    }
  }
}

/**
 * block_iq1_s (50 bytes): f16 d, qs[32] (low 8 bits of 11-bit indices into a {-1,0,1} grid),
 * u16 qh[8]: bits 3l..3l+2 = top index bits of group l, bits 12..14 = scale s, bit 15 = delta sign.
 * x = d * (2s + 1) * (grid ± 0.125).
 */
export function dequantizeIQ1_S(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq1s;
  for (let i = 0; i < nb; i++) {
    const o = i * 50;
    const d = f16At(src, o);
    for (let ib = 0; ib < 8; ib++) {
      const qh = src[o + 34 + 2 * ib]! | (src[o + 35 + 2 * ib]! << 8);
      const dl = fr(d * (2 * ((qh >> 12) & 7) + 1));
      const delta = qh & 0x8000 ? -IQ1_DELTA : IQ1_DELTA;
      for (let l = 0; l < 4; l++) {
        const g = 8 * (src[o + 2 + 4 * ib + l]! | (((qh >> (3 * l)) & 7) << 8));
        const y = i * 256 + 32 * ib + 8 * l;
        for (let j = 0; j < 8; j++) out[y + j] = dl * (grid[g + j]! + delta);
      }
    }
  }
}

/**
 * block_iq1_m (56 bytes): qs[32], qh[16], scales[8]. No separate f16: the super-block scale's 16 bits
 * are the top nibbles of the four u16 scale words. Each 8 values: 11-bit index (qs + 3 bits of qh,
 * low nibble for the even group, high nibble for the odd), delta sign in bit 3 of that nibble.
 * Two 3-bit scales per 32 elements (bits 6*(ib%2) and +3 of word ib/2). x = d * (2s + 1) * (grid ± 0.125).
 */
export function dequantizeIQ1_M(src: Uint8Array, out: Float32Array, nb: number): void {
  const grid = iqGrids().iq1s;
  const sc = [0, 0, 0, 0];
  for (let i = 0; i < nb; i++) {
    const o = i * 56;
    for (let k = 0; k < 4; k++) sc[k] = src[o + 48 + 2 * k]! | (src[o + 49 + 2 * k]! << 8);
    const dBits = (sc[0]! >> 12) | ((sc[1]! >> 8) & 0x00f0) | ((sc[2]! >> 4) & 0x0f00) | (sc[3]! & 0xf000);
    const d = f16ToF32(dBits);
    for (let ib = 0; ib < 8; ib++) {
      const w = sc[ib >> 1]!;
      const shift = 6 * (ib % 2);
      const dl1 = fr(d * (2 * ((w >> shift) & 7) + 1));
      const dl2 = fr(d * (2 * ((w >> (shift + 3)) & 7) + 1));
      for (let l = 0; l < 4; l++) {
        const h = src[o + 32 + 2 * ib + (l >> 1)]!;
        const nibble = l & 1 ? h >> 4 : h & 0x0f;
        const g = 8 * (src[o + 4 * ib + l]! | ((nibble & 7) << 8));
        const delta = nibble & 8 ? -IQ1_DELTA : IQ1_DELTA;
        const dl = l < 2 ? dl1 : dl2;
        const y = i * 256 + 32 * ib + 8 * l;
        for (let j = 0; j < 8; j++) out[y + j] = dl * (grid[g + j]! + delta);
      }
    }
  }
}

/** block_iq4_nl (18 bytes): f16 d, 16 bytes of nibbles indexing kvalues_iq4nl (low nibbles first). */
export function dequantizeIQ4_NL(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 18;
    const d = f16At(src, o);
    const y = i * 32;
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j]!;
      out[y + j] = d * KVALUES_IQ4NL[q & 0x0f]!;
      out[y + j + 16] = d * KVALUES_IQ4NL[q >> 4]!;
    }
  }
}

/**
 * block_iq4_xs (136 bytes): f16 d, u16 scales_h (2 high bits per 32 elements), scales_l[4] (4 low
 * bits each), qs[128] as IQ4_NL per 32 elements. x = d * (ls - 32) * kvalues_iq4nl[q].
 */
export function dequantizeIQ4_XS(src: Uint8Array, out: Float32Array, nb: number): void {
  for (let i = 0; i < nb; i++) {
    const o = i * 136;
    const d = f16At(src, o);
    const scalesH = src[o + 2]! | (src[o + 3]! << 8);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((src[o + 4 + (ib >> 1)]! >> (4 * (ib % 2))) & 0x0f) | (((scalesH >> (2 * ib)) & 3) << 4);
      const dl = fr(d * (ls - 32));
      const q = o + 8 + 16 * ib;
      const y = i * 256 + 32 * ib;
      for (let j = 0; j < 16; j++) {
        out[y + j] = dl * KVALUES_IQ4NL[src[q + j]! & 0x0f]!;
        out[y + j + 16] = dl * KVALUES_IQ4NL[src[q + j]! >> 4]!;
      }
    }
  }
}
