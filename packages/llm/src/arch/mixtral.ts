import type { Architecture } from './architecture.js';
import type { DecoderHParams, DecoderWeights } from './decoder.js';
import { llama } from './llama.js';

/**
 * Mixtral from Hugging Face folders (MixtralForCausalLM): a Llama whose FFNs are 8 experts, 2 per
 * token, their weights renormalized. Its GGUF files are `llama` (convert_hf_to_gguf writes them so).
 */
export const mixtral: Architecture<DecoderHParams, DecoderWeights> = {
  ...llama,
  name: 'mixtral',
  ggufNames: [],
  hfClasses: ['MixtralForCausalLM'],
  hfModelTypes: ['mixtral'],
  hparams: (config, file) => ({ ...llama.hparams(config, file), arch: 'mixtral' }),
};
