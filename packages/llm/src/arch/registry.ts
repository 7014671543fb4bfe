import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { Architecture } from './architecture.js';
import { bert, nomicBert } from './bert.js';
import { cohere2, commandR } from './command-r.js';
import { gemma2, gemma3, gemmaEmbedding } from './gemma.js';
import { gemma3n } from './gemma3n.js';
import { gpt2 } from './gpt2.js';
import { gptOss } from './gpt-oss.js';
import { granite } from './granite.js';
import { olmo2 } from './olmo2.js';
import { phi3 } from './phi3.js';
import { starcoder2 } from './starcoder2.js';
import { llama } from './llama.js';
import { mistral } from './mistral.js';
import { mixtral } from './mixtral.js';
import { olmoe } from './olmoe.js';
import { qwen2moe, qwen3moe } from './qwen-moe.js';
import { qwen2 } from './qwen2.js';
import { qwen3 } from './qwen3.js';

/** Every architecture ix runs. Adding one: its file, and a line here. */
export const ARCHITECTURES: readonly Architecture[] = [llama, mistral, mixtral, qwen2, qwen3, qwen2moe, qwen3moe, olmoe, gptOss, gemma2, gemma3, gemma3n, gemmaEmbedding, phi3, olmo2, granite, starcoder2, gpt2, commandR, cohere2, bert, nomicBert];

/**
 * The architecture that runs a model config: by its Hugging Face `architectures[]` class or
 * `model_type` when it came from config.json, else by GGUF `general.architecture`.
 */
export function architectureFor(config: ModelConfig, file: string): Architecture {
  const hf = config.hf;
  const found = hf
    ? (ARCHITECTURES.find((a) => hf.architectures.some((c) => a.hfClasses.includes(c))) ?? ARCHITECTURES.find((a) => a.hfModelTypes.includes(hf.modelType)))
    : ARCHITECTURES.find((a) => a.ggufNames.includes(config.architecture));
  if (found) return found;
  const what = hf ? `Hugging Face model ${hf.architectures.join(', ') || hf.modelType} (model_type "${hf.modelType}")` : `architecture "${config.architecture}"`;
  const supported = hf ? ARCHITECTURES.flatMap((a) => a.hfClasses) : ARCHITECTURES.flatMap((a) => a.ggufNames);
  throw new ModelFormatError(file, `${what} is not supported yet (supported: ${supported.join(', ')})`);
}
