import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dtypeInfo } from '../src/dtype.js';
import { dequantize } from '../src/quant/dequantize.js';
import { quantize } from '../src/quant/quantize.js';

// Golden outputs of ggml itself: the SHA-256 digests below were produced by running the ggml
// library shipped with node-llama-cpp 3.22.1 (@node-llama-cpp/linux-x64, libggml-base.so, ggml v0.5.0) on the
// same inputs this file generates: `ggml_get_type_traits(type)->to_float` (dequantize_row_q8_K for
// Q8_K) for dequantization, and `ggml_quantize_chunk(type, x, y, 0, 1, n, NULL)` (what llama.cpp
// uses to write model files without an importance matrix; quantize_row_q8_1_ref / q8_K_ref for
// the activation-only Q8_1 and Q8_K) for quantization. A small C program linked against that
// library wrote the outputs; matching digests mean ix agrees with ggml bit for bit.
// (ggml has no dequantizer for Q8_1; F32 is a plain copy.)

const DEQUANTIZE_SHA256: Record<string, string> = {
  F16: 'afc64f5b9985b06ee40ca1971459ebbb9662dfad6d51850f33b83ee5fc14be4e',
  Q4_0: '4950f673b0bb3de50a4051f0f31af95af03819b5d394b623ea3ff0526f8d2145',
  Q4_1: '6d6758f7be064f311a4bfd30017836efc2c9a11aff3a4547d80e9a501451025a',
  Q5_0: 'd4255a2b294453a2d096367a4d9d074086a0312daefa2b03a52d5ec0863f067a',
  Q5_1: 'ef317c13350797cecdada34a38cb7fd4fdd4bdc2991824311bb8c691283ff3b4',
  Q8_0: 'c51755a1b79a1af0407827d582c2e49db851b3cdc18497e480c5726a011f1cde',
  Q2_K: '2729a3a58c46f63b08d638677bfa6196857849e2bfd90162ae408a069a01c5fe',
  Q3_K: 'f57c442d1db56d673a181ce86266ccce36c992603205fcef93f167c490c2b916',
  Q4_K: '0c9692c2ab5586a3a40380cc6332689787c9d6d2a366d33697ca12b21dbeca8e',
  Q5_K: '24da6b297f35bd86ab3eb92f5cb39067b5a998d8988a15027ea2c50873128c0f',
  Q6_K: '812520801065b2f80988f26ca75952615e76b8853a022ddeae00950d661b23ed',
  Q8_K: '6338af7cd3ad010bedb3a7377ddcad55126243044efc6c051b42e02c8c65d391',
  IQ2_XXS: 'd89190d73ee4e95105510f737795d4598f1529f4cd032ffc92553b20c4389c9e',
  IQ2_XS: '87b617b5e659392b84160e3722e982f7ab389149b45738e63628800a70869bf4',
  IQ3_XXS: '10324e46e6f5171be4adb44c92a545e0be85509cb2cbebe89b00ab8024790b67',
  IQ1_S: '3076dd235d5da91bc3e3763966ca92662d144d9e9e79e40854562316d854cd99',
  IQ4_NL: '9ee66888624b3aad39290741980b58206994bc61e21ab5e9e1a3f4bc27c6d183',
  IQ3_S: 'bd750047daf6dd5c9e8e9fa6d844652a6ba5b8e2bbb0087a6946793310c1983b',
  IQ2_S: '2ec98632aa096a49b9ca55f91e3b9b26664c5d3a33c6bee599b37ae3c00a8bd1',
  IQ4_XS: '45a2f333180902c319adb06f74cf6cf43a7e4c45bc952d9e9d844b8b386ebc9f',
  IQ1_M: '3cc58b8ae25b86ff277e44addb1286e0dd0ddca9642ac5cabdb7da3d60509037',
  BF16: '9b9a70c62cff696df214f12a94928d2be4b370d0be398ee9c89a4696e7ae1606',
  TQ1_0: '9d6a124392b1a045ca73bf5a5442ee818d17ab9ad2572188fc7a185afef4d458',
  TQ2_0: '12a375533d202aa816660547bcd79fb64f2205335e49b5e47fab2bd177f9ff5c',
  MXFP4: '79a12bef8e30c2b9468070de094250cf1732a72df4599a93156809298ceb16bd',
};

const QUANTIZE_SHA256: Record<string, string> = {
  F16: '211dba0499fc44c63303a54191e8e157b9c67a954076ee11ad579f41b5eb738a',
  Q4_0: '37517c69e00a8800d0fc66f66402d8db17a27927c2da0917c36d66766986779e',
  Q4_1: '187014e906817637bbc72a16ddf9dacc5f1dc5fe023981adcbde33fe02471ac5',
  Q5_0: '3b8d14c6344a1b56560eeaf0bdea04b489a344d172548b8829906fdefab11618',
  Q5_1: '11cdc198dd9b4e282c6238f87e419e3bc5908f4f7a7f7506f08a88e19ecf2675',
  Q8_0: 'b8930ad64c434887d99cf5a0c8a80a68a25b8f6b8ebca75f688278e70e7b43dc',
  Q8_1: 'f030c50465829084f8064c59caec9e021dd06f3fa6ef2a5f18369cce357572fa',
  Q2_K: 'be67faca1522de010101d443a1d8ff2787e7aeb0ce52c9f04192c4879477cdb2',
  Q3_K: 'f5d257b425e9bd3377aa3cd10c645e3dee6085e5d1ab887f935fb2f2358e6ecb',
  Q4_K: '430ef514b4c4d7189d967c51586473c37516ccb1305e323867552887f0953a56',
  Q5_K: '4f96e27304a6eb516f124e677da2df167262db4ebfdfc56aa7625bdb12415877',
  Q6_K: 'ff6f8366fa16ea8880616929aaf9846049414654692087735448145a294b8d5b',
  Q8_K: '5a485680e9c9d7b43cefdd552e42cf4f680ab328d3161b843243d26db29d1cfc',
  IQ4_NL: '8e0dbbf48ccadf0b5222f7496c598b3965b38f968e23d2cb468b9df86f0c208c',
  IQ4_XS: '042f37399b448dd0718c6695d3f7a83d59aa7334fa26c10e3fdd02903cb7a3dd',
  BF16: '4a86b31450456e868c9d2e00c758faa58a009d3a7f7e8707b5f48af50ae96172',
  TQ1_0: 'd225cd585d725a5bce10d16a64529ca948d41a34ad48dffb51d9d1dd461f75b0',
  TQ2_0: '4e1431a53a4c56cc2e06b714b4ea4de54eafb8f9120b3b7a693c23b5483d723f',
  MXFP4: '94e919ed4e5cb24588d1cd92f57838ba63fea2d0103a8ae58815372b43955e4a',
};

/** xorshift32 stream of uint32 */
function stream(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/** Random block bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const next = stream(seed);
  return Uint8Array.from({ length: n }, () => next() & 0xff);
}

/**
 * Exactly representable, roughly normal test data: sums of four 12-bit uniforms, a power-of-two
 * scale per 256 values, occasional outliers and zero runs.
 */
function testData(n: number, seed: number): Float32Array {
  const next = stream(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v += (next() >>> 20) - 2048;
    const block = i >> 8;
    v *= 2 ** ((block % 7) * 2 - 20);
    const r = next() & 255;
    if (r === 0) v *= 16;
    if ((block % 5 === 3 && (i & 63) < 24) || block % 11 === 10) v = 0;
    x[i] = v;
  }
  return x;
}

/** sha256 of float32 output with every NaN written as 0x7fc00000. */
function hashFloats(y: Float32Array): string {
  const bits = new Uint32Array(Float32Array.from(y).buffer);
  for (let i = 0; i < y.length; i++) if (Number.isNaN(y[i])) bits[i] = 0x7fc00000;
  return createHash('sha256').update(new Uint8Array(bits.buffer)).digest('hex');
}

const hashBytes = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('bit-exact agreement with ggml', () => {
  it.each(Object.keys(DEQUANTIZE_SHA256))('dequantize %s of random blocks matches ggml', (type) => {
    const { blockSize, typeSize, id } = dtypeInfo(type);
    const count = blockSize === 1 ? 1024 : blockSize === 32 ? 64 * 32 : 8 * 256;
    const src = randomBytes((count / blockSize) * typeSize, id + 1);
    expect(hashFloats(dequantize(type, src, count))).toBe(DEQUANTIZE_SHA256[type]);
  });

  it.each(Object.keys(QUANTIZE_SHA256))('quantize %s writes the same bytes as ggml', (type) => {
    expect(hashBytes(quantize(type, testData(16 * 256, 2024)))).toBe(QUANTIZE_SHA256[type]);
  });
});
