// Dashboard page speed: time until the runs page and a run page are usable in Chromium, on a
// store of 5,000 runs, next to the bare API calls those pages make (over HTTP to the same
// server). "Usable" is measured inside the page (performance.now(), from navigation start, on
// animation frames; the checks are in bench/dashboard-timing.mjs):
//   runs page: the first run row is in the table;
//   run page:  the first curve's canvas is drawn and the logs box shows the log lines.
// Each page is opened cold (new browser context: nothing cached) and warm (same context,
// reloaded), --repeat times; medians are printed and written to bench/out/dashboard-load.json,
// with, not counted in "usable", the first contentful paint and when React had hydrated (the
// pages are drawn from the server's HTML before React starts: apps/dashboard/server.mjs).
// Usage: node bench/dashboard-load.mjs [--runs 5000] [--repeat 7] [--keep]
//   (needs Debian's Chromium at /usr/bin/chromium or $GLORANK_CHROMIUM; `glorank dashboard`
//   builds the app first when its sources changed)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openRunStore } from '@glorank/tracking';
import { launchChromium, median, runPageUsable, runsPageUsable, visit } from './dashboard-timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
const REPEAT = Number(flags.repeat);
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(REPEAT) || REPEAT < 1) {
  process.stderr.write('bench/dashboard-load: --runs and --repeat must be positive integers\n');
  process.exit(2);
}

// A store like a team's: methods x seeds x lrs over ten experiments, curves and test metrics.
const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-bench-dash-'));
const database = path.join(dir, 'glorank.db');
const store = await openRunStore(database);
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const methods = ['initial', 'dnn', 'prm', 'seq2slate', 'glorank-sft', 'glorank-rl'];
const t0 = performance.now();
let lastRun = 0;
for (let r = 0; r < RUNS; r++) {
  const method = methods[r % methods.length];
  const run = await store.createRun({
    experiment: `sweep-${r % 10}`,
    name: `${method} lr=${(0.001 * (1 + (r % 7))).toFixed(3)} seed=${r % 5}`,
    params: { method, lr: 0.001 * (1 + (r % 7)), seed: r % 5, dim: 32 * (1 + (r % 3)) },
    tags: r % 3 === 0 ? ['baseline'] : ['sweep'],
  });
  const base = 0.3 + rand();
  const points = [];
  for (let s = 0; s < 50; s++)
    points.push({ key: 'train/loss', step: s, value: base / (1 + s) + 0.01 * rand() });
  points.push({ key: 'test/ndcg@6', step: 50, value: 40 + 30 * rand() });
  points.push({ key: 'test/precision@6', step: 50, value: 30 + 30 * rand() });
  await store.logMetrics(run.id, points);
  await store.appendLogs(run.id, [{ message: `trained ${method}`, level: 'info' }]);
  await store.setRunStatus(run.id, 'finished');
  lastRun = run.id;
}
await store.close();
const fillSeconds = (performance.now() - t0) / 1000;

const port = await new Promise((resolve, reject) => {
  const srv = createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});
const child = spawn(
  process.execPath,
  [path.join(ROOT, 'apps/cli/bin/glorank.js'), 'dashboard', '--port', String(port), '--db', database],
  {
    env: { ...process.env, GLORANK_RUNS_DIR: dir, GLORANK_DASHBOARD_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const base = await new Promise((resolve, reject) => {
  const timer = setInterval(() => {
    const m = out.match(/glorank dashboard: (http:\/\/\S+)/);
    if (m) {
      clearInterval(timer);
      resolve(m[1]);
    }
  }, 100);
  child.once('exit', (code) => reject(new Error(`glorank dashboard exited with ${code}:\n${out}`)));
});

async function api(procedure, input) {
  const url = new URL(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, base);
  const s = performance.now();
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${procedure}: HTTP ${res.status}`);
  return performance.now() - s;
}
async function timeApi(procedure, input) {
  await api(procedure, input);
  const ms = [];
  for (let i = 0; i < REPEAT * 3; i++) ms.push(await api(procedure, input));
  return median(ms);
}

const browser = await launchChromium();
async function timePage(route, check) {
  const cold = [];
  const warm = [];
  const detail = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = await visit(browser, new URL(route, base).toString(), check);
    cold.push(t.cold);
    warm.push(t.warm);
    detail.push(t.detail);
  }
  const mid = (pick) => median(detail.map(pick).filter((x) => x !== null)) ?? null;
  return {
    cold: median(cold),
    warm: median(warm),
    all: { cold, warm },
    // Not part of "usable": first contentful paint and React's hydration, medians.
    fcp: { cold: mid((d) => d.cold.fcp), warm: mid((d) => d.warm.fcp) },
    hydrated: { cold: mid((d) => d.cold.hydrated), warm: mid((d) => d.warm.hydrated) },
  };
}

/** The page's HTML as the server sends it: time to the whole document, and whether it holds `marker`. */
async function timeHtml(route, marker) {
  const get = async () => {
    const s = performance.now();
    const text = await (await fetch(new URL(route, base))).text();
    return { ms: performance.now() - s, has: text.includes(marker) };
  };
  await get();
  const runs = [];
  for (let i = 0; i < REPEAT * 3; i++) runs.push(await get());
  return { ms: median(runs.map((r) => r.ms)), rendered: runs.every((r) => r.has) };
}

// One visit first, so the server's first-request work (opening the store, compiling routes)
// is not counted.
await timePage('/runs', runsPageUsable);
const results = {
  runs: RUNS,
  repeat: REPEAT,
  fillSeconds,
  runsPage: await timePage('/runs', runsPageUsable),
  runPage: await timePage(`/runs/${lastRun}`, runPageUsable),
  html: {
    runsPage: await timeHtml('/runs', 'data-testid="run-row"'),
    runPage: await timeHtml(`/runs/${lastRun}`, 'data-testid="run-status"'),
  },
  api: {
    runsList: await timeApi('runs.list', { query: '', limit: 100 }),
    runGet: await timeApi('run.get', { id: lastRun }),
    runSeries: await timeApi('run.series', {
      id: lastRun,
      keys: ['test/ndcg@6', 'test/precision@6', 'train/loss'],
      maxPoints: 1000,
    }),
  },
};
await browser.close();
child.kill('SIGTERM');
if (!flags.keep) rmSync(dir, { recursive: true, force: true });

const f = (ms) => (ms === null ? '–' : `${ms.toFixed(0)} ms`);
process.stdout.write(
  [
    `dashboard page speed, ${RUNS} runs (store filled in ${fillSeconds.toFixed(1)} s), median of ${REPEAT}`,
    `  runs page usable: cold ${f(results.runsPage.cold)}, warm ${f(results.runsPage.warm)}   (bare runs.list over HTTP: ${f(results.api.runsList)})`,
    `  run page usable:  cold ${f(results.runPage.cold)}, warm ${f(results.runPage.warm)}   (bare run.get ${f(results.api.runGet)}, run.series ${f(results.api.runSeries)})`,
    `  server HTML: runs page ${f(results.html.runsPage.ms)} (rows in it: ${results.html.runsPage.rendered}), run page ${f(results.html.runPage.ms)}`,
    `  not counted: first contentful paint runs page ${f(results.runsPage.fcp.cold)} / ${f(results.runsPage.fcp.warm)}, run page ${f(results.runPage.fcp.cold)} / ${f(results.runPage.fcp.warm)};` +
      ` React hydrated runs page ${f(results.runsPage.hydrated.cold)} / ${f(results.runsPage.hydrated.warm)}, run page ${f(results.runPage.hydrated.cold)} / ${f(results.runPage.hydrated.warm)} (cold / warm)`,
    '',
  ].join('\n'),
);
mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
writeFileSync(
  path.join(ROOT, 'bench', 'out', 'dashboard-load.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
