// `node tools/bench/dist/native-peer.js [tool...]`: build llama.cpp's native tools ahead of a
// benchmark and print their paths. (Its own entry: a check for "am I the main module" inside
// native-peer.ts would run from a shared chunk once bundled, and never match.)
import { NATIVE_TOOLS, nativePeer, peerCacheRoot, type NativeTool } from './native-peer.js';

const wanted = process.argv.slice(2);
if (wanted.includes('--help') || wanted.includes('-h')) {
  process.stdout.write(`usage: node tools/bench/dist/native-peer.js [${NATIVE_TOOLS.join('|')} ...]\n(cache: ${peerCacheRoot()}, or $IX_PEER_CACHE; IX_PEER_FLAVOUR=avx2 builds with AVX-512 off, avx2-vnni with AVX-VNNI too)\n`);
} else {
  for (const t of wanted.length ? wanted : NATIVE_TOOLS) {
    if (!(NATIVE_TOOLS as readonly string[]).includes(t)) throw new Error(`unknown tool ${t} (${NATIVE_TOOLS.join(', ')})`);
    process.stdout.write(nativePeer(t as NativeTool) + '\n');
  }
}
