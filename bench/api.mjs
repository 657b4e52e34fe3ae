// Dashboard API benchmark: the runs page and a long curve as the browser asks for them, timed
// against bare baselines measured on the same store in the same run.
//   runs page:  appRouter runs.list over HTTP (fetch handler: parse, zod, query language,
//               store query, row shaping, JSON) vs the bare store call listRuns with the same
//               filter/sort/page (no API layer, no serialisation).
//   long curve: run.series over HTTP with at most 2,000 points vs the bare store reading every
//               point of the series (what a client-side downsampler would have to fetch).
// Usage: node bench/api.mjs [--runs 5000] [--points-per-run 20] [--series-points 100000]
//          [--max-points 2000] [--repeat 20] [--db file|postgres://...] [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiContext, handleTrpcRequest } from '@glorank/api';
import { openRunStore } from '@glorank/tracking';
import { benchFlags } from './lib/flags.mjs';

const { flags, int } = benchFlags('bench/api', {
  runs: { type: 'string', default: '5000' },
  'points-per-run': { type: 'string', default: '20' },
  'series-points': { type: 'string', default: '100000' },
  'max-points': { type: 'string', default: '2000' },
  repeat: { type: 'string', default: '20' },
  db: { type: 'string' },
  keep: { type: 'boolean', default: false },
});
const RUNS = int('runs');
const PER_RUN = int('points-per-run');
const SERIES_POINTS = int('series-points');
const MAX_POINTS = int('max-points');
const REPEAT = int('repeat');

const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-bench-api-'));
const location = flags.db ?? path.join(dir, 'glorank.db');
const store = await openRunStore(location);
const ctx = createApiContext({ store, artifactsDir: dir, datasetsDir: null });

// Deterministic filler (no Math.random: the same flags give the same store).
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

const t0 = performance.now();
const methods = ['initial', 'dnn', 'prm', 'seq2slate', 'glorank-sft', 'glorank-rl'];
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
  for (let s = 0; s < PER_RUN; s++)
    points.push({ key: 'train/loss', step: s, value: base / (1 + s) + 0.01 * rand() });
  points.push({ key: 'test/ndcg@6', step: PER_RUN, value: 40 + 30 * rand() });
  points.push({ key: 'test/precision@6', step: PER_RUN, value: 30 + 30 * rand() });
  await store.logMetrics(run.id, points);
  if (r % 4 !== 3) await store.setRunStatus(run.id, 'finished');
}
const long = await store.createRun({ experiment: 'long', name: 'long-series' });
for (let start = 0; start < SERIES_POINTS; start += 10_000) {
  const points = [];
  for (let s = start; s < Math.min(SERIES_POINTS, start + 10_000); s++) {
    points.push({
      key: 'train/loss',
      step: s,
      value: 1 / (1 + s / 1000) + 0.05 * rand(),
      time: 1.7e12 + s * 100,
    });
  }
  await store.logMetrics(long.id, points);
}
const fillSeconds = (performance.now() - t0) / 1000;

async function time(fn) {
  await fn(0); // warm-up (statement cache, JIT)
  const ms = [];
  let out;
  for (let i = 0; i < REPEAT; i++) {
    const s = performance.now();
    out = await fn(i);
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return {
    median: ms[Math.floor(ms.length / 2)],
    p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)],
    out,
  };
}

const http = async (procedure, input) => {
  const url = `http://bench/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await handleTrpcRequest(new Request(url), ctx);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${procedure}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return { bytes: text.length, body: JSON.parse(text).result.data };
};

const pageOffset = (i) => ((i * 7) % Math.max(1, Math.floor(RUNS / 100))) * 100;
const cases = [
  {
    name: 'runs page, newest first',
    api: (i) =>
      http('runs.list', { limit: 100, offset: pageOffset(i), metricKeys: ['train/loss', 'test/ndcg@6'] }),
    bare: (i) => store.listRuns({ limit: 100, offset: pageOffset(i) }),
  },
  {
    name: 'runs page, sorted by min loss',
    api: (i) =>
      http('runs.list', {
        sort: { by: 'metric', key: 'train/loss', agg: 'min', dir: 'asc' },
        limit: 100,
        offset: pageOffset(i),
        metricKeys: ['train/loss', 'test/ndcg@6'],
      }),
    bare: (i) =>
      store.listRuns({
        sort: { by: 'metric', key: 'train/loss', agg: 'min', dir: 'asc' },
        limit: 100,
        offset: pageOffset(i),
      }),
  },
  {
    name: 'runs page, filtered (query language)',
    api: () =>
      http('runs.list', {
        query: 'status:finished params.method=dnn metrics.test/ndcg@6.max>50',
        sort: { by: 'metric', key: 'test/ndcg@6', agg: 'max', dir: 'desc' },
        limit: 100,
        metricKeys: ['train/loss', 'test/ndcg@6'],
      }),
    bare: () =>
      store.listRuns({
        filter: {
          status: ['finished'],
          params: [{ key: 'method', op: '=', value: 'dnn' }],
          metrics: [{ key: 'test/ndcg@6', agg: 'max', op: '>', value: 50 }],
        },
        sort: { by: 'metric', key: 'test/ndcg@6', agg: 'max', dir: 'desc' },
        limit: 100,
      }),
  },
  {
    name: `${SERIES_POINTS}-point curve`,
    api: () => http('run.series', { id: long.id, keys: ['train/loss'], maxPoints: MAX_POINTS }),
    bare: () => store.getSeries(long.id, 'train/loss', { maxPoints: SERIES_POINTS }),
  },
];

process.stdout.write(
  `bench/api: ${RUNS} runs x ${PER_RUN + 2} points + one ${SERIES_POINTS}-point series (${store.backend}), filled in ${fillSeconds.toFixed(1)} s; median of ${REPEAT}\n\n`,
);
process.stdout.write(
  `${'case'.padEnd(40)} ${'api ms'.padStart(8)} ${'p95'.padStart(7)} ${'bare ms'.padStart(8)} ${'api/bare'.padStart(9)}  sent\n`,
);
for (const c of cases) {
  const api = await time(c.api);
  const bare = await time(c.bare);
  const sent = api.out.body.rows
    ? `${api.out.body.rows.length} rows of ${api.out.body.total}, ${(api.out.bytes / 1024).toFixed(0)} KiB`
    : `${api.out.body[0].steps.length} of ${api.out.body[0].totalPoints} points, ${(api.out.bytes / 1024).toFixed(0)} KiB (bare: ${bare.out.steps.length} points)`;
  process.stdout.write(
    `${c.name.padEnd(40)} ${api.median.toFixed(1).padStart(8)} ${api.p95.toFixed(1).padStart(7)} ${bare.median
      .toFixed(1)
      .padStart(8)} ${(api.median / bare.median).toFixed(2).padStart(9)}  ${sent}\n`,
  );
  if (!api.out.body.rows && api.out.body[0].steps.length > MAX_POINTS) {
    process.stdout.write(`  !! curve exceeds ${MAX_POINTS} points\n`);
    process.exitCode = 1;
  }
}
await store.close();
if (!flags.keep && !flags.db) rmSync(dir, { recursive: true, force: true });
else if (flags.keep) process.stdout.write(`\nstore kept at ${location}\n`);
