/**
 * Hugging Face tensor names -> internal (GGUF/llama.cpp) names, following gguf-py's
 * tensor_mapping for the architectures ix reads. MoE expert tensors map to a slot of the merged
 * 3-D `*_exps` tensor that convert_hf_to_gguf builds.
 */
export type HFNameMapping =
  | { kind: 'tensor'; name: string }
  | { kind: 'expert'; name: string; expert: number }
  /** one matrix of a 3-D tensor the converter stacks from a list (Gemma 3n's AltUp projections) */
  | { kind: 'stacked'; name: string; index: number }
  | { kind: 'skip' };

const DECODER_LAYER: [RegExp, string][] = [
  [/^input_layernorm\.(weight|bias)$/, 'attn_norm.$1'],
  [/^post_attention_layernorm\.(weight|bias)$/, 'ffn_norm.$1'],
  [/^self_attn\.q_proj\.(weight|bias)$/, 'attn_q.$1'],
  [/^self_attn\.k_proj\.(weight|bias)$/, 'attn_k.$1'],
  [/^self_attn\.v_proj\.(weight|bias)$/, 'attn_v.$1'],
  [/^self_attn\.o_proj\.(weight|bias)$/, 'attn_output.$1'],
  [/^self_attn\.q_norm\.weight$/, 'attn_q_norm.weight'],
  [/^self_attn\.k_norm\.weight$/, 'attn_k_norm.weight'],
  [/^mlp\.gate_proj\.weight$/, 'ffn_gate.weight'],
  [/^mlp\.up_proj\.weight$/, 'ffn_up.weight'],
  [/^mlp\.down_proj\.weight$/, 'ffn_down.weight'],
  // StarCoder2's ungated MLP
  [/^mlp\.c_fc\.(weight|bias)$/, 'ffn_up.$1'],
  [/^mlp\.c_proj\.(weight|bias)$/, 'ffn_down.$1'],
  // Phi-3 stores Q, K, V as one matrix, and the gate and up projections as another
  [/^self_attn\.qkv_proj\.weight$/, 'attn_qkv.weight'],
  [/^mlp\.gate_up_proj\.weight$/, 'ffn_up.weight'],
  [/^(?:block_sparse_moe|mlp)\.gate\.weight$/, 'ffn_gate_inp.weight'],
  // Qwen2-MoE's shared expert and its gate
  [/^mlp\.shared_expert\.gate_proj\.weight$/, 'ffn_gate_shexp.weight'],
  [/^mlp\.shared_expert\.up_proj\.weight$/, 'ffn_up_shexp.weight'],
  [/^mlp\.shared_expert\.down_proj\.weight$/, 'ffn_down_shexp.weight'],
  [/^mlp\.shared_expert_gate\.weight$/, 'ffn_gate_inp_shexp.weight'],
];

// Gemma 2/3 and OLMo 2 norm each block's output: their post_attention_layernorm is the attention
// output's norm, not the FFN's input norm as in Llama
const POST_NORM_LAYER: [RegExp, string][] = [
  [/^post_attention_layernorm\.weight$/, 'post_attention_norm.weight'],
  [/^pre_feedforward_layernorm\.weight$/, 'ffn_norm.weight'],
  [/^post_feedforward_layernorm\.weight$/, 'post_ffw_norm.weight'],
];

// gpt-oss (its experts' blocks, scales and biases are rearranged by gpt-oss.ts)
const GPT_OSS_LAYER: [RegExp, string][] = [
  [/^self_attn\.sinks$/, 'attn_sinks.weight'],
  [/^mlp\.router\.(weight|bias)$/, 'ffn_gate_inp.$1'],
];

const EXPERTS: [RegExp, string][] = [
  [/^block_sparse_moe\.experts\.(\d+)\.w1\.weight$/, 'ffn_gate_exps.weight'],
  [/^block_sparse_moe\.experts\.(\d+)\.w2\.weight$/, 'ffn_down_exps.weight'],
  [/^block_sparse_moe\.experts\.(\d+)\.w3\.weight$/, 'ffn_up_exps.weight'],
  [/^mlp\.experts\.(\d+)\.gate_proj\.weight$/, 'ffn_gate_exps.weight'],
  [/^mlp\.experts\.(\d+)\.down_proj\.weight$/, 'ffn_down_exps.weight'],
  [/^mlp\.experts\.(\d+)\.up_proj\.weight$/, 'ffn_up_exps.weight'],
];

const BERT_LAYER: [RegExp, string][] = [
  [/^attention\.self\.query\.(weight|bias)$/, 'attn_q.$1'],
  [/^attention\.self\.key\.(weight|bias)$/, 'attn_k.$1'],
  [/^attention\.self\.value\.(weight|bias)$/, 'attn_v.$1'],
  [/^attention\.output\.dense\.(weight|bias)$/, 'attn_output.$1'],
  [/^attention\.output\.LayerNorm\.(weight|bias)$/, 'attn_output_norm.$1'],
  [/^intermediate\.dense\.(weight|bias)$/, 'ffn_up.$1'],
  [/^output\.dense\.(weight|bias)$/, 'ffn_down.$1'],
  [/^output\.LayerNorm\.(weight|bias)$/, 'layer_output_norm.$1'],
];

const BERT_GLOBAL: [RegExp, string][] = [
  [/^embeddings\.word_embeddings\.weight$/, 'token_embd.weight'],
  [/^embeddings\.position_embeddings\.weight$/, 'position_embd.weight'],
  [/^embeddings\.token_type_embeddings\.weight$/, 'token_types.weight'],
  [/^embeddings\.LayerNorm\.(weight|bias)$/, 'token_embd_norm.$1'],
];

function match(rules: [RegExp, string][], name: string): string | undefined {
  for (const [re, out] of rules) if (re.test(name)) return name.replace(re, out);
  return undefined;
}

export function mapHFTensorName(hfName: string, architecture: string): HFNameMapping {
  if (architecture === 'bert') return mapBert(hfName);
  if (architecture === 'gemma3n') return mapGemma3n(hfName);
  if (architecture === 'nomic-bert') return mapNomicBert(hfName);
  if (architecture === 'gpt2') return mapGpt2(hfName);
  // a bare decoder saved without its LM wrapper (Qwen3Model: Qwen3-Embedding) names its weights
  // without the "model." prefix
  if (/^(layers\.\d+\.|embed_tokens\.weight$|norm\.weight$)/.test(hfName)) hfName = `model.${hfName}`;
  const global: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'model.norm.bias': 'output_norm.bias',
    'lm_head.weight': 'output.weight',
  };
  if (global[hfName]) return { kind: 'tensor', name: global[hfName]! };
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  if (!layer) return { kind: 'tensor', name: hfName };
  const [, n, rest] = layer;
  if (rest!.endsWith('rotary_emb.inv_freq')) return { kind: 'skip' };
  for (const [re, out] of EXPERTS) {
    const m = re.exec(rest!);
    if (m) return { kind: 'expert', name: `blk.${n}.${out}`, expert: Number(m[1]) };
  }
  const postNorms = architecture.startsWith('gemma') || architecture === 'olmo2' || architecture === 'gpt-oss';
  const mapped = (postNorms ? match(POST_NORM_LAYER, rest!) : undefined) ?? (architecture === 'gpt-oss' ? match(GPT_OSS_LAYER, rest!) : undefined) ?? match(DECODER_LAYER, rest!);
  return { kind: 'tensor', name: mapped ? `blk.${n}.${mapped}` : hfName };
}

const GPT2_GLOBAL: Record<string, string> = { 'wte.weight': 'token_embd.weight', 'wpe.weight': 'position_embd.weight', 'ln_f.weight': 'output_norm.weight', 'ln_f.bias': 'output_norm.bias' };
const GPT2_LAYER: [RegExp, string][] = [
  [/^ln_1\.(weight|bias)$/, 'attn_norm.$1'],
  [/^attn\.c_attn\.(weight|bias)$/, 'attn_qkv.$1'],
  [/^attn\.c_proj\.(weight|bias)$/, 'attn_output.$1'],
  [/^ln_2\.(weight|bias)$/, 'ffn_norm.$1'],
  [/^mlp\.c_fc\.(weight|bias)$/, 'ffn_up.$1'],
  [/^mlp\.c_proj\.(weight|bias)$/, 'ffn_down.$1'],
];

/** GPT-2 (GPT2LMHeadModel, with or without the "transformer." prefix); its causal-mask buffers are dropped. */
function mapGpt2(hfName: string): HFNameMapping {
  const name = hfName.replace(/^transformer\./, '');
  if (name === 'lm_head.weight') return { kind: 'tensor', name: 'output.weight' };
  if (GPT2_GLOBAL[name]) return { kind: 'tensor', name: GPT2_GLOBAL[name]! };
  const layer = /^h\.(\d+)\.(.+)$/.exec(name);
  if (layer && /^attn\.(masked_)?bias$/.test(layer[2]!)) return { kind: 'skip' };
  const mapped = layer ? match(GPT2_LAYER, layer[2]!) : undefined;
  return { kind: 'tensor', name: mapped ? `blk.${layer![1]}.${mapped}` : hfName };
}

function mapBert(hfName: string): HFNameMapping {
  const name = hfName.replace(/^(bert|roberta)\./, '').replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  // the pre-training heads are dropped; a sequence classifier's head (BertForSequenceClassification:
  // pooler dense + tanh, then the classifier) becomes llama.cpp's cls / cls.output
  if (/^(cls|lm_head)\./.test(name) || name === 'embeddings.position_ids') return { kind: 'skip' };
  // XLMRobertaForSequenceClassification's head is classifier.dense + tanh, then classifier.out_proj
  const head = /^(pooler\.dense|classifier\.dense|classifier|classifier\.out_proj)\.(weight|bias)$/.exec(name);
  if (head) return { kind: 'tensor', name: `${head[1] === 'classifier' || head[1] === 'classifier.out_proj' ? 'cls.output' : 'cls'}.${head[2]}` };
  const g = match(BERT_GLOBAL, name);
  if (g) return { kind: 'tensor', name: g };
  const layer = /^encoder\.layer\.(\d+)\.(.+)$/.exec(name);
  const mapped = layer ? match(BERT_LAYER, layer[2]!) : undefined;
  return { kind: 'tensor', name: mapped ? `blk.${layer![1]}.${mapped}` : hfName };
}

const NOMIC_GLOBAL: [RegExp, string][] = [
  [/^embeddings\.word_embeddings\.weight$/, 'token_embd.weight'],
  [/^embeddings\.token_type_embeddings\.weight$/, 'token_types.weight'],
  [/^emb_ln\.(weight|bias)$/, 'token_embd_norm.$1'],
];
const NOMIC_LAYER: [RegExp, string][] = [
  [/^attn\.Wqkv\.weight$/, 'attn_qkv.weight'],
  [/^attn\.out_proj\.weight$/, 'attn_output.weight'],
  [/^mlp\.fc11\.weight$/, 'ffn_up.weight'],
  [/^mlp\.fc12\.weight$/, 'ffn_gate.weight'],
  [/^mlp\.fc2\.weight$/, 'ffn_down.weight'],
  [/^norm1\.(weight|bias)$/, 'attn_output_norm.$1'],
  [/^norm2\.(weight|bias)$/, 'layer_output_norm.$1'],
];

/** NomicBertModel (fc11 is the up projection, fc12 the SwiGLU gate: y = fc11(x) * silu(fc12(x))) */
function mapNomicBert(hfName: string): HFNameMapping {
  const name = hfName.replace(/^bert\./, '');
  const g = match(NOMIC_GLOBAL, name);
  if (g) return { kind: 'tensor', name: g };
  const layer = /^encoder\.layers\.(\d+)\.(.+)$/.exec(name);
  const mapped = layer ? match(NOMIC_LAYER, layer[2]!) : undefined;
  return { kind: 'tensor', name: mapped ? `blk.${layer![1]}.${mapped}` : hfName };
}

// Gemma 3n's own tensors (under model.language_model.; the rest as a Gemma decoder's)
const GEMMA3N_GLOBAL: Record<string, string> = {
  'model.embed_tokens_per_layer.weight': 'per_layer_token_embd.weight',
  'model.per_layer_model_projection.weight': 'per_layer_model_proj.weight',
  'model.per_layer_projection_norm.weight': 'per_layer_proj_norm.weight',
};
const GEMMA3N_LAYER: [RegExp, string][] = [
  [/^per_layer_input_gate\.weight$/, 'inp_gate.weight'],
  [/^per_layer_projection\.weight$/, 'proj.weight'],
  [/^post_per_layer_input_norm\.weight$/, 'post_norm.weight'],
  [/^altup\.correction_coefs\.weight$/, 'altup_correct_coef.weight'],
  [/^altup\.correct_output_scale$/, 'altup_correct_scale.weight'],
  [/^altup\.prediction_coefs\.weight$/, 'altup_predict_coef.weight'],
  [/^altup\.modality_router\.weight$/, 'altup_router.weight'],
  [/^altup\.router_norm\.weight$/, 'altup_router_norm.weight'],
  [/^laurel\.linear_left\.weight$/, 'laurel_l.weight'],
  [/^laurel\.linear_right\.weight$/, 'laurel_r.weight'],
  [/^laurel\.post_laurel_norm\.weight$/, 'laurel_post_norm.weight'],
];

/** Gemma3nForConditionalGeneration / Gemma3nForCausalLM: the text model; its audio and vision towers are dropped. */
function mapGemma3n(hfName: string): HFNameMapping {
  if (/^model\.(vision_tower|audio_tower|embed_vision|embed_audio)\./.test(hfName)) return { kind: 'skip' };
  const name = hfName.replace(/^model\.language_model\./, 'model.');
  const stacked = /^model\.altup_(unembed_)?projections\.(\d+)\.weight$/.exec(name);
  if (stacked) return { kind: 'stacked', name: stacked[1] ? 'altup_unembd_proj.weight' : 'altup_proj.weight', index: Number(stacked[2]) };
  if (GEMMA3N_GLOBAL[name]) return { kind: 'tensor', name: GEMMA3N_GLOBAL[name]! };
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  const own = layer ? match(GEMMA3N_LAYER, layer[2]!) : undefined;
  if (own) return { kind: 'tensor', name: `blk.${layer![1]}.${own}` };
  return mapHFTensorName(name, 'gemma3');
}
