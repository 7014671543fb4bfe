/**
 * Deterministic weights from a seed and a tensor name: each tensor has its own stream, so a tensor's
 * values do not depend on which other tensors were generated (GGUF and safetensors agree).
 */
export function tensorValues(seed: number, name: string, count: number, kind: 'matrix' | 'embedding' | 'norm' | 'bias' | 'sink' | 'coef' | 'router' | 'headnorm', fanIn: number, first = 0): Float32Array {
  // values first .. first + count - 1 of the tensor: every value takes two draws, so the stream jumps there
  const rng = stream(seed, name, 2 * first);
  const out = new Float32Array(count);
  if (kind === 'norm' || kind === 'headnorm') {
    // around 1, as trained norms are; Gemma 3n's q/k head norms around 0.5: its scores are q·k
    // unscaled, and random heads of unit norms would make every softmax one-hot
    const scale = kind === 'headnorm' ? 0.5 : 1;
    for (let i = 0; i < count; i++) out[i] = scale * (1 + 0.1 * gaussian(rng));
    return out;
  }
  if (kind === 'sink') {
    // gpt-oss's attention sinks: a logit per head beside the scores, which here are a few units
    // (q and k elements ~1.5 after the norm), so a sink around 2 takes a real share of each softmax
    for (let i = 0; i < count; i++) out[i] = 2 + gaussian(rng);
    return out;
  }
  // scaled so activations neither vanish nor explode through the layers and logits are peaked
  // enough for top-1 comparisons to mean something. Gemma 3n's AltUp: mixing coefficients of a
  // few tenths, and a router large enough that its 1/width-scaled input still moves them
  const std = kind === 'embedding' ? 1 : kind === 'bias' ? 0.1 : kind === 'coef' ? 0.1 : kind === 'router' ? 0.25 * Math.sqrt(fanIn) : 1.5 / Math.sqrt(fanIn);
  for (let i = 0; i < count; i++) out[i] = std * gaussian(rng);
  return out;
}

function stream(seed: number, name: string, skip: number): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  // mulberry32's state moves by a constant per draw: `skip` draws on is a multiply away (mod 2^32)
  let a = ((h || 1) + Math.imul(skip % 4294967296, 0x6d2b79f5)) >>> 0;
  // mulberry32
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng: () => number): number {
  // Box-Muller; 1 - u keeps log away from 0
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
