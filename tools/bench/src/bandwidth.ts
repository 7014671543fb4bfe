import { memoryReadBandwidth } from '@ix/backend-cpu-avx';
import { BackendUnavailableError } from '@ix/core';
import { FileSource, readGGUF } from '@ix/llm';

/** The memory's bandwidth as a decode ceiling sees it, and how it was measured. */
export interface Bandwidth {
  bytesPerSecond: number;
  method: string;
}

/**
 * The memory's read bandwidth at `threads` threads: the CPU engine's reader (threads reading one
 * buffer far larger than the caches at once, with the ISA's widest loads, best of 5). Decode reads
 * every weight it uses once per token, so bytesReadPerToken / this is the floor on the time per
 * generated token at that thread count. Where the cpu-avx addon does not load: memcpy in this
 * thread (read + write bytes), a looser figure, said in `method`.
 */
export function measureBandwidth(threads: number): Bandwidth {
  try {
    return { bytesPerSecond: memoryReadBandwidth(threads), method: `read, ${threads} thread${threads > 1 ? 's' : ''}` };
  } catch (e) {
    if (!(e instanceof BackendUnavailableError)) throw e;
    return { bytesPerSecond: memcpyBandwidth(), method: `memcpy read+write, 1 thread (${e.message})` };
  }
}

function memcpyBandwidth(bytes = 512 * 2 ** 20, runs = 5): number {
  const src = Buffer.alloc(bytes, 1);
  const dst = Buffer.alloc(bytes);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    src.copy(dst);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return (2 * bytes) / best;
}

/**
 * The weight bytes one decode step reads from a GGUF file: every tensor once, except the embedding
 * table (one row; all of it when it is also the output matrix) and the experts of a mixture of
 * experts, of which a token reads its share (expert_used_count of expert_count).
 */
export async function bytesReadPerToken(path: string): Promise<number> {
  const source = await FileSource.open(path);
  try {
    const file = await readGGUF(source);
    const arch = String(file.metadata['general.architecture']);
    const nExperts = Number(file.metadata[`${arch}.expert_count`] ?? 0);
    const nUsed = Number(file.metadata[`${arch}.expert_used_count`] ?? 0);
    const tied = !file.tensors.some((t) => t.name === 'output.weight');
    let bytes = 0;
    for (const t of file.tensors) {
      if (t.name === 'token_embd.weight' && !tied) bytes += t.byteLength / t.shape[0]!;
      else if (/_exps\.(weight|bias)$/.test(t.name) && nExperts > 0) bytes += (t.byteLength * nUsed) / nExperts;
      else bytes += t.byteLength;
    }
    return bytes;
  } finally {
    await source.close();
  }
}
