// Weight decoding for the buffer W (declared by the includer). Units of `rb` (a row's start) and of
// W offsets: elements for F32/F16, bytes for quantized types.
// Quantized rows are read in chunks of 16 elements sharing one scale: value = d * q(l) + m.

float halfAtByte(uint b) { return HALFAT(W, b >> 1); }  // b is even: blocks start at even bytes
float i8(uint v) { return float(int(v << 24) >> 24); }

#if defined(W_F32)
float wElem(uint rb, uint k) { return F32AT(W, rb + k); }
uint wRowUnits(uint K) { return K; }
#elif defined(W_F16)
float wElem(uint rb, uint k) { return HALFAT(W, rb + k); }
uint wRowUnits(uint K) { return K; }
#else
#define QUANTIZED 1

#if defined(W_Q8_0)
// block of 32: d (f16), 32 x int8
uint wRowUnits(uint K) { return K / 32u * 34u; }
void chunkParams(uint rb, uint c, out float d, out float m) {
  d = halfAtByte(rb + (c >> 1) * 34u);
  m = 0.0;
}
float chunkQ(uint rb, uint c, uint l) { return i8(BYTEAT(W, rb + (c >> 1) * 34u + 2u + (c & 1u) * 16u + l)); }

#elif defined(W_Q4_0)
// block of 32: d (f16), 16 bytes; element j < 16 is the low nibble of byte j, j >= 16 the high nibble of byte j-16
uint wRowUnits(uint K) { return K / 32u * 18u; }
void chunkParams(uint rb, uint c, out float d, out float m) {
  d = halfAtByte(rb + (c >> 1) * 18u);
  m = 0.0;
}
float chunkQ(uint rb, uint c, uint l) {
  return float(int((BYTEAT(W, rb + (c >> 1) * 18u + 2u + l) >> ((c & 1u) * 4u)) & 0xFu) - 8);
}

#elif defined(W_Q4_K)
// super-block of 256: d, dmin (f16), 12 bytes of 6-bit scales/mins for 8 sub-blocks of 32, 128 bytes of nibbles
// (each 64 elements: 32 bytes, low nibbles first, then high nibbles)
#define HAS_MIN 1
uint wRowUnits(uint K) { return K / 256u * 144u; }
void chunkParams(uint rb, uint c, out float d, out float m) {
  const uint blk = rb + (c >> 4) * 144u;
  const uint s = (c & 15u) >> 1;
  uint sc, mn;
  if (s < 4u) {
    sc = BYTEAT(W, blk + 4u + s) & 63u;
    mn = BYTEAT(W, blk + 8u + s) & 63u;
  } else {
    sc = (BYTEAT(W, blk + 8u + s) & 0xFu) | ((BYTEAT(W, blk + s) >> 6) << 4);
    mn = (BYTEAT(W, blk + 8u + s) >> 4) | ((BYTEAT(W, blk + 4u + s) >> 6) << 4);
  }
  d = halfAtByte(blk) * float(sc);
  m = -(halfAtByte(blk + 2u) * float(mn));
}
float chunkQ(uint rb, uint c, uint l) {
  const uint e = (c & 15u) * 16u + l;
  const uint r = e & 63u;
  return float((BYTEAT(W, rb + (c >> 4) * 144u + 16u + (e >> 6) * 32u + (r & 31u)) >> ((r >> 5) * 4u)) & 0xFu);
}

#elif defined(W_Q6_K)
// super-block of 256: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8, one per 16), d (f16)
uint wRowUnits(uint K) { return K / 256u * 210u; }
void chunkParams(uint rb, uint c, out float d, out float m) {
  const uint blk = rb + (c >> 4) * 210u;
  const uint e0 = (c & 15u) * 16u;
  const uint h = e0 >> 7, q4 = (e0 & 127u) >> 5, l0 = e0 & 31u;
  d = halfAtByte(blk + 208u) * i8(BYTEAT(W, blk + 192u + h * 8u + (l0 >> 4) + 2u * q4));
  m = 0.0;
}
float chunkQ(uint rb, uint c, uint l) {
  const uint blk = rb + (c >> 4) * 210u;
  const uint e0 = (c & 15u) * 16u;
  const uint h = e0 >> 7, q4 = (e0 & 127u) >> 5, ll = (e0 & 31u) + l;
  const uint lo = (BYTEAT(W, blk + h * 64u + (q4 & 1u) * 32u + ll) >> ((q4 >> 1) * 4u)) & 0xFu;
  const uint hi = (BYTEAT(W, blk + 128u + h * 32u + ll) >> (2u * q4)) & 3u;
  return float(int(lo | (hi << 4)) - 32);
}
#else
#error "define one of W_F32, W_F16, W_Q8_0, W_Q4_0, W_Q4_K, W_Q6_K"
#endif

float wElem(uint rb, uint k) {
  float d, m;
  chunkParams(rb, k >> 4, d, m);
  return d * chunkQ(rb, k >> 4, k & 15u) + m;
}
#endif
