import type { RopeType } from '../../model-config.js';

/** llama.cpp's llama_model_rope_type for the architectures ix knows */
const ROPE_TYPES: Record<string, RopeType> = {
  llama: 'normal',
  qwen2: 'neox',
  qwen2moe: 'neox',
  qwen3: 'neox',
  qwen3moe: 'neox',
  gemma2: 'neox',
  gemma3: 'neox',
  'gemma-embedding': 'neox',
  gemma3n: 'neox',
  phi3: 'neox',
  olmo2: 'neox',
  olmoe: 'neox',
  'gpt-oss': 'neox',
  granite: 'normal',
  starcoder2: 'neox',
  'command-r': 'normal',
  cohere2: 'normal',
  gpt2: 'none',
  bert: 'none',
  'nomic-bert': 'neox',
};

export function ropeTypeOf(architecture: string): RopeType {
  return ROPE_TYPES[architecture] ?? 'unknown';
}
