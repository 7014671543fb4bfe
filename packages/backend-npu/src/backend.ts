import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';

import { InvalidArgumentError, type Backend, type BackendBuffer, type DeviceInfo, type DTypeName, type GraphNode, type GraphSplit, type Tensor } from '@ix/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

import { attentionMask, ropeTables, rowIndices } from './feeds.js';
import { lowerSplit, type Fetch, type Lowered, type LowerOptions } from './lower.js';
import { cacheEntry, isCached, storeLowered } from './model-cache.js';
import { supportsNode } from './ops.js';
import type { OrtModule } from './ort.js';
import { splitSignature } from './signature.js';

export const BACKEND_NAME = 'npu';

/** A buffer of the npu backend: host memory, which ONNX Runtime reads and writes in place. */
export class NpuBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  readonly byteLength: number;
  data: ArrayBuffer | undefined;

  constructor(data: ArrayBuffer) {
    this.data = data;
    this.byteLength = data.byteLength;
  }
}

/**
 * A weight file region (mapFile): read from the file only while a split is lowered, since each
 * ONNX Runtime session keeps its own copy of the weights; holding them in JS too would double them.
 */
export class NpuFileBuffer implements BackendBuffer {
  readonly backend = BACKEND_NAME;
  constructor(readonly path: string, readonly fileOffset: number, readonly byteLength: number) {}
}

export interface NpuBackendConfig extends LowerOptions {
  ort: OrtModule;
  /** EPs in the order ONNX Runtime should try them (names, or objects with an EP's options) */
  executionProviders: (string | { readonly name: string })[];
  threads: number;
  device: DeviceInfo;
  /** compiled splits kept (each holds an ONNX Runtime session with its own copy of the weights) */
  maxSessions: number;
  /** ONNX Runtime's per-node profile, written as <prefix>_<date>.json when a session is released (IX_NPU_PROFILE) */
  profilePrefix?: string;
  /** lowered models kept on disk (model-cache.ts); undefined: none */
  cacheDir?: string;
}

interface Compiled {
  lowered: Lowered;
  session: InferenceSession;
  /** last use, for evicting the least recently used session */
  used: number;
}

const TYPED: Record<string, { ort: 'float32' | 'int32' | 'float16'; bytes: number }> = {
  F32: { ort: 'float32', bytes: 4 },
  I32: { ort: 'int32', bytes: 4 },
  F16: { ort: 'float16', bytes: 2 },
};

/**
 * Runs each split it is given as one ONNX Runtime session: the split is lowered to an ONNX model
 * (lower.ts) on first sight and kept, by split object (the executor replays one split per graph)
 * and by structure (a split rebuilt for the same graph shape). Buffers are host memory: inputs are
 * handed to ONNX Runtime as views and outputs written straight into the executor's tensors.
 */
export class NpuBackend implements Backend {
  readonly name = BACKEND_NAME;
  readonly device: DeviceInfo;
  /** prompts run in steps of these token counts: a model compiles at most five prefill shapes, plus decode */
  readonly stepSizes: readonly number[] = [256, 64, 16, 4, 1];
  /** sessions built so far (read by the tests) */
  sessionsCreated = 0;
  /** of sessionsCreated, those whose model came from the on-disk cache */
  sessionsFromCache = 0;
  /** milliseconds spent lowering splits to ONNX and creating their sessions */
  lowerMs = 0;
  sessionMs = 0;
  private readonly bySplit = new WeakMap<GraphSplit, { key: string; compiled: Compiled }>();
  private readonly byKey = new Map<string, Compiled>();
  private clock = 0;
  private disposed = false;

  constructor(private readonly config: NpuBackendConfig) {
    this.device = config.device;
  }

  /** how this backend lowers and runs (options, EP tweaks and defaults resolved) */
  get settings(): { executionProviders: readonly string[]; accuracy: string; staticShapes: boolean; contribOps: boolean; threads: number } {
    const { accuracy, staticShapes, contribOps, threads } = this.config;
    return { executionProviders: this.executionProviders, accuracy, staticShapes, contribOps, threads };
  }

  /** the EPs' names, in order */
  get executionProviders(): readonly string[] {
    return this.config.executionProviders.map((ep) => (typeof ep === 'string' ? ep : ep.name));
  }

  allocate(byteLength: number): BackendBuffer {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw new InvalidArgumentError(`npu: allocate: byteLength must be a non-negative integer, got ${byteLength}`);
    try {
      return new NpuBuffer(new ArrayBuffer(byteLength));
    } catch (err) {
      throw new InvalidArgumentError(`npu: cannot allocate ${byteLength} bytes (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  mapFile(path: string, byteOffset: number, byteLength: number): BackendBuffer {
    if (typeof path !== 'string' || !path) throw new InvalidArgumentError('npu: mapFile: path must be a non-empty string');
    if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0) {
      throw new InvalidArgumentError(`npu: mapFile: bad region ${byteOffset}+${byteLength}`);
    }
    let size: number;
    try {
      size = statSync(path).size;
    } catch (err) {
      throw new InvalidArgumentError(`npu: mapFile: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (byteOffset + byteLength > size) throw new InvalidArgumentError(`npu: mapFile: bytes ${byteOffset}..${byteOffset + byteLength} are outside ${path} (${size} bytes)`);
    return new NpuFileBuffer(path, byteOffset, byteLength);
  }

  free(buffer: BackendBuffer): void {
    if (buffer instanceof NpuFileBuffer) return;
    this.own(buffer).data = undefined;
  }

  upload(buffer: BackendBuffer, byteOffset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('npu: upload data must be a Uint8Array');
    if (buffer instanceof NpuFileBuffer) throw new InvalidArgumentError('npu: a mapped weight file region is read-only');
    this.region(buffer, byteOffset, data.byteLength).set(data);
  }

  download(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    // a file region's bytes are read into new memory already
    return buffer instanceof NpuFileBuffer ? this.bytesAt(buffer, byteOffset, byteLength) : this.bytesAt(buffer, byteOffset, byteLength).slice();
  }

  downloadInto(buffer: BackendBuffer, byteOffset: number, target: Uint8Array): void {
    target.set(this.bytesAt(buffer, byteOffset, target.byteLength));
  }

  supports(node: GraphNode, inputDTypes: readonly DTypeName[]): boolean {
    return supportsNode(node, inputDTypes);
  }

  async compute(split: GraphSplit): Promise<void> {
    if (this.disposed) throw new InvalidArgumentError('npu: backend was disposed');
    const compiled = await this.compiledFor(split);
    compiled.used = ++this.clock;
    const { ort } = this.config;
    const { feeds, fetches } = compiled.lowered;
    const outputs = fetches.filter((f) => !f.rowsOf).map((f) => {
      const tensor = split.tensorOf(f.nodeId);
      return { f, tensor, view: this.view(tensor) };
    });
    const inputs: Record<string, OrtTensor> = {};
    // attention nodes at the same positions (every layer of a step) share one mask
    const masks = new Map<string, OrtTensor>();
    for (const feed of feeds) {
      switch (feed.kind) {
        case 'value': {
          const t = split.tensorOf(feed.nodeId);
          // a fed value whose bytes an output of this run reuses is copied first: ONNX Runtime may run nodes in another order than ix
          const shared = outputs.some((o) => overlaps(o.tensor, t));
          inputs[feed.name] = new ort.Tensor(TYPED[feed.dtype]!.ort, this.typed(t, shared), feed.dims);
          break;
        }
        case 'mask': {
          const { pos0, kvLen, causal, window } = feed.node.params;
          const rows = this.config.staticShapes ? feed.rows : kvLen;
          const key = `${pos0}:${kvLen}:${causal}:${window}:${feed.tokens}:${rows}`;
          let mask = masks.get(key);
          if (!mask) masks.set(key, (mask = new ort.Tensor('float32', attentionMask(feed.node, feed.tokens, rows), [feed.tokens, rows])));
          inputs[feed.name] = mask;
          break;
        }
        case 'kvlen':
          inputs[feed.name] = new ort.Tensor('int64', BigInt64Array.of(BigInt(feed.node.params.kvLen)), [1]);
          break;
        case 'rope': {
          const pos = this.typed(split.tensorOf(feed.posId), false) as Int32Array;
          const { cos, sin } = ropeTables(feed.node, pos, feed.factors);
          const dims = [pos.length, feed.node.params.dims / 2];
          inputs[feed.cos] = new ort.Tensor('float32', cos, dims);
          inputs[feed.sin] = new ort.Tensor('float32', sin, dims);
          break;
        }
        case 'span': {
          const span = Math.max(feed.node.params.row + feed.tokens, ...feed.readers.map((a) => a.params.kvLen));
          inputs[feed.name] = new ort.Tensor('int64', BigInt64Array.of(BigInt(span)), [1]);
          break;
        }
        case 'rows':
          inputs[feed.name] = new ort.Tensor('int64', rowIndices(feed.node, feed.tokens), [feed.tokens, 1]);
          break;
      }
    }
    const fetchInto: Record<string, OrtTensor | null> = {};
    for (const f of fetches) fetchInto[f.name] = null;
    for (const { f, view } of outputs) if (view.aligned) fetchInto[f.name] = new ort.Tensor(TYPED[f.dtype]!.ort, view.array, f.dims);
    const results = await compiled.session.run(inputs, fetchInto).catch((err: unknown) => {
      throw new InvalidArgumentError(`npu: ONNX Runtime failed running a ${split.nodes.length}-node split: ${err instanceof Error ? err.message : String(err)}`);
    });
    for (const { f, tensor, view } of outputs) if (!view.aligned) this.store(tensor, 0, results[f.name]!);
    for (const f of fetches) if (f.rowsOf) this.storeRows(split, f, results[f.name]!);
  }

  dispose(): void {
    this.disposed = true;
    for (const c of this.byKey.values()) {
      if (this.config.profilePrefix) c.session.endProfiling();
      void c.session.release();
    }
    this.byKey.clear();
  }

  /** the kept session for this split, or a new one (lowered, then created by ONNX Runtime) */
  private async compiledFor(split: GraphSplit): Promise<Compiled> {
    const kept = this.bySplit.get(split);
    if (kept && this.byKey.get(kept.key) === kept.compiled) return kept.compiled;
    const key = splitSignature(split);
    let compiled = this.byKey.get(key);
    if (!compiled) {
      compiled = await this.compile(split);
      this.byKey.set(key, compiled);
      this.evict();
    }
    this.bySplit.set(split, { key, compiled });
    return compiled;
  }

  /** a split lowered (or its model found in the on-disk cache) and made into a session */
  private async compile(split: GraphSplit): Promise<Compiled> {
    const read = (t: Tensor) => this.bytesOf(t);
    const entry = this.config.cacheDir
      ? cacheEntry(this.config.cacheDir, split, this.config, this.config.ort.env.versions.node ?? '', (t) => (t.buffer instanceof NpuFileBuffer ? { path: t.buffer.path, offset: t.buffer.fileOffset + t.offset } : undefined), read)
      : undefined;
    const t0 = performance.now();
    if (entry && isCached(entry)) {
      const lowered = lowerSplit(split, read, { ...this.config, describeOnly: true, weightFile: entry.weightFile });
      const t1 = performance.now();
      this.lowerMs += t1 - t0;
      // a cache damaged since (a weight file removed) is lowered again below
      const session = await this.config.ort.InferenceSession.create(entry.modelPath, this.sessionOptions()).catch(() => undefined);
      if (session) {
        this.sessionsCreated++;
        this.sessionsFromCache++;
        this.sessionMs += performance.now() - t1;
        return { lowered, session, used: ++this.clock };
      }
      rmSync(entry.modelPath, { force: true });
    }
    const lowered = lowerSplit(split, read, { ...this.config, weightFile: entry?.weightFile });
    const t1 = performance.now();
    this.lowerMs += t1 - t0;
    if (entry) storeLowered(entry, lowered);
    const session = await this.config.ort.InferenceSession.create(lowered.model, { ...this.sessionOptions(), externalData: lowered.externalData }).catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      throw new InvalidArgumentError(`npu: ONNX Runtime could not make a session of a ${split.nodes.length}-node split (${lowered.onnxNodes} ONNX nodes) on EPs ${this.executionProviders.join(', ')}: ${why}`);
    });
    this.sessionsCreated++;
    this.sessionMs += performance.now() - t1;
    // the weights now live in the session
    lowered.externalData.length = 0;
    return { lowered, session, used: ++this.clock };
  }

  private sessionOptions(): InferenceSession.SessionOptions {
    return {
      executionProviders: this.config.executionProviders as InferenceSession.ExecutionProviderConfig[],
      intraOpNumThreads: this.config.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(this.config.profilePrefix ? { enableProfiling: true, profileFilePrefix: this.config.profilePrefix } : {}),
    };
  }

  /** release the least recently used sessions beyond maxSessions */
  private evict(): void {
    while (this.byKey.size > this.config.maxSessions) {
      let oldest: [string, Compiled] | undefined;
      for (const e of this.byKey) if (!oldest || e[1].used < oldest[1].used) oldest = e;
      this.byKey.delete(oldest![0]);
      void oldest![1].session.release();
    }
  }

  /** a tensor's bytes as a typed array over the buffer (a copy when misaligned or when `copy`) */
  private typed(t: Tensor, copy: boolean): Float32Array | Int32Array | Uint16Array {
    const spec = TYPED[t.dtype];
    if (!spec) throw new InvalidArgumentError(`npu: ${t.dtype} values cannot be handed to ONNX Runtime`);
    let bytes = this.bytesOf(t);
    if (copy || bytes.byteOffset % spec.bytes !== 0) bytes = bytes.slice();
    const n = bytes.byteLength / spec.bytes;
    if (t.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    if (t.dtype === 'I32') return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  }

  /** a typed view of an output's bytes for ONNX Runtime to write into; undefined array when misaligned (stored after the run) */
  private view(t: Tensor): { array: Float32Array | Int32Array | Uint16Array; aligned: true } | { aligned: false } {
    const spec = TYPED[t.dtype];
    if (!spec) throw new InvalidArgumentError(`npu: ${t.dtype} values cannot be taken from ONNX Runtime`);
    return t.offset % spec.bytes === 0 ? { array: this.typed(t, false), aligned: true } : { aligned: false };
  }

  /** an ONNX Runtime output's bytes into a tensor's buffer at `byteOffset` into it */
  private store(t: Tensor, byteOffset: number, value: OrtTensor): void {
    const data = value.data as ArrayBufferView;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (byteOffset + bytes.byteLength > t.byteLength) throw new InvalidArgumentError(`npu: an output of ${bytes.byteLength} bytes does not fit its tensor at ${byteOffset} (${t.byteLength} bytes)`);
    this.region(t.buffer, t.offset + byteOffset, bytes.byteLength).set(bytes);
  }

  /** a write_rows' new rows into its destination (the cache) at its row */
  private storeRows(split: GraphSplit, f: Fetch, value: OrtTensor): void {
    const node = f.rowsOf!;
    const dst = split.tensorOf(node.id);
    const rowBytes = dst.byteLength / dst.shape[0]!;
    this.store(dst, node.params.row * rowBytes, value);
  }

  /** a tensor's bytes: a view of host memory, or read from its file for a mapped region */
  private bytesOf(t: Tensor): Uint8Array {
    return this.bytesAt(t.buffer, t.offset, t.byteLength);
  }

  private bytesAt(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    return buffer instanceof NpuFileBuffer ? this.readFile(buffer, byteOffset, byteLength) : this.region(buffer, byteOffset, byteLength);
  }

  /** bytes of a mapped weight region, read from its file (bounds checked against the region) */
  private readFile(buffer: NpuFileBuffer, byteOffset: number, byteLength: number): Uint8Array {
    if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > buffer.byteLength) {
      throw new InvalidArgumentError(`npu: bytes ${byteOffset}..${byteOffset + byteLength} are outside a mapped region of ${buffer.byteLength}`);
    }
    const out = new Uint8Array(byteLength);
    const fd = openSync(buffer.path, 'r');
    try {
      for (let done = 0; done < byteLength; ) {
        const n = readSync(fd, out, done, byteLength - done, buffer.fileOffset + byteOffset + done);
        if (n === 0) throw new InvalidArgumentError(`npu: ${buffer.path} ended while reading a weight (was it truncated?)`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private region(buffer: BackendBuffer, byteOffset: number, byteLength: number): Uint8Array {
    const data = this.own(buffer).data;
    if (!data) throw new InvalidArgumentError('npu: buffer was freed');
    if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > data.byteLength) {
      throw new InvalidArgumentError(`npu: bytes ${byteOffset}..${byteOffset + byteLength} are outside a buffer of ${data.byteLength}`);
    }
    return new Uint8Array(data, byteOffset, byteLength);
  }

  private own(buffer: BackendBuffer): NpuBuffer {
    if (buffer instanceof NpuFileBuffer) throw new InvalidArgumentError('npu: a mapped weight file region is read-only');
    if (!(buffer instanceof NpuBuffer)) throw new InvalidArgumentError(`npu: buffer belongs to backend "${buffer?.backend}"`);
    return buffer;
  }
}

/** whether two tensors share bytes of one buffer */
function overlaps(a: Tensor, b: Tensor): boolean {
  return a.buffer === b.buffer && a.offset < b.offset + b.byteLength && b.offset < a.offset + a.byteLength;
}
