/**
 * Qwen3-Reranker from a Hugging Face folder, made what convert_hf_to_gguf's Qwen3Model makes of it:
 * a Qwen3ForCausalLM whose README (or name) says Qwen3-Reranker is a reranker ("rank" pooling); its
 * head is the LM head's rows of "yes" and "no" (cls.output, [2, width]; the full LM head is dropped
 * unless the embeddings are tied to it), and its rerank prompt is the template the converter writes.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../../model-config.js';
import type { TensorEntry } from '../tensor-entry.js';
import { rowsById } from '../transforms.js';

/** the rerank template convert_hf_to_gguf writes for Qwen3-Reranker ({query}, {document}) */
export const QWEN3_RERANK_TEMPLATE =
  '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n' +
  '<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: {query}\n<Document>: {document}<|im_end|>\n' +
  '<|im_start|>assistant\n<think>\n\n</think>\n\n';

/** The converter's test: a "# Qwen3-Reranker" README heading, the name, or a sequence-classification class */
export async function isQwen3Reranker(dir: string, config: ModelConfig, configJson: Record<string, unknown>): Promise<boolean> {
  if (config.hf?.modelType !== 'qwen3') return false;
  const readme = (await fs.readFile(path.join(dir, 'README.md'), 'utf8').catch(() => '')).toLowerCase();
  if (readme.includes('# qwen3-reranker')) return true;
  const hints = [path.basename(path.resolve(dir)), String(configJson['_name_or_path'] ?? ''), config.hf.architectures[0] ?? ''].map((h) => h.toLowerCase());
  return hints.some((h) => h.includes('qwen3-reranker')) || (config.hf.architectures[0] ?? '').toLowerCase().includes('sequenceclassification');
}

/** cls.output from the head's "yes" and "no" rows (in that order), as the converter stacks them */
export function qwen3RerankerHead(tensors: Map<string, TensorEntry>, config: ModelConfig, vocab: ReadonlyMap<string, number>, dir: string): void {
  const [yes, no] = [vocab.get('yes'), vocab.get('no')];
  if (yes === undefined || no === undefined) throw new ModelFormatError(dir, 'a Qwen3-Reranker needs "yes" and "no" tokens in its vocabulary');
  const headName = config.tiedEmbeddings ? 'token_embd.weight' : 'output.weight';
  const head = tensors.get(headName);
  if (!head) throw new ModelFormatError(dir, `a Qwen3-Reranker needs its LM head (${headName})`);
  tensors.set('cls.output.weight', rowsById(head, [yes, no], 'cls.output.weight'));
  if (!config.tiedEmbeddings) tensors.delete('output.weight');
}
