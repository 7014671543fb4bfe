import { describe, expect, it } from 'vitest';
import { EmbedBatcher } from '../src/embed-batcher.js';
import type { EmbedOutput, EmbedRequestOptions } from '../src/engine.js';

type Input = string | readonly number[];

/** a model stand-in: each input's "embedding" is its text's char codes; calls wait for a gate */
function fakeModel() {
  const calls: { inputs: Input[]; options: EmbedRequestOptions }[] = [];
  let gate: (() => void) | undefined;
  const run = async (inputs: readonly Input[], options: EmbedRequestOptions): Promise<EmbedOutput> => {
    calls.push({ inputs: [...inputs], options });
    await new Promise<void>((resolve) => (gate = resolve));
    if (inputs.some((i) => i === 'bad')) throw new Error(`input ${inputs.indexOf('bad')} is bad`);
    return { embeddings: inputs.map((i) => Float32Array.from(String(i), (ch) => ch.charCodeAt(0))), tokens: inputs.map((i) => String(i).length) };
  };
  const open = async () => {
    while (!gate) await new Promise((r) => setTimeout(r, 1));
    const g = gate;
    gate = undefined;
    g();
  };
  return { calls, run, open };
}

const text = (out: EmbedOutput) => out.embeddings.map((e) => String.fromCharCode(...e));

describe('EmbedBatcher', () => {
  it('merges the requests that wait for a running call into one call, by options, and gives each its own part', async () => {
    const m = fakeModel();
    const b = new EmbedBatcher(m.run);
    const first = b.embed(['a'], {});
    const second = b.embed(['bb', 'cc'], {});
    const third = b.embed(['ddd'], {});
    const other = b.embed(['e'], { dimensions: 8 });
    expect(b.waiting).toBe(3);
    await m.open(); // the first call, alone
    expect(text(await first)).toEqual(['a']);
    await m.open(); // second and third together
    expect(text(await second)).toEqual(['bb', 'cc']);
    expect(text(await third)).toEqual(['ddd']);
    expect((await second).tokens).toEqual([2, 2]);
    await m.open(); // other options: a call of its own
    expect(text(await other)).toEqual(['e']);
    expect(m.calls.map((c) => c.inputs)).toEqual([['a'], ['bb', 'cc', 'ddd'], ['e']]);
    expect(m.calls[2]!.options).toEqual({ dimensions: 8 });
  });

  it('a merged call that fails is retried request by request, so only the bad request fails', async () => {
    const m = fakeModel();
    const b = new EmbedBatcher(m.run);
    const first = b.embed(['x'], {});
    const good = b.embed(['ok'], {});
    const bad = b.embed(['y', 'bad'], {});
    await m.open();
    await first;
    await m.open(); // merged: fails
    await m.open(); // good alone
    await m.open(); // bad alone
    expect(text(await good)).toEqual(['ok']);
    await expect(bad).rejects.toThrow('input 1 is bad'); // its index in its own request
    expect(m.calls.map((c) => c.inputs)).toEqual([['x'], ['ok', 'y', 'bad'], ['ok'], ['y', 'bad']]);
  });

  it('keeps a merged call under maxInputs', async () => {
    const m = fakeModel();
    const b = new EmbedBatcher(m.run, 3);
    const all = [b.embed(['a'], {}), b.embed(['b', 'c'], {}), b.embed(['d', 'e'], {}), b.embed(['f'], {})];
    for (let i = 0; i < 3; i++) await m.open();
    await Promise.all(all);
    expect(m.calls.map((c) => c.inputs)).toEqual([['a'], ['b', 'c', 'f'], ['d', 'e']]);
  });
});
