#!/usr/bin/env node
// A static HTTP server for a folder (this one by default) on loopback, with the types a page with
// WebAssembly needs and the two headers that make the page cross-origin isolated (SharedArrayBuffer,
// hence WebAssembly threads): `node examples/browser/serve.mjs [folder] [port]`. Also used by the
// browser tests and the WebAssembly benchmark.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gguf': 'application/octet-stream',
};

const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serve `root` on 127.0.0.1:`port` (0: a free one); resolves to its base URL and a close().
 * `isolated: false` leaves the isolation headers out (a page without threads, for tests).
 */
export async function serveStatic(root, port = 0, { isolated = true } = {}) {
  root = path.resolve(root);
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, rel === '/' ? 'index.html' : rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...(isolated && ISOLATED) }).end(body),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const site = await serveStatic(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)), Number(process.argv[3] ?? 8000));
  console.log(`serving at ${site.url} (Ctrl-C to stop)`);
}
