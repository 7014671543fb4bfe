/**
 * Tuning profiles: the fastest configuration `ix tune` found for one model on one machine, stored
 * as JSON under a key of both, and applied by loadModel (and the CLI's serve) wherever the caller
 * leaves a setting open. The machine key is what changes the answer: CPU model and core count,
 * memory, and the devices of the available backends; the model key hashes the file's size and its
 * first and last MiB (a renamed or moved file keeps its profile, a changed one does not).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, probeBackends, registeredBackends } from '@ix/core';

export const PROFILE_VERSION = 1;

export interface MachineInfo {
  cpu: string;
  threads: number;
  /** total memory, rounded to GiB */
  memoryGiB: number;
  /** available non-CPU devices: "backend: device name" */
  devices: string[];
}

export interface TuneProfile {
  version: typeof PROFILE_VERSION;
  machineKey: string;
  machine: MachineInfo;
  modelKey: string;
  /** the file tuned (for people reading the profile; the key is what matches) */
  model: string;
  created: string;
  /** loadModel's settings */
  load: { backend: string; threads?: number; backendOptions?: Record<string, unknown> };
  /** createSession's defaults */
  session: { batchSize: number; kvType: 'F16' | 'F32' };
  /** ix serve's defaults: slots and each one's context for the memory tuned for */
  server: { parallel: number; contextLength: number; memoryBytes: number };
  /** what the chosen configuration measured, tokens/s; `aggregate`: decode over all server slots */
  measured: { pp: number; tg: number; aggregate: number };
}

const probed = new Map<string, Promise<MachineInfo>>();

/** This machine, probed once per set of registered backends (they do not change their devices while it runs). */
export function machineInfo(): Promise<MachineInfo> {
  const names = registeredBackends().map((f) => f.name).join();
  if (!probed.has(names)) probed.set(names, probeMachine());
  return probed.get(names)!;
}

async function probeMachine(): Promise<MachineInfo> {
  const devices: string[] = [];
  for (const { factory, probe } of await probeBackends()) {
    if (probe.available && probe.device.kind !== 'cpu') devices.push(`${factory.name}: ${probe.device.name}`);
  }
  return { cpu: cpus()[0]?.model.trim() ?? 'unknown', threads: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), devices: devices.sort() };
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 16);

export function machineKey(m: MachineInfo): string {
  return sha(JSON.stringify([m.cpu, m.threads, m.memoryGiB, m.devices]));
}

/** A file: its size and first and last MiB. A folder (Hugging Face): its config.json and its files' names and sizes. */
export async function modelKey(path: string): Promise<string> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const names = (await readdir(path)).sort();
    const sizes = await Promise.all(names.map(async (n) => `${n}:${(await stat(join(path, n))).size}`));
    const config = await readFile(join(path, 'config.json'), 'utf8').catch(() => '');
    return sha(JSON.stringify([config, sizes]));
  }
  const mib = 2 ** 20;
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(mib, info.size));
    const tail = Buffer.alloc(Math.min(mib, info.size));
    await file.read(head, 0, head.length, 0);
    await file.read(tail, 0, tail.length, info.size - tail.length);
    return sha(Buffer.concat([Buffer.from(String(info.size)), head, tail]));
  } finally {
    await file.close();
  }
}

/** $IX_PROFILE_DIR, else $XDG_CONFIG_HOME/ix/profiles, else ~/.config/ix/profiles */
export function profileDir(env: Record<string, string | undefined> = process.env): string {
  return env.IX_PROFILE_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'ix', 'profiles');
}

function profilePath(machine: string, model: string): string {
  return join(profileDir(), `${machine}-${model}.json`);
}

export async function saveProfile(p: TuneProfile): Promise<string> {
  const path = profilePath(p.machineKey, p.modelKey);
  await mkdir(profileDir(), { recursive: true });
  // written whole, then renamed: a reader never sees half a profile
  await writeFile(`${path}.tmp`, JSON.stringify(p, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  return path;
}

/** What a profile lookup found: none, a usable profile, or a file that is not one (and why). */
export type ProfileLookup = { profile?: undefined; path: string; problem?: string } | { profile: TuneProfile; path: string; problem?: undefined };

/** The stored profile of a model on this machine (undefined: IX_PROFILE=off disables profiles). */
export async function findProfile(modelPath: string): Promise<ProfileLookup | undefined> {
  if (process.env.IX_PROFILE === 'off') return undefined;
  const path = profilePath(machineKey(await machineInfo()), await modelKey(modelPath));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { path };
  }
  try {
    return { profile: checkProfile(JSON.parse(text) as unknown), path };
  } catch (e) {
    return { path, problem: e instanceof Error ? e.message : String(e) };
  }
}

/** A parsed profile checked field by field (a profile is a file a user may edit). */
export function checkProfile(v: unknown): TuneProfile {
  const bad = (what: string) => new InvalidArgumentError(`tuning profile: ${what}`);
  const obj = (x: unknown, what: string) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(`${what} must be an object`);
    return x as Record<string, unknown>;
  };
  const p = obj(v, 'the profile');
  if (p['version'] !== PROFILE_VERSION) throw bad(`version ${JSON.stringify(p['version'])} is not ${PROFILE_VERSION} (run ix tune again)`);
  const load = obj(p['load'], 'load');
  const session = obj(p['session'], 'session');
  const server = obj(p['server'], 'server');
  const posInt = (x: unknown, what: string) => {
    if (!Number.isSafeInteger(x) || (x as number) < 1) throw bad(`${what} must be a positive integer, got ${JSON.stringify(x)}`);
    return x as number;
  };
  if (typeof load['backend'] !== 'string' || !load['backend']) throw bad('load.backend must be a backend name');
  if (load['threads'] !== undefined) posInt(load['threads'], 'load.threads');
  if (load['backendOptions'] !== undefined) obj(load['backendOptions'], 'load.backendOptions');
  posInt(session['batchSize'], 'session.batchSize');
  if (session['kvType'] !== 'F16' && session['kvType'] !== 'F32') throw bad(`session.kvType must be F16 or F32, got ${JSON.stringify(session['kvType'])}`);
  posInt(server['parallel'], 'server.parallel');
  posInt(server['contextLength'], 'server.contextLength');
  return v as TuneProfile;
}
