/**
 * Where the GPU comes from: `navigator.gpu` in browsers (and Deno), Dawn through the `webgpu` npm
 * package in Node. One Dawn instance serves the process (it cannot be destroyed, only dropped).
 */

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** a CPU implementation (SwiftShader, llvmpipe/lavapipe, WARP) or the browser's fallback adapter */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface GpuFound {
  gpu?: GPU;
  /** why there is none */
  error?: string;
  /** 'navigator.gpu' or 'webgpu (Dawn)' */
  source: string;
}

let found: Promise<GpuFound> | undefined;

export function findGpu(): Promise<GpuFound> {
  found ??= locate();
  return found;
}

async function locate(): Promise<GpuFound> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: 'navigator.gpu' };
  if (typeof process === 'undefined' || !process.versions?.node) {
    return { source: 'navigator.gpu', error: 'this runtime has no navigator.gpu (WebGPU is off or unsupported in this browser)' };
  }
  try {
    // a variable specifier: bundlers for the browser must not pull Dawn in
    const name = 'webgpu';
    const dawn = (await import(/* @vite-ignore */ name)) as { create(flags: string[]): GPU };
    return { gpu: dawn.create(dawnFlags()), source: 'webgpu (Dawn)' };
  } catch (err) {
    return { source: 'webgpu (Dawn)', error: `the "webgpu" package (Dawn for Node) does not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** IX_WEBGPU_DAWN_FLAGS: extra Dawn options, comma separated (e.g. backend=vulkan) */
function dawnFlags(): string[] {
  return (process.env.IX_WEBGPU_DAWN_FLAGS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
  'minUniformBufferOffsetAlignment',
] as const;

export function adapterFacts(adapter: GPUAdapter): AdapterFacts {
  const info = adapter.info;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const limits: Record<string, number> = {};
  for (const k of LIMITS) limits[k] = Number(adapter.limits[k]);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp|software/.test(text),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

/** What the kernels need of an adapter; undefined when it has it. */
export function adapterShortfall(facts: AdapterFacts): string | undefined {
  const need: [keyof typeof facts.limits, number][] = [
    ['maxStorageBuffersPerShaderStage', 6],
    ['maxComputeInvocationsPerWorkgroup', 64],
    ['maxComputeWorkgroupSizeX', 64],
    ['maxComputeWorkgroupStorageSize', 16384],
  ];
  const short = need.filter(([k, v]) => !(facts.limits[k]! >= v)).map(([k, v]) => `${k} ${facts.limits[k]} < ${v}`);
  return short.length ? `the adapter lacks what the kernels need: ${short.join(', ')}` : undefined;
}

export function adapterName(f: AdapterFacts): string {
  return f.description || [f.vendor, f.architecture, f.device].filter(Boolean).join(' ') || 'WebGPU adapter';
}
