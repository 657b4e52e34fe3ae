// One seed of the synthetic comparison in its own process, so that the claims tests can run
// their seeds side by side on separate cores (tfjs-wasm computes on one thread per process).
// Usage: node comparison-seed.mjs <options.json> <result.json>
// options.json holds runSyntheticComparison's options (the test file decides them); the
// result is written to a temporary name and renamed, with each method's per-request rewards
// as a plain array (JSON keeps float64 values exactly).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { runSyntheticComparison } from '@glorank/experiment';
import { selectBackend } from '@glorank/model';

const [optionsFile, resultFile] = process.argv.slice(2);
if (optionsFile === undefined || resultFile === undefined) {
  console.error('usage: node comparison-seed.mjs <options.json> <result.json>');
  process.exit(2);
}
const options = JSON.parse(await readFile(optionsFile, 'utf8'));
await selectBackend(options.backend ?? 'wasm');
const t0 = process.cpuUsage();
const result = await runSyntheticComparison(options.comparison);
const cpu = process.cpuUsage(t0);
const scores = {};
for (const [method, s] of Object.entries(result.scores)) {
  scores[method] = { ...s, rewards: Array.from(s.rewards) };
}
const tmp = `${resultFile}.tmp-${process.pid}`;
await writeFile(tmp, JSON.stringify({ ...result, scores, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
await rename(tmp, resultFile);
