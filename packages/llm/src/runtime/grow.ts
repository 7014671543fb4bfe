type Growable = Float32Array | Float64Array | Int32Array;

/**
 * `a` when it holds at least n elements, else a new array of its kind with room for max(n, twice
 * its length): the buffers reused from step to step (logits, candidates, sampler scratch) grow
 * geometrically and are never reallocated in a steady state. The contents are not kept.
 */
export function atLeast<T extends Growable>(a: T, n: number): T {
  if (a.length >= n) return a;
  const Kind = a.constructor as new (length: number) => T;
  return new Kind(Math.max(n, a.length * 2));
}
