import { InvalidArgumentError, type GraphSplit } from '@ix/core';

import type { Dispatch } from './kernels/dispatch.js';
import { bindingPattern, generateShader, paramsBytes, type BindingPattern } from './shader.js';

/** GPUBufferUsage / GPUShaderStage values (Node has no such globals) */
export const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const COMPUTE_STAGE = 4;
/** workgroups per grid dimension every adapter allows */
const MAX_GROUPS = 65535;

/** Pipelines and layouts, shared by every program of a device. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** keys compiled since `mark()`: dropped again by `forgetSinceMark()` when they turn out invalid */
  private recent: string[] = [];
  compiled = 0;

  mark(): void {
    this.recent = [];
  }

  /** A pipeline that failed to compile must not be handed out again (it is invalid for good). */
  forgetSinceMark(): void {
    for (const k of this.recent) this.pipelines.delete(k);
    this.recent = [];
  }

  constructor(private readonly device: GPUDevice) {}

  get(d: Dispatch, pattern: BindingPattern): GPUComputePipeline {
    const key = `${d.kernel.key}|${pattern.key}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const code = generateShader(d.kernel, d.operands, pattern);
      const module = this.device.createShaderModule({ code, label: d.kernel.key });
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(pattern.writable)] });
      p = this.device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
      this.recent.push(key);
      this.compiled++;
    }
    return p;
  }

  layout(writable: readonly boolean[]): GPUBindGroupLayout {
    const key = writable.map((w) => (w ? 'w' : 'r')).join('');
    let l = this.layouts.get(key);
    if (!l) {
      l = this.device.createBindGroupLayout({
        entries: [
          { binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } },
          ...writable.map((w, i) => ({ binding: i + 1, visibility: COMPUTE_STAGE, buffer: { type: w ? ('storage' as const) : ('read-only-storage' as const) } })),
        ],
      });
      this.layouts.set(key, l);
    }
    return l;
  }
}

interface Step {
  d: Dispatch;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** byte offset of its uniform block */
  at: number;
  grid: [number, number];
}

/**
 * A split made into dispatches once: pipelines, bind groups and one uniform buffer with every
 * dispatch's block. A run rewrites the blocks (positions move between decode steps) with one
 * queue write, and records all dispatches into one compute pass and one submit.
 */
export class SplitProgram {
  private readonly steps: Step[] = [];
  private readonly uniforms: GPUBuffer | undefined;
  private readonly host: DataView;

  constructor(
    private readonly device: GPUDevice,
    cache: PipelineCache,
    dispatches: readonly Dispatch[],
    gpuBuffer: (t: Dispatch['operands'][number]['tensor']) => GPUBuffer,
    uniformAlign: number,
  ) {
    let at = 0;
    const blocks: [number, number][] = [];
    for (const d of dispatches) {
      const bytes = paramsBytes(d.operands.length, d.kernel.params.length);
      blocks.push([at, bytes]);
      at += Math.ceil(bytes / uniformAlign) * uniformAlign;
    }
    this.host = new DataView(new ArrayBuffer(Math.max(at, 16)));
    this.uniforms = dispatches.length ? device.createBuffer({ size: this.host.byteLength, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'ix params' }) : undefined;
    dispatches.forEach((d, i) => {
      const pattern = bindingPattern(d.operands, gpuBuffer);
      const pipeline = cache.get(d, pattern);
      const [off, size] = blocks[i]!;
      const bindGroup = device.createBindGroup({
        layout: cache.layout(pattern.writable),
        entries: [{ binding: 0, resource: { buffer: this.uniforms!, offset: off, size } }, ...pattern.buffers.map((buffer, k) => ({ binding: k + 1, resource: { buffer } }))],
      });
      const x = Math.min(d.groups, MAX_GROUPS);
      this.steps.push({ d, pipeline, bindGroup, at: off, grid: [x, Math.ceil(d.groups / x)] });
    });
  }

  get dispatches(): number {
    return this.steps.length;
  }

  run(): void {
    if (!this.uniforms) return;
    for (const s of this.steps) this.writeBlock(s);
    this.device.queue.writeBuffer(this.uniforms, 0, this.host.buffer);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const s of this.steps) {
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(s.grid[0], s.grid[1]);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    this.uniforms?.destroy();
  }

  private writeBlock(s: Step): void {
    const h = this.host;
    let p = s.at;
    for (const o of s.d.operands) {
      if (o.tensor.offset % 2 !== 0) throw new InvalidArgumentError(`webgpu: tensor ${o.tensor.name ?? ''} at odd byte offset ${o.tensor.offset}`);
      h.setUint32(p, o.tensor.offset, true);
      p += 4;
    }
    h.setUint32(p, s.d.groups, true);
    p += 4;
    const values = s.d.params();
    s.d.kernel.params.forEach(([name, type], i) => {
      const v = values[i]!;
      if (type === 'f32') h.setFloat32(p, v, true);
      else if (type === 'i32') h.setInt32(p, v, true);
      else {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`webgpu: ${s.d.kernel.key} param ${name} = ${v} does not fit a u32`);
        h.setUint32(p, v, true);
      }
      p += 4;
    });
  }
}

/** The splits made into programs, kept while the executor keeps the split (replayed graphs). */
export type ProgramCache = WeakMap<GraphSplit, SplitProgram>;
