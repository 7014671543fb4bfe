/**
 * A nested model at one precision as an ordinary GGUF, for engines that do not read nested files
 * (llama.cpp) and for checking ix against them: a matrix read at 4 bits is its base as it is (Q4_0),
 * one read at 8 bits is base + residual decoded to F32 (exactly the weights ix multiplies by).
 */
import { dequantize, type DTypeName, InvalidArgumentError } from '@ix/core';
import { openModel, type GGUFTensorInput } from '../formats/index.js';
import { writeGGUFFile } from './write-file.js';
import { NESTED_KEYS, RESIDUAL_SUFFIX } from './nested-format.js';

/** Write `nested`'s weights as `refined(name)` reads them (true: 8 bits) to `target`. */
export async function writeNestedLevel(nested: string, target: string, refined: (name: string) => boolean): Promise<void> {
  const f = await openModel(nested);
  try {
    if (f.metadata[NESTED_KEYS.version] === undefined) throw new InvalidArgumentError(`${nested} is not nested`);
    const tensors: GGUFTensorInput[] = [];
    for (const [name, e] of f.tensors) {
      if (name.endsWith(RESIDUAL_SUFFIX)) continue;
      const residual = f.tensors.get(name + RESIDUAL_SUFFIX);
      if (!residual || !refined(name)) {
        tensors.push({ name, shape: e.shape, dtype: e.dtype as DTypeName, data: () => e.read() });
        continue;
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      const data = async () => {
        const w = dequantize('Q4_0', await e.read(), count);
        const r = dequantize('Q4_0', await residual.read(), count);
        for (let i = 0; i < count; i++) w[i]! += r[i]!;
        return w;
      };
      tensors.push({ name, shape: e.shape, dtype: 'F32', data });
    }
    const metadata = { ...f.metadata };
    delete metadata[NESTED_KEYS.version];
    delete metadata[NESTED_KEYS.levels];
    await writeGGUFFile(target, { metadata, types: f.metadataTypes, tensors });
  } finally {
    await f.close();
  }
}
