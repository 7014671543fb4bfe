/**
 * What differs per execution provider, in one table a vendor extends with `registerEpTweak`
 * (docs/writing-a-backend.md): the options ONNX Runtime gets for the EP, whether it compiles only
 * fixed shapes, and whether it runs ONNX Runtime's com.microsoft ops (else quantized weights reach
 * it decoded to float32 and norms and rope as standard ops, which every EP runs). The first EP of the chosen list decides: nodes it
 * rejects would run on the CPU EP behind it, which is not what an NPU user wants.
 */
export interface EpTweak {
  /** the entry for ONNX Runtime's `executionProviders`: the EP's name, or an object with its options */
  provider?: string | { readonly name: string; readonly [option: string]: unknown };
  /** the EP compiles fixed shapes only: attention reads the whole cache under a mask */
  staticShapes?: boolean;
  /**
   * the EP runs ONNX Runtime's com.microsoft ops (MatMulNBits, SimplifiedLayerNormalization,
   * RotaryEmbedding; default true); without them weights arrive as float32 and norms and rope as standard ops
   */
  contribOps?: boolean;
  /** the EP drives an NPU: chosen by itself when bundled, and the backend ranks above GPUs (default: qnn, vitisai, openvino, coreml) */
  npu?: boolean;
}

const TWEAKS = new Map<string, EpTweak>([
  // Qualcomm Hexagon: the HTP backend, static shapes, standard ops only
  ['qnn', { provider: { name: 'qnn', backendType: 'htp' }, staticShapes: true, contribOps: false }],
  ['vitisai', { staticShapes: true, contribOps: false }],
  ['openvino', { staticShapes: true }],
  ['coreml', { staticShapes: true, contribOps: false }],
]);

/** Add or replace the tweak of an EP (a vendor package calls this on import, before a backend is created). */
export function registerEpTweak(ep: string, tweak: EpTweak): void {
  TWEAKS.set(ep, { ...tweak });
}

export function epTweak(ep: string): EpTweak {
  return TWEAKS.get(ep) ?? {};
}
