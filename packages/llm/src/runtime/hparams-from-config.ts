import { ModelFormatError } from '@ix/core';
import type { ModelConfig } from '../model-config.js';
import type { DecoderHParams } from './hparams.js';

const DECODERS = ['llama', 'qwen2', 'qwen3'] as const;

/** The decoder graph's view of a model config; refuses what the graph cannot run, saying why. */
export function decoderHParams(c: ModelConfig, file: string): DecoderHParams {
  const arch = c.architecture as DecoderHParams['arch'];
  if (!DECODERS.includes(arch)) {
    throw new ModelFormatError(file, `architecture "${c.architecture}" is not supported yet (supported: ${DECODERS.join(', ')})`);
  }
  if (c.nExperts > 0) throw new ModelFormatError(file, `mixture-of-experts models (${c.nExperts} experts) are not supported by the runtime yet`);
  if (c.ropeType !== 'normal' && c.ropeType !== 'neox') throw new ModelFormatError(file, `rope type "${c.ropeType}" is not supported`);
  if (c.ropeScaling && c.ropeScaling.type !== 'linear' && c.ropeScaling.type !== 'llama3') {
    throw new ModelFormatError(file, `rope scaling "${c.ropeScaling.type}" is not supported yet`);
  }
  if (c.normType !== 'rms' || c.activation !== 'silu') throw new ModelFormatError(file, `${c.normType} norm with ${c.activation} is not a Llama-family decoder`);
  return {
    arch,
    vocabSize: c.vocabSize,
    embedDim: c.hiddenSize,
    ffnDim: c.intermediateSize,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKVHeads: c.nKVHeads,
    headDim: c.headDim,
    ropeDims: c.ropeDims,
    ropeBase: c.ropeTheta,
    ropeMode: c.ropeType,
    // llama3 scaling lives in the rope_freqs tensor; linear scaling divides positions
    ropeFreqScale: c.ropeScaling?.type === 'linear' ? 1 / c.ropeScaling.factor : 1,
    normEps: c.normEps,
    contextLength: c.contextLength,
  };
}
