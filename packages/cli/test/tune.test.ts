import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBackends } from '@ix/core';
import { loadModel, type TuneProfile, type TuneTrial } from '@ix/llm';

const run = promisify(execFile);
const IX = fileURLToPath(new URL('../dist/ix.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const STORIES = 'models/stories260K/stories260K.gguf';

let dir: string;
// profiles on (the test config turns them off), kept in a folder of this test's own
const env = () => ({ IX_PROFILE: '', IX_PROFILE_DIR: dir });

async function ix(args: string[]) {
  try {
    const r = await run(process.execPath, [IX, ...args], { cwd: REPO, env: { ...process.env, ...env() }, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ix-tune-'));
  await discoverBackends();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ix tune', () => {
  let tuned: { profile: TuneProfile; trials: TuneTrial[]; saved: string };
  beforeAll(async () => {
    const r = await ix(['tune', STORIES, '--budget', '30', '--backends', 'cpu-avx', '--json']);
    expect(r.code, r.stderr).toBe(0);
    tuned = JSON.parse(r.stdout) as typeof tuned;
  }, 120_000);

  it('measures every stage, and keeps what it measured fastest', () => {
    const { profile, trials } = tuned;
    for (const stage of ['backend', 'batch', 'kv', 'server'] as const) {
      expect(trials.filter((t) => t.stage === stage && t.chosen), stage).toHaveLength(1);
    }
    // cpu-avx's weights stay repacked unless the file layout measured faster
    const repack = trials.find((t) => t.stage === 'repack')!;
    const base = trials.find((t) => t.stage === 'backend' && t.chosen)!;
    expect(repack.chosen === true).toBe(512 / repack.pp! + 128 / repack.tg! < 512 / base.pp! + 128 / base.tg!);
    // stage 1: the least time for a 512-token prompt and 128 generated tokens, among eligible trials
    const eligible = trials.filter((t) => t.stage === 'backend' && t.pp && t.tg && !t.note);
    const fastest = eligible.reduce((a, b) => (512 / b.pp! + 128 / b.tg! < 512 / a.pp! + 128 / a.tg! ? b : a));
    expect(trials.find((t) => t.stage === 'backend' && t.chosen)).toEqual(fastest);
    expect(profile.load).toEqual({ backend: 'cpu-avx', threads: fastest.threads, backendOptions: { accuracy: fastest.accuracy, ...(repack.chosen && { repack: false }) } });
    // stage 2: the batch size with the fastest prefill
    const batches = trials.filter((t) => t.stage === 'batch' && t.pp);
    expect(profile.session.batchSize).toBe(batches.reduce((a, b) => (b.pp! > a.pp! ? b : a)).batchSize);
    expect(profile.server.parallel).toBe(trials.find((t) => t.stage === 'server' && t.chosen)!.parallel);
    expect(profile.machine.threads).toBeGreaterThan(0);
  });

  it('saves the profile, which --show prints back', async () => {
    expect(await readdir(dir)).toEqual([tuned.saved.split('/').pop()]);
    const r = await ix(['tune', STORIES, '--show', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(tuned.profile);
  });

  it('run and bench load with it, and say so on stderr', async () => {
    const r = await ix(['bench', STORIES, '-p', '8', '-n', '4', '-r', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`tuned profile ${tuned.saved}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'cpu-avx', profile: tuned.saved });
  });

  it('a profile file that is not one is ignored with a warning, never a crash', async () => {
    const saved = tuned.saved;
    await writeFile(saved, '{"version": 1, "load": {"backend": "cpu-avx"}, "session": {"batchSize": 0}}');
    try {
      const r = await ix(['run', STORIES, '--temp', '0', '-n', '4', '--no-chat', '-p', 'Once']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`ix: warning: ignoring ${saved}: tuning profile:`);
      const show = await ix(['tune', STORIES, '--show']);
      expect(show.code).toBe(1);
      expect(show.stderr).toContain('is not a usable profile');
    } finally {
      await writeFile(saved, JSON.stringify(tuned.profile));
    }
  });

  it('refuses a budget, accuracy or backend it cannot use', async () => {
    expect((await ix(['tune', STORIES, '--budget', '0'])).stderr).toContain('budget must be a positive number');
    expect((await ix(['tune', STORIES, '--accuracy', 'sloppy'])).stderr).toContain('--accuracy must be any, exact or fast');
    expect((await ix(['tune', STORIES, '--backends', 'nonesuch'])).stderr).toContain('backend "nonesuch" is not available');
    // a budget spent before anything finishes: every trial stopped or skipped, and it says so
    const spent = await ix(['tune', STORIES, '--budget', '0.001']);
    expect(spent.code).toBe(1);
    expect(spent.stderr).toContain('no configuration could be measured within 0.001 s (raise the budget)');
  });
});

describe('loadModel with a profile', () => {
  const profile = (backend: string): TuneProfile => ({
    version: 1,
    machineKey: 'm',
    machine: { cpu: 'x', threads: 2, memoryGiB: 1, devices: [] },
    modelKey: 'k',
    model: STORIES,
    created: '',
    load: { backend },
    session: { batchSize: 32, kvType: 'F32' },
    server: { parallel: 3, contextLength: 128, memoryBytes: 1 },
    measured: { pp: 1, tg: 1, aggregate: 1 },
  });

  it("applies its backend and session defaults where the caller leaves them open; the caller's win", async () => {
    const path = join(REPO, STORIES);
    const a = await loadModel(path, { profile: profile('reference') });
    try {
      expect(a.backend.name).toBe('reference');
      expect(a.createSession().kvCache.k[0]!.dtype).toBe('F32');
      expect(a.createSession({ kvType: 'F16' }).kvCache.k[0]!.dtype).toBe('F16');
    } finally {
      await a.dispose();
    }
    const b = await loadModel(path, { profile: profile('reference'), backend: 'cpu-avx' });
    try {
      expect(b.backend.name).toBe('cpu-avx');
    } finally {
      await b.dispose();
    }
  });
});
