import { describe, expect, it } from 'vitest';
import { StopStringFilter } from '../src/runtime/stop-strings.js';

function run(stops: string[], chunks: string[]) {
  const f = new StopStringFilter(stops);
  const out: string[] = [];
  for (const c of chunks) {
    const r = f.push(c);
    out.push(r.text);
    if (r.stopped) return { out, stopped: true, text: f.output };
  }
  out.push(f.flush());
  return { out, stopped: false, text: f.output };
}

describe('stop strings', () => {
  it('cuts before a stop string split over chunks and never emits part of it', () => {
    const r = run(['\nUser:'], ['Hello', ' there\n', 'Us', 'er:', ' more']);
    expect(r.stopped).toBe(true);
    expect(r.text).toBe('Hello there');
    expect(r.out.join('')).toBe('Hello there');
    expect(r.out.some((c) => c.includes('\n'))).toBe(false);
  });

  it('releases held-back text that turned out not to be a stop string', () => {
    const r = run(['END'], ['abc E', 'N', 'x']);
    expect(r.stopped).toBe(false);
    expect(r.out).toEqual(['abc ', '', 'ENx', '']);
  });

  it('picks the earliest of several stop strings', () => {
    const r = run(['bb', 'a'], ['xxbba']);
    expect(r.text).toBe('xx');
  });

  it('without stop strings everything passes straight through', () => {
    expect(run([], ['a', 'b']).out).toEqual(['a', 'b', '']);
  });
});
