import { loadModel, type Model } from '@ix/llm';

/** cosine similarity of two vectors */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** largest absolute difference of two vectors */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** `f` on the model at `path` (on `backend`), disposed afterwards */
export async function withModel<T>(path: string, backend: string | undefined, f: (m: Model) => Promise<T>): Promise<T> {
  const m = await loadModel(path, { backend });
  try {
    return await f(m);
  } finally {
    await m.dispose();
  }
}
