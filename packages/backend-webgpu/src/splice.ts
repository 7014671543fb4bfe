import { USAGE } from './program.js';

/**
 * Uploads that start or end inside a 4-byte word (a GGUF tensor at an odd offset, an F16 row):
 * queue writes move whole words, and a readback to merge on the host would be asynchronous; so the
 * bytes go to a scratch buffer and a small kernel merges them into the destination's words, in
 * queue order like any other write.
 */
const SPLICE = `
struct Range { start: u32, end: u32, first: u32, words: u32 }
@group(0) @binding(0) var<uniform> r: Range;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.x + wg.y * nw.x) * 64u + lid;
  if (i >= r.words) { return; }
  let w = r.first + i;
  var v = dst[w];
  let s = src[i];
  for (var b = 0u; b < 4u; b++) {
    let pos = w * 4u + b;
    if (pos >= r.start && pos < r.end) {
      let mask = 0xffu << (8u * b);
      v = (v & ~mask) | (s & mask);
    }
  }
  dst[w] = v;
}`;

export class Splicer {
  private pipeline: GPUComputePipeline | undefined;

  constructor(private readonly device: GPUDevice) {}

  /** bytes into dst at byteOffset, whatever the alignment */
  write(dst: GPUBuffer, byteOffset: number, data: Uint8Array): void {
    const start4 = byteOffset - (byteOffset % 4);
    const words = Math.ceil((byteOffset + data.byteLength - start4) / 4);
    const staged = new Uint8Array(words * 4);
    staged.set(data, byteOffset - start4);
    const d = this.device;
    const src = d.createBuffer({ size: staged.byteLength, usage: USAGE.STORAGE | USAGE.COPY_DST, label: 'ix splice' });
    const range = d.createBuffer({ size: 16, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'ix splice range' });
    d.queue.writeBuffer(src, 0, staged);
    d.queue.writeBuffer(range, 0, Uint32Array.of(byteOffset, byteOffset + data.byteLength, start4 / 4, words));
    this.pipeline ??= d.createComputePipeline({ layout: 'auto', compute: { module: d.createShaderModule({ code: SPLICE, label: 'splice' }), entryPoint: 'main' } });
    const group = d.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: range } }, { binding: 1, resource: { buffer: src } }, { binding: 2, resource: { buffer: dst } }],
    });
    const groups = Math.ceil(words / 64);
    const x = Math.min(groups, 65535);
    const encoder = d.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    pass.end();
    d.queue.submit([encoder.finish()]);
    // released once the queue is done with them
    src.destroy();
    range.destroy();
  }
}
