// The npm registry this project builds from lacks some platform-specific optional packages
// (e.g. nx's macOS/Windows binaries). `npm install` then writes a lockfile naming them without
// entries, and `npm ci` refuses it. This drops optional dependencies that have no lock entry;
// run it after `npm install` (npm run lock:prune). The packages for this platform are untouched.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const entries = Object.keys(lock.packages);
const present = (name) => entries.some((k) => k === `node_modules/${name}` || k.endsWith(`/node_modules/${name}`));
let dropped = 0;
for (const info of Object.values(lock.packages)) {
  for (const name of Object.keys(info.optionalDependencies ?? {})) {
    if (!present(name)) {
      delete info.optionalDependencies[name];
      dropped++;
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock:prune: dropped ${dropped} optional dependencies the registry does not have`);
