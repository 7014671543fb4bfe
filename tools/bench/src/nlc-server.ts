import { createServer } from 'node:http';
import { basename } from 'node:path';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { toolArgs } from '@ix/model-gen';

/**
 * node-llama-cpp as its users get it (its prebuilt CPU binaries, every setting at its default: one
 * context of its automatic size with one sequence, so requests take turns), behind the smallest
 * HTTP face serve-load.js needs: /health, /v1/models and streamed /v1/completions with a usage
 * chunk. For benchmarks only; node-llama-cpp ships no server of its own.
 */
const values = toolArgs({ model: { type: 'string' }, port: { type: 'string', default: '8080' } }, 'usage: node tools/bench/dist/nlc-server.js --model file.gguf [--port 8080]');
if (!values.model) throw new Error('--model is required');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
const model = await llama.loadModel({ modelPath: values.model });
const context = await model.createContext();
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
const id = basename(values.model).replace(/\.gguf$/, '');
// one sequence: one request at a time, the others wait their turn
let queue: Promise<unknown> = Promise.resolve();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('{"status":"ok"}');
  if (req.method === 'GET' && req.url === '/v1/models') return void res.end(JSON.stringify({ object: 'list', data: [{ id, object: 'model' }] }));
  if (req.method !== 'POST' || req.url !== '/v1/completions') {
    res.statusCode = 404;
    return void res.end('{"error":"not found"}');
  }
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    const { prompt, max_tokens: maxTokens } = JSON.parse(body) as { prompt: string; max_tokens?: number };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    queue = queue.then(async () => {
      let tokens = 0;
      await completion.generateCompletion(prompt, {
        maxTokens: maxTokens ?? 16,
        onToken: (t) => (tokens += t.length),
        onTextChunk: (text) => send({ object: 'text_completion', choices: [{ index: 0, text }] }),
      });
      send({ object: 'text_completion', choices: [], usage: { completion_tokens: tokens } });
      res.end('data: [DONE]\n\n');
    }).catch((e: unknown) => res.end(`data: ${JSON.stringify({ error: String(e) })}\n\n`));
  });
});
server.listen(Number(values.port), '127.0.0.1');
