import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Channel } from './channel.js';
import type { JobEvent } from './scheduler.js';

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}

/** Send lines produced by `body` as a streamed response (SSE or NDJSON). */
export function sendStream(reply: FastifyReply, contentType: string, body: AsyncIterable<string>): FastifyReply {
  reply.header('content-type', contentType).header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
  return reply.send(Readable.from(body, { objectMode: false }));
}

/** The events of several jobs (the n choices of one request) as they come, tagged with the job's index. */
export async function* mergeJobs(channels: readonly Channel<JobEvent>[]): AsyncGenerator<{ index: number; event: JobEvent }> {
  const iterators = channels.map((c) => c[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; r: IteratorResult<JobEvent> }>>();
  const pull = (index: number) => pending.set(index, iterators[index]!.next().then((r) => ({ index, r })));
  iterators.forEach((_, i) => pull(i));
  while (pending.size) {
    const { index, r } = await Promise.race(pending.values());
    if (r.done) {
      pending.delete(index);
      continue;
    }
    pull(index);
    yield { index, event: r.value };
  }
}

/** Wait for every job to finish; returns the results in order and the token events of each. */
export async function collectJobs(channels: readonly Channel<JobEvent>[]) {
  const jobs = channels.map(() => ({ tokens: [] as Extract<JobEvent, { type: 'token' }>[], result: undefined as Extract<JobEvent, { type: 'done' }>['result'] | undefined }));
  for await (const { index, event } of mergeJobs(channels)) {
    if (event.type === 'token') jobs[index]!.tokens.push(event);
    else jobs[index]!.result = event.result;
  }
  return jobs.map((j) => ({ tokens: j.tokens, result: j.result! }));
}
