import { llama } from './llama.js';
import type { Architecture } from './architecture.js';
import type { DecoderHParams, DecoderWeights } from './decoder.js';

/**
 * Mistral 7B / Ministral from Hugging Face folders: the Llama graph and tensors (convert_hf_to_gguf
 * writes these models as GGUF `llama`). Mistral 7B v0.1 attends through a sliding window, which the
 * graph does not have yet: the model's context is reported as the window, so the default context
 * stays where full attention equals the windowed one.
 */
export const mistral: Architecture<DecoderHParams, DecoderWeights> = {
  ...llama,
  name: 'mistral',
  ggufNames: [],
  hfClasses: ['MistralForCausalLM'],
  hfModelTypes: ['mistral'],
  hparams(config, file) {
    const hp = llama.hparams(config, file);
    const window = config.extra['sliding_window'];
    if (typeof window === 'number' && window > 0 && window < hp.contextLength) hp.contextLength = window;
    return { ...hp, arch: 'mistral' };
  },
};
