import { rename, rm } from 'node:fs/promises';
import { FileSink, writeGGUF, type GGUFWriteOptions } from '../formats/index.js';

/**
 * writeGGUF to a file, written beside `target` and renamed when whole: a failed or interrupted run
 * leaves no half file where a model is expected. Returns the bytes written.
 */
export async function writeGGUFFile(target: string, options: GGUFWriteOptions): Promise<number> {
  const partial = `${target}.partial-${process.pid}`;
  try {
    const bytes = await writeGGUF(await FileSink.create(partial), options);
    await rename(partial, target);
    return bytes;
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}
