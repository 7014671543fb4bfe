import type { Backend, BackendFactory, BackendOptions, ProbeResult } from './backend.js';
import { BackendUnavailableError, InvalidArgumentError, UnknownBackendError } from './errors.js';

/**
 * The backend registry. Backends register themselves on import (or are found by `discoverBackends`);
 * selection probes them and picks the available one with the highest priority, unless a name is
 * forced by option or by the IX_BACKEND environment variable.
 */
const factories = new Map<string, BackendFactory>();

export function registerBackend(factory: BackendFactory): void {
  if (!factory || typeof factory.name !== 'string' || !factory.name || typeof factory.probe !== 'function' || typeof factory.create !== 'function') {
    throw new InvalidArgumentError('registerBackend: expected {name, priority, probe, create}');
  }
  if (!Number.isFinite(factory.priority)) throw new InvalidArgumentError(`registerBackend(${factory.name}): priority must be a number`);
  factories.set(factory.name, factory);
}

export function unregisterBackend(name: string): boolean {
  return factories.delete(name);
}

export function registeredBackends(): BackendFactory[] {
  return [...factories.values()].sort((a, b) => b.priority - a.priority);
}

export function getBackendFactory(name: string): BackendFactory {
  const f = factories.get(name);
  if (!f) throw new UnknownBackendError(name, [...factories.keys()]);
  return f;
}

export interface ProbedBackend {
  factory: BackendFactory;
  probe: ProbeResult;
}

/**
 * Probe every registered backend, highest priority first (a probe's own `priority` replaces its
 * factory's). A probe that throws counts as unavailable.
 */
export async function probeBackends(): Promise<ProbedBackend[]> {
  const out: ProbedBackend[] = [];
  for (const factory of registeredBackends()) out.push({ factory, probe: await safeProbe(factory) });
  const rank = (p: ProbedBackend) => p.probe.priority ?? p.factory.priority;
  return out.sort((a, b) => rank(b) - rank(a));
}

async function safeProbe(factory: BackendFactory): Promise<ProbeResult> {
  try {
    return await factory.probe();
  } catch (err) {
    return {
      available: false,
      reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
      device: { kind: 'cpu', name: 'unknown' },
      features: [],
      ops: {},
    };
  }
}

export interface SelectOptions {
  /** force a backend by name; overrides IX_BACKEND */
  backend?: string;
  env?: Record<string, string | undefined>;
}

/** Which backend would be used, without creating it. */
export async function chooseBackend(options: SelectOptions = {}): Promise<ProbedBackend> {
  // no process in a browser: no environment there
  const forced = options.backend ?? (options.env ?? (typeof process !== 'undefined' ? process.env : {})).IX_BACKEND;
  if (forced) {
    const factory = getBackendFactory(forced);
    const probe = await safeProbe(factory);
    if (!probe.available) throw new BackendUnavailableError(forced, probe.reason ?? 'probe reported unavailable');
    return { factory, probe };
  }
  const probed = await probeBackends();
  const best = probed.find((p) => p.probe.available);
  if (!best) {
    const why = probed.map((p) => `${p.factory.name}: ${p.probe.reason ?? 'unavailable'}`).join('; ');
    throw new BackendUnavailableError('(any)', why || 'no backend is registered');
  }
  return best;
}

/** Choose and create a backend. */
export async function selectBackend(options: SelectOptions & BackendOptions = {}): Promise<Backend> {
  const { factory } = await chooseBackend(options);
  return factory.create(options);
}
