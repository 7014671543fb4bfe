import { createServer, type IxServer, type ServerOptions } from '../src/server.js';

/** A server on 127.0.0.1 at a free port. */
export async function startServer(options: ServerOptions): Promise<{ server: IxServer; url: string }> {
  const server = createServer(options);
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, url };
}

/** A gate the fake engine awaits at each step: closed, steps wait until the test opens it. */
export function stepGate() {
  let open = false;
  let waiters: (() => void)[] = [];
  return {
    wait: () => (open ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    open() {
      open = true;
      for (const w of waiters) w();
      waiters = [];
    },
    /** let exactly the waiting steps through, keep the gate closed */
    release() {
      for (const w of waiters) w();
      waiters = [];
    },
    get waiting() {
      return waiters.length;
    },
  };
}

/** Poll until `cond` holds (no timing asserted: the test timeout is the only bound). */
export async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

/** POST JSON and parse NDJSON lines from the streamed answer. */
export async function ndjson(url: string, body: unknown): Promise<Record<string, unknown>[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const lines: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body!) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) lines.push(JSON.parse(line));
    }
  }
  if (buffered.trim()) lines.push(JSON.parse(buffered));
  return lines;
}

/** a response body as JSON, typed loosely for assertions */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (r: Response): Promise<any> => r.json();
