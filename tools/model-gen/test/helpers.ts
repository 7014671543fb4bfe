import { expect } from 'vitest';
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

/** A reranker's HF folder scores (query, documents) exactly as its GGUF does, pair for pair (reference backend) */
export async function expectFolderRerankLikeGGUF(gguf: string, hf: string, query: string, documents: readonly string[]): Promise<void> {
  const fromGGUF = await withModel(gguf, 'reference', (m) => m.rerank(query, documents));
  const fromHF = await withModel(hf, 'reference', async (m) => {
    expect(m.hparams.pooling).toBe('rank');
    expect(m.kind).toBe('reranker');
    return m.rerank(query, documents);
  });
  expect(fromHF.tokens).toEqual(fromGGUF.tokens);
  expect(fromHF.scores).toEqual(fromGGUF.scores);
}
