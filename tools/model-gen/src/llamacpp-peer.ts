import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';

/**
 * llama.cpp (through node-llama-cpp's prebuilt CPU binaries) as the independent peer: the same
 * GGUF file evaluated by llama.cpp, for logits comparisons. Never downloads or builds anything.
 */
let llama: Promise<Llama> | undefined;

function cpuLlama(): Promise<Llama> {
  llama ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  return llama;
}

export interface PeerModel {
  /** logits after each of `tokens`, for the positions listed in `at` (default: the last) */
  logits(tokens: readonly number[], at?: readonly number[]): Promise<Float32Array[]>;
  tokenize(text: string, special?: boolean): number[];
  model: LlamaModel;
  dispose(): Promise<void>;
}

/**
 * `flashAttention` picks llama.cpp's attention path (default: its own choice, flash attention on the
 * CPU): the two round differently (its flash attention sums the values in f16), which bounds how
 * close any other engine can be expected to come
 */
export async function openPeer(modelPath: string, options: { threads?: number; contextSize?: number; vocabSize?: number; flashAttention?: boolean } = {}): Promise<PeerModel> {
  const l = await cpuLlama();
  const model = await l.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize: options.contextSize ?? 512,
    threads: options.threads ?? 2,
    batchSize: options.contextSize ?? 512,
    ...(options.flashAttention !== undefined && { flashAttention: options.flashAttention }),
  });
  const sequence = context.getSequence();
  return {
    model,
    tokenize: (text, special = false) => [...model.tokenize(text, special)].map(Number),
    async logits(tokens, at = [tokens.length - 1]) {
      await sequence.clearHistory();
      const want = new Set(at);
      const input = tokens.map((t, i) => (want.has(i) ? ([t, { generateNext: { logits: true } }] as const) : t));
      const res = await sequence.controlledEvaluate(input as never);
      return at.map((i) => {
        const r = res[i] as { next?: { logits?: Map<number, number> } } | undefined;
        const m = r?.next?.logits;
        if (!m) throw new Error(`llama.cpp returned no logits for position ${i}`);
        const out = new Float32Array(options.vocabSize ?? [...m.keys()].reduce((a, b) => Math.max(a, b), 0) + 1);
        for (const [tok, v] of m) out[tok] = v;
        return out;
      });
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

export interface EmbeddingPeer {
  /**
   * llama.cpp's pooled embedding (the model's pooling type) of a text, as node-llama-cpp tokenizes
   * it, or of tokens given as they are
   */
  embed(input: string | readonly number[]): Promise<number[]>;
  tokenize(text: string): number[];
  dispose(): Promise<void>;
}

export async function openEmbeddingPeer(modelPath: string, options: { threads?: number; contextSize?: number } = {}): Promise<EmbeddingPeer> {
  const l = await cpuLlama();
  const model = await l.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createEmbeddingContext({ contextSize: options.contextSize ?? 128, threads: options.threads ?? 2 });
  return {
    embed: async (input) => [...(await context.getEmbeddingFor(typeof input === 'string' ? input : ([...input] as never))).vector],
    tokenize: (text) => [...model.tokenize(text, false)].map(Number),
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

export interface RankingPeer {
  /**
   * llama.cpp's relevance (sigmoid of the classifier's output) of a document to a query, given as
   * tokens: node-llama-cpp frames them as [BOS] query [EOS] [SEP] document [EOS], the tokens a
   * vocabulary without an EOS leaves out
   */
  rank(query: readonly number[], document: readonly number[]): Promise<number>;
  /** llama.cpp's tokens of a text (special tokens parsed when asked) */
  tokenize(text: string, special?: boolean): number[];
  dispose(): Promise<void>;
}

/**
 * `template` replaces node-llama-cpp's framing ("{{query}}{{document}}" takes the tokens as given:
 * a decoder reranker's whole prompt can be passed, as llama.cpp's server builds it from the GGUF's
 * rerank template; node-llama-cpp's own use of that template tokenizes it differently)
 */
/** node-llama-cpp's ranking template: the text around {{query}} and {{document}} */
export type RankingTemplate = `${string}{{query}}${string}{{document}}${string}`;

export async function openRankingPeer(modelPath: string, options: { threads?: number; contextSize?: number; template?: RankingTemplate } = {}): Promise<RankingPeer> {
  const l = await cpuLlama();
  const model = await l.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createRankingContext({ contextSize: options.contextSize ?? 128, threads: options.threads ?? 2, template: options.template });
  return {
    rank: (query, document) => context.rank([...query] as never, [...document] as never),
    tokenize: (text, special = false) => [...model.tokenize(text, special)].map(Number),
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
