// Table of one cuda-check.sh run: ix vs llama-bench per quant type (pp512, tg128, ratios) and decode's
// weight bytes per second against the GPU's peak bandwidth.
// usage: node tools/bench/cuda-summary.mjs <output folder of cuda-check.sh> <quant...>
// IX_CHECK_NAME names the model; IX_CHECK_MODELS (folder of <name>-<quant>.gguf) gives the decode bytes
// per token when llama-bench did not run.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...quants] = process.argv.slice(2);
const read = (f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
const json = (f) => {
  try {
    return JSON.parse(read(f));
  } catch {
    return undefined;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// peak bandwidth from nvidia-smi's max memory clock is unreliable on HBM parts: take it from the env
const peak = Number(process.env.IX_PEAK_GBS ?? 4800);
const gpu = read('gpu.txt').trim().split('\n');
const name = process.env.IX_CHECK_NAME ?? 'tinyllama-1.1b';
const rows = [];
for (const q of quants) {
  const ix = json(`ix-${q}-exact.json`);
  const fast = json(`ix-${q}-fast.json`);
  const plain = json(`ix-${q}-nographs.json`);
  const ll = json(`llama-${q}.json`);
  const of = (run, t) => run?.results?.find((r) => r.test === t)?.tokensPerSecond;
  const ixOf = (t) => of(ix, t);
  const llOf = (pp) => {
    const r = ll?.find((x) => (pp ? x.n_prompt > 0 && x.n_gen === 0 : x.n_gen > 0 && x.n_prompt === 0));
    return r ? median(r.samples_ts) : undefined;
  };
  const [ipp, itg, lpp, ltg] = [ixOf('pp512'), ixOf('tg128'), llOf(true), llOf(false)];
  const [fpp, ftg, ntg] = [of(fast, 'pp512'), of(fast, 'tg128'), of(plain, 'tg128')];
  const file = process.env.IX_CHECK_MODELS ? join(process.env.IX_CHECK_MODELS, `${name}-${q}.gguf`) : '';
  const bytes = ll?.[0]?.model_size ?? (file && existsSync(file) ? statSync(file).size : undefined);
  const fmt = (v) => (v === undefined ? 'n/a' : v.toFixed(0));
  const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : 'n/a');
  const share = (tg) => (tg && bytes ? `${((100 * tg * bytes) / (peak * 1e9)).toFixed(0)}%` : 'n/a');
  rows.push(
    `| ${q} | ${fmt(ipp)} | ${fmt(fpp)} | ${fmt(lpp)} | ${ratio(ipp, lpp)} | ${ratio(fpp, lpp)} | ${fmt(itg)} | ${fmt(ftg)} | ${ntg ? fmt(ntg) : '-'} | ${fmt(ltg)} | ${ratio(itg, ltg)} | ${share(itg)} | ${share(ltg)} |`,
  );
}
console.log(`GPU: ${gpu.join(' / ')}\n`);
console.log(
  `| ${name} | ix pp512 exact | ix pp512 fast | llama.cpp pp512 | ratio exact | ratio fast | ix tg128 exact | ix tg128 fast | ix tg128 no graphs | llama.cpp tg128 | tg ratio | ix decode % of peak BW | llama.cpp % |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`\npeak bandwidth taken as ${peak} GB/s (IX_PEAK_GBS); decode bytes per token = the model's weight bytes (llama-bench model_size, else the file size)`);
