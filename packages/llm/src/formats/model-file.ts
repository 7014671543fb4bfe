/** The common result of opening any model file: config, metadata, lazy tensors, tokenizer source. */
import type { ModelConfig } from '../model-config.js';
import type { GGUFMetadata, GGUFTypeTag } from './gguf/types.js';
import type { TensorEntry } from './tensor-entry.js';

export type ModelFormat = 'gguf' | 'safetensors' | 'llama2c';

export type TokenizerSource =
  | { kind: 'gguf'; metadata: GGUFMetadata }
  | { kind: 'hf'; tokenizerJson: Record<string, unknown>; tokenizerConfig?: Record<string, unknown> }
  | { kind: 'llama2c'; tokens: string[]; scores: number[] }
  /** an XLM-RoBERTa folder's sentencepiece.bpe.model */
  | { kind: 'xlm-roberta'; sentencePieceModel: Uint8Array };

export interface ModelFile {
  format: ModelFormat;
  path: string;
  config: ModelConfig;
  /** GGUF: the key/value metadata; safetensors: the JSON files read, by file name; llama2.c: the header */
  metadata: Record<string, unknown>;
  /** GGUF only: the stored type of every metadata key (to re-write the file exactly) */
  metadataTypes?: Record<string, GGUFTypeTag>;
  /** by internal (GGUF-style) name, in file order */
  tensors: Map<string, TensorEntry>;
  tokenizerSource?: TokenizerSource;
  close(): Promise<void>;
}
