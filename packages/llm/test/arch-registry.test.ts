import { describe, expect, it } from 'vitest';
import { ModelFormatError, ReferenceBackend, Tensor } from '@ix/core';
import { ARCHITECTURES, architectureFor, bert, decoderHParams, gemma2, gemma3, gptOss, granite, llama, loadWeights, mistral, mixtral, olmoe, phi3, qwen2, qwen2moe, qwen3, qwen3moe } from '../src/arch/index.js';
import { configFromGGUF } from '../src/formats/config/gguf-config.js';
import { configFromHF } from '../src/formats/config/hf-config.js';
import { mapHFTensorName } from '../src/formats/safetensors/hf-names.js';
import type { ModelFile } from '../src/formats/index.js';
import type { GGUFValue } from '../src/formats/gguf/types.js';

const hfConfig = (extra: Record<string, unknown>) =>
  configFromHF({ hidden_size: 64, num_attention_heads: 4, intermediate_size: 128, num_hidden_layers: 2, vocab_size: 100, max_position_embeddings: 8192, ...extra }, 'config.json');

const ggufConfig = (arch: string, extra: Record<string, GGUFValue> = {}) =>
  configFromGGUF(
    {
      'general.architecture': arch,
      [`${arch}.embedding_length`]: 64,
      [`${arch}.attention.head_count`]: 4,
      [`${arch}.block_count`]: 2,
      [`${arch}.context_length`]: 512,
      [`${arch}.attention.layer_norm_rms_epsilon`]: 1e-5,
      [`${arch}.vocab_size`]: 100,
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${arch}.${k}`, v])),
    },
    new Map(),
    'model.gguf',
  );

describe('architecture registry', () => {
  it('finds a GGUF model by general.architecture', () => {
    expect(architectureFor(ggufConfig('llama'), 'm.gguf')).toBe(llama);
    expect(architectureFor(ggufConfig('qwen2'), 'm.gguf')).toBe(qwen2);
    expect(architectureFor(ggufConfig('qwen3'), 'm.gguf')).toBe(qwen3);
  });

  it('finds a Hugging Face model by its architectures[] class, else by model_type', () => {
    expect(architectureFor(hfConfig({ model_type: 'mistral', architectures: ['MistralForCausalLM'] }), 'c')).toBe(mistral);
    expect(architectureFor(hfConfig({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }), 'c')).toBe(llama);
    expect(architectureFor(hfConfig({ model_type: 'qwen2' }), 'c')).toBe(qwen2);
    expect(architectureFor(hfConfig({ model_type: 'qwen3', architectures: [] }), 'c')).toBe(qwen3);
    expect(architectureFor(hfConfig({ model_type: 'bert', architectures: ['BertModel'] }), 'c')).toBe(bert);
    expect(architectureFor(hfConfig({ model_type: 'gpt_oss', architectures: ['GptOssForCausalLM'], num_local_experts: 4, num_experts_per_tok: 2 }), 'c')).toBe(gptOss);
  });

  it('an architecture it cannot run is a ModelFormatError naming the ones it can', () => {
    const gguf = () => architectureFor({ ...ggufConfig('llama'), architecture: 'deepseek2' }, 'g.gguf');
    expect(gguf).toThrow(ModelFormatError);
    expect(gguf).toThrow('architecture "deepseek2" is not supported yet (supported: llama, qwen2, qwen3, qwen2moe, qwen3moe, olmoe, gpt-oss, gemma2, gemma3, gemma3n, gemma-embedding, phi3, olmo2, granite, starcoder2, gpt2, command-r, cohere2, bert, nomic-bert)');
    const hf = () => architectureFor(hfConfig({ model_type: 'deepseek_v2', architectures: ['DeepseekV2ForCausalLM'], num_local_experts: 4 }), 'c');
    expect(hf).toThrow('model_type "deepseek_v2" is not supported');
  });

  it('the names are unique across architectures', () => {
    for (const key of ['ggufNames', 'hfClasses', 'hfModelTypes'] as const) {
      const all = ARCHITECTURES.flatMap((a) => a[key]);
      expect(new Set(all).size, key).toBe(all.length);
    }
  });

  it.each(ARCHITECTURES.filter((a) => a.hfModelTypes.length > 0).map((a) => [a.name, a] as const))('%s: each Hugging Face tensor name converts to its GGUF name (as convert_hf_to_gguf renames it)', (_, arch) => {
    const { global, layer } = arch.tensors;
    for (const spec of Object.values(global)) {
      // computed from config.json by the folder reader, not stored
      if (spec.gguf === 'rope_freqs.weight') continue;
      // a folder's config names the GGUF architecture it converts to (Mistral's: llama)
      const ggufArch = arch.ggufNames[0] ?? 'llama';
      // lists stacked into one 3-D tensor (Gemma 3n's AltUp projections): each k is a slot of it
      if (spec.hf.includes('{k}')) for (const k of [0, 1, 2]) expect(mapHFTensorName(spec.hf.replace('{k}', String(k)), ggufArch)).toEqual({ kind: 'stacked', name: spec.gguf, index: k });
      else expect(mapHFTensorName(spec.hf, ggufArch)).toEqual({ kind: 'tensor', name: spec.gguf });
    }
    for (const spec of Object.values(layer)) {
      // expert tensors are stacked from per-expert ones (see the mixture-of-experts test below)
      if (spec.gguf.includes('_exps.')) continue;
      // a split tensor's HF name is its fused source's: it converts to the fused GGUF name
      const fused = spec.split ? spec.gguf.replace(/attn_[qkv]\./, 'attn_qkv.') : spec.gguf;
      expect(mapHFTensorName(spec.hf.replace('{n}', '7'), arch.ggufNames[0] ?? 'llama')).toEqual({ kind: 'tensor', name: fused.replace('{n}', '7') });
    }
  });

  it('mistral: the context is the sliding window where there is one, as the graph has none', () => {
    expect(mistral.hparams(hfConfig({ model_type: 'mistral', sliding_window: 4096 }), 'c')).toMatchObject({ arch: 'mistral', contextLength: 4096 });
    expect(mistral.hparams(hfConfig({ model_type: 'mistral', sliding_window: null }), 'c').contextLength).toBe(8192);
  });

  it('the architecture says how it rotates: a config saying otherwise is refused, one that does not know is fine', () => {
    expect(() => qwen2.hparams(ggufConfig('llama'), 'm.gguf')).toThrow('qwen2 rotates with neox rope, the config says "normal"');
    expect(() => qwen3.hparams(ggufConfig('llama'), 'm.gguf')).toThrow('qwen3 rotates with neox rope, the config says "normal"');
    expect(() => llama.hparams(ggufConfig('qwen2'), 'm.gguf')).toThrow('llama rotates with normal rope, the config says "neox"');
    // a GGUF architecture the file readers have never heard of: its file in arch/ decides
    const unknown = ggufConfig('exaone');
    expect(unknown.ropeType).toBe('unknown');
    expect(decoderHParams('exaone', unknown, 'm.gguf', 'neox')).toMatchObject({ arch: 'exaone', ropeMode: 'neox', nLayers: 2, headDim: 16 });
  });

  it('gemma2 from GGUF: llama.cpp defaults (window 4096 on even layers, √width embedding scale, 1/√headDim queries except 27B)', () => {
    const hp = gemma2.hparams(ggufConfig('gemma2', { block_count: 4, 'attention.key_length': 32, attn_logit_softcapping: 50, final_logit_softcapping: 30 }), 'g.gguf');
    expect(hp).toMatchObject({ ropeMode: 'neox', ffn: 'geglu', embedScale: 8, attnScale: 1 / Math.sqrt(32), attnSoftcap: 50, finalSoftcap: 30 });
    expect(hp.slidingWindow).toEqual({ size: 4096, layers: [true, false, true, false], ropeBase: 10000, ropeFreqScale: 1 });
    // the 27B (46 layers) scales queries by 1/√(width / heads) = 1/√16
    expect(gemma2.hparams(ggufConfig('gemma2', { block_count: 46, 'attention.key_length': 32 }), 'g.gguf').attnScale).toBe(0.25);
  });

  it('gemma3 from GGUF: no sliding layers without a window; with one, five of each six slide on rope base 10000, unscaled', () => {
    expect(gemma3.hparams(ggufConfig('gemma3'), 'g.gguf').slidingWindow).toBeUndefined();
    const hp = gemma3.hparams(ggufConfig('gemma3', { block_count: 8, 'attention.sliding_window': 512, 'rope.freq_base': 1e6, 'rope.scaling.type': 'linear', 'rope.scaling.factor': 8 }), 'g.gguf');
    expect(hp).toMatchObject({ ropeBase: 1e6, ropeFreqScale: 0.125 });
    expect(hp.slidingWindow).toEqual({ size: 512, layers: [true, true, true, true, true, false, true, true], ropeBase: 10000, ropeFreqScale: 1 });
    // a per-layer pattern in the file wins
    const listed = gemma3.hparams(ggufConfig('gemma3', { 'attention.sliding_window': 16, 'attention.sliding_window_pattern': [false, true] }), 'g.gguf');
    expect(listed.slidingWindow?.layers).toEqual([false, true]);
  });

  it('gemma from Hugging Face configs: query_pre_attn_scalar, soft-caps, layer_types, rope_local_base_freq, tied by default', () => {
    const g2 = hfConfig({ model_type: 'gemma2', architectures: ['Gemma2ForCausalLM'], head_dim: 32, query_pre_attn_scalar: 144, sliding_window: 4096, attn_logit_softcapping: 50, final_logit_softcapping: 30, hidden_activation: 'gelu_pytorch_tanh' });
    expect(architectureFor(g2, 'c')).toBe(gemma2);
    expect(g2.tiedEmbeddings).toBe(true);
    expect(gemma2.hparams(g2, 'c')).toMatchObject({ attnScale: 1 / 12, attnSoftcap: 50, finalSoftcap: 30, slidingWindow: { size: 4096, layers: [true, false] } });
    const g3 = hfConfig({ model_type: 'gemma3_text', architectures: ['Gemma3ForCausalLM'], sliding_window: 512, layer_types: ['full_attention', 'sliding_attention'], rope_local_base_freq: 20000, rope_theta: 1e6, final_logit_softcapping: null });
    expect(architectureFor(g3, 'c')).toBe(gemma3);
    const hp = gemma3.hparams(g3, 'c');
    expect(hp.finalSoftcap).toBeUndefined();
    expect(hp.slidingWindow).toEqual({ size: 512, layers: [false, true], ropeBase: 20000, ropeFreqScale: 1 });
    expect(() => hfConfig({ model_type: 'gemma2', hidden_activation: 'relu' })).toThrow('hidden_activation "relu"');
  });

  it("phi3: LongRoPE from config.json (factor lists, convert_hf_to_gguf's magnitude) and from GGUF (factor tensors, attn_factor)", () => {
    // head dim 16: 8 factors per list; 8192 positions over an original 2048: scale 4
    const long = [1, 1.5, 2, 3, 4, 6, 8, 12], short = [1, 1, 1, 1.1, 1.2, 1.3, 1.4, 1.5];
    const hf = hfConfig({ model_type: 'phi3', original_max_position_embeddings: 2048, rope_scaling: { rope_type: 'longrope', long_factor: long, short_factor: short } });
    expect(hf.ropeScaling).toEqual({ type: 'longrope', originalContextLength: 2048, attentionFactor: Math.fround(Math.sqrt(1 + Math.log(4) / Math.log(2048))), longFactors: long, shortFactors: short });
    const hp = phi3.hparams(hf, 'c');
    expect(hp.ropeLongAfter).toBe(2048);
    expect(hp.ropeYarn).toEqual({ extFactor: 0, attnFactor: hf.ropeScaling!.type === 'longrope' ? hf.ropeScaling!.attentionFactor : 0, corrDims: [0, 0] });
    expect(() => hfConfig({ model_type: 'phi3', original_max_position_embeddings: 2048, rope_scaling: { rope_type: 'longrope', long_factor: [1], short_factor: short } })).toThrow('long_factor must be 8 positive numbers');
    expect(() => hfConfig({ model_type: 'phi3', rope_scaling: { rope_type: 'longrope', long_factor: long, short_factor: short } })).toThrow('original_max_position_embeddings');
    const gguf = configFromGGUF(
      { 'general.architecture': 'phi3', 'phi3.embedding_length': 64, 'phi3.attention.head_count': 4, 'phi3.block_count': 1, 'phi3.context_length': 131072, 'phi3.attention.layer_norm_rms_epsilon': 1e-5, 'phi3.rope.scaling.original_context_length': 4096, 'phi3.rope.scaling.attn_factor': 1.19 },
      new Map([['rope_factors_long.weight', { shape: [8] }]]),
      'p.gguf',
    );
    expect(gguf.ropeScaling).toEqual({ type: 'longrope', originalContextLength: 4096, attentionFactor: 1.19 });
    expect(phi3.hparams(gguf, 'p.gguf').ropeLongAfter).toBe(4096);
  });

  it('granite: the multipliers from GGUF keys and from config.json (stored as f32, as the converter does)', () => {
    const fromGGUF = granite.hparams(ggufConfig('granite', { 'attention.scale': 0.015625, embedding_scale: 12, residual_scale: 0.22, logit_scale: 8 }), 'g.gguf');
    // (a real file holds f32 values; these metadata are plain numbers)
    expect(fromGGUF).toMatchObject({ attnScale: 0.015625, embedScale: 12, residualScale: 0.22, logitScale: 1 / 8, ropeMode: 'normal' });
    const fromHF = granite.hparams(hfConfig({ model_type: 'granite', attention_multiplier: 0.015625, embedding_multiplier: 12, residual_multiplier: 0.22, logits_scaling: 8 }), 'c');
    expect(fromHF).toMatchObject({ attnScale: 0.015625, embedScale: 12, residualScale: Math.fround(0.22), logitScale: 1 / 8 });
  });

  it('mixture of experts: dense architectures refuse expert configs; expert ones check the counts and follow llama.cpp\'s weighting rule', () => {
    expect(() => qwen3.hparams({ ...ggufConfig('qwen3'), ropeType: 'neox', nExperts: 8, nExpertsUsed: 2 }, 'm.gguf')).toThrow('qwen3: mixture-of-experts layers (8 experts) are not part of this architecture');
    expect(() => llama.hparams({ ...ggufConfig('llama'), nExperts: 8, nExpertsUsed: 9 }, 'm.gguf')).toThrow('the model has 8 experts but says each token uses 9');
    const mixtralHp = llama.hparams({ ...ggufConfig('llama'), nExperts: 8, nExpertsUsed: 2, expertIntermediateSize: 96 }, 'm.gguf');
    expect(mixtralHp.moe).toEqual({ nExperts: 8, nUsed: 2, ffnDim: 96, normWeights: true });
    expect(Object.keys(llama.tensorsFor!(mixtralHp).layer)).toEqual(expect.arrayContaining(['ffnGateInp', 'ffnGateExps', 'ffnUpExps', 'ffnDownExps']));
    expect(Object.keys(llama.tensorsFor!(mixtralHp).layer)).not.toContain('wUp');
    expect(qwen2moe.hparams({ ...ggufConfig('qwen2moe'), ropeType: 'neox', nExperts: 60, nExpertsUsed: 4, expertIntermediateSize: 1408 }, 'm.gguf').moe?.normWeights).toBe(false);
    expect(qwen3moe.hparams(hfConfig({ model_type: 'qwen3_moe', num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 768, norm_topk_prob: false }), 'c').moe).toEqual({ nExperts: 128, nUsed: 8, ffnDim: 768, normWeights: false });
  });

  it('mixture of experts: per-expert Hugging Face tensors map to a slot of the stacked GGUF tensor the table names', () => {
    const cases = [
      [qwen3moe, 'model.layers.7.mlp.experts.5.gate_proj.weight', 'ffnGateExps'],
      [olmoe, 'model.layers.7.mlp.experts.5.down_proj.weight', 'ffnDownExps'],
      [mixtral, 'model.layers.7.block_sparse_moe.experts.5.w3.weight', 'ffnUpExps'],
    ] as const;
    for (const [arch, hf, field] of cases) {
      const table = arch.tensorsFor?.({ moe: {} } as never) ?? arch.tensors;
      expect(mapHFTensorName(hf, arch.ggufNames[0] ?? 'llama')).toEqual({ kind: 'expert', name: table.layer[field]!.gguf.replace('{n}', '7'), expert: 5 });
    }
  });
});

describe('loadWeights', () => {
  const backend = new ReferenceBackend();
  // a ModelFile with only the tensors named (1-element F32 each): enough to see what the loader asks for
  const fileWith = (names: string[]): ModelFile =>
    ({
      path: 'test.gguf',
      tensors: new Map(names.map((name) => [name, { name, shape: [1], dtype: 'F32', byteLength: 4, read: async () => new Uint8Array(4) }])),
    }) as unknown as ModelFile;
  const named = (table: Record<string, { gguf: string }>, layers: number) => [
    ...Object.values(qwen2.tensors.global).map((s) => s.gguf),
    ...Array.from({ length: layers }, (_, l) => Object.values(table).map((s) => s.gguf.replace('{n}', String(l)))).flat(),
  ];

  it('fills a field per table entry and a layer per block; a tied output is the embedding table', async () => {
    const names = named(qwen2.tensors.layer, 2).filter((n) => n !== 'output.weight' && n !== 'rope_freqs.weight');
    const w = await loadWeights<{ tokenEmbd: Tensor; output: Tensor; ropeFreqs?: Tensor; layers: Record<string, Tensor>[] }>(fileWith(names), qwen2.tensors, 2, 'qwen2', backend);
    expect(w.output).toBe(w.tokenEmbd);
    expect(w.ropeFreqs).toBeUndefined();
    expect(w.layers).toHaveLength(2);
    expect(w.layers[1]!.bq!.name).toBe('blk.1.attn_q.bias');
  });

  it('a missing required tensor names it in GGUF and Hugging Face terms', async () => {
    const names = named(qwen2.tensors.layer, 2).filter((n) => n !== 'blk.1.attn_k.bias');
    await expect(loadWeights(fileWith(names), qwen2.tensors, 2, 'qwen2', backend)).rejects.toThrow(
      'missing tensor "blk.1.attn_k.bias" (Hugging Face "model.layers.1.self_attn.k_proj.bias") needed by the qwen2 graph',
    );
    // llama reads the same biases when a file has them, and does without
    await expect(loadWeights(fileWith(names), llama.tensors, 2, 'llama', backend)).resolves.toBeDefined();
  });

  it('takes a tensor by its Hugging Face name when the folder reader had no GGUF name for it', async () => {
    const names = named(qwen2.tensors.layer, 1).map((n) => (n === 'blk.0.attn_v.bias' ? 'model.layers.0.self_attn.v_proj.bias' : n));
    const w = await loadWeights<{ layers: Record<string, Tensor>[] }>(fileWith(names), qwen2.tensors, 1, 'qwen2', backend);
    expect(w.layers[0]!.bv!.name).toBe('model.layers.0.self_attn.v_proj.bias');
  });
});
