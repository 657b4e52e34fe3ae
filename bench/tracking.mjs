// Run-store benchmark: fills a store with RUNS x METRICS x STEPS points plus one long series,
// then times the two dashboard queries (runs table sorted by a metric; downsampled long
// curve) against bare baselines on the same database in the same run:
//   - list:   a plain indexed SELECT of the same page of run rows (no tags/params/summaries),
//   - series: a plain SELECT of all the series' rows (what a client-side downsampler would read).
// Usage: node bench/tracking.mjs [--runs 1000] [--metrics 10] [--steps 1000]
//          [--series-points 100000] [--max-points 1000] [--repeat 20] [--db file|postgres://...]
//          [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore } from '@glorank/tracking';
import { benchFlags } from './lib/flags.mjs';

const { flags, int } = benchFlags('bench/tracking', {
  runs: { type: 'string', default: '1000' },
  metrics: { type: 'string', default: '10' },
  steps: { type: 'string', default: '1000' },
  'series-points': { type: 'string', default: '100000' },
  'max-points': { type: 'string', default: '1000' },
  repeat: { type: 'string', default: '20' },
  db: { type: 'string' },
  keep: { type: 'boolean', default: false },
});
const RUNS = int('runs');
const METRICS = int('metrics');
const STEPS = int('steps');
const SERIES_POINTS = int('series-points');
const MAX_POINTS = int('max-points');
const REPEAT = int('repeat');

const tmp = flags.db ? null : mkdtempSync(path.join(os.tmpdir(), 'glorank-bench-'));
const location = flags.db ?? path.join(tmp, 'glorank.db');
const isPg = /^postgres(ql)?:\/\//.test(location);
const schema = isPg ? `bench_${process.pid}` : undefined;

/** Median wall time of `fn` in ms over REPEAT runs after one warm-up. */
async function time(fn) {
  await fn();
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** A bare connection to the same database for the baselines. */
async function bareConnection() {
  if (!isPg) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(location, { readonly: true });
    return {
      all: async (sql, params) => db.prepare(sql).all(...params),
      close: async () => db.close(),
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: location, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    all: async (sql, params) => {
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows;
    },
    close: async () => client.end(),
  };
}

const store = await openRunStore(location, schema ? { schema } : {});
try {
  // ---- fill --------------------------------------------------------------------------
  const t0 = Date.now();
  const stride = Math.max(1, Math.floor(RUNS / 20));
  for (let r = 0; r < RUNS; r++) {
    const run = await store.createRun({
      experiment: `exp-${r % 10}`,
      name: `run-${r}`,
      params: { lr: 10 ** -(1 + (r % 4)), seed: r },
      tags: r % 7 === 0 ? ['seven'] : [],
    });
    const points = [];
    for (let m = 0; m < METRICS; m++) {
      for (let s = 0; s < STEPS; s++) {
        // A decaying curve per run and metric with a little deterministic wiggle.
        points.push({
          key: `m${m}`,
          step: s,
          value: (1 + ((r * 31 + m * 7) % 97) / 97) / (1 + s / 100) + Math.sin(s + r) * 0.01,
          time: t0 + s,
        });
      }
    }
    await store.logMetrics(run.id, points);
    if (r < RUNS - 1) await store.setRunStatus(run.id, r % 13 === 0 ? 'failed' : 'finished');
    if (r % stride === 0) process.stderr.write(`\rfill: ${r + 1}/${RUNS} runs`);
  }
  const long = await store.createRun({ experiment: 'long', name: 'long-series' });
  for (let i = 0; i < SERIES_POINTS; i += 50_000) {
    const batch = [];
    for (let s = i; s < Math.min(SERIES_POINTS, i + 50_000); s++) {
      batch.push({
        key: 'loss',
        step: s,
        value: Math.exp(-s / SERIES_POINTS) + Math.sin(s / 37) * 0.05,
        time: t0 + s,
      });
    }
    await store.logMetrics(long.id, batch);
  }
  const fillSeconds = (Date.now() - t0) / 1000;
  const totalPoints = RUNS * METRICS * STEPS + SERIES_POINTS;
  process.stderr.write('\n');

  // ---- queries -----------------------------------------------------------------------
  const bare = await bareConnection();
  const listStore = await time(() =>
    store.listRuns({ sort: { by: 'metric', key: 'm3', agg: 'last', dir: 'asc' }, limit: 50 }),
  );
  const listFiltered = await time(() =>
    store.listRuns({
      filter: { status: 'finished', metrics: [{ key: 'm1', agg: 'min', op: '<', value: 0.5 }] },
      sort: { by: 'metric', key: 'm3', agg: 'min', dir: 'desc' },
      limit: 50,
    }),
  );
  const listBare = await time(() =>
    bare.all(
      `SELECT r.* FROM runs r JOIN series s ON s.run_id = r.id AND s.key = ? ORDER BY s.last_value ASC LIMIT 50`,
      ['m3'],
    ),
  );
  let sampled;
  const seriesStore = await time(async () => {
    sampled = await store.getSeries(long.id, 'loss', { maxPoints: MAX_POINTS });
  });
  const seriesTime = await time(() =>
    store.getSeries(long.id, 'loss', { maxPoints: MAX_POINTS, xAxis: 'time' }),
  );
  const seriesId = (
    await bare.all('SELECT id FROM series WHERE run_id = ? AND key = ?', [long.id, 'loss'])
  )[0].id;
  let rawRows = 0;
  const seriesBare = await time(async () => {
    rawRows = (
      await bare.all('SELECT step, value, wall_time FROM metric_points WHERE series_id = ? ORDER BY step', [
        seriesId,
      ])
    ).length;
  });
  await bare.close();

  const ms = (v) => `${v.toFixed(2)} ms`;
  const lines = [
    `backend ${store.backend}  ${RUNS} runs x ${METRICS} metrics x ${STEPS} steps + ${SERIES_POINTS}-point series = ${totalPoints.toLocaleString('en-US')} points`,
    `fill (store API, one logMetrics call per run): ${fillSeconds.toFixed(1)} s, ${Math.round(totalPoints / fillSeconds).toLocaleString('en-US')} points/s`,
    `median of ${REPEAT}:`,
    `  list 50 runs sorted by last(m3), with tags/params/summaries   ${ms(listStore)}   (bare SELECT of the page ${ms(listBare)}, ratio ${(listStore / listBare).toFixed(2)})`,
    `  same, filtered status + min(m1)<0.5, sorted by min(m3)          ${ms(listFiltered)}`,
    `  ${SERIES_POINTS}-point series downsampled to <= ${MAX_POINTS} (step axis)   ${ms(seriesStore)}   -> ${sampled.steps.length} points`,
    `  same on the time axis                                        ${ms(seriesTime)}`,
    `  bare SELECT of all ${rawRows} rows of that series                 ${ms(seriesBare)}   (downsampled / bare ratio ${(seriesStore / seriesBare).toFixed(2)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await store.close();
  if (isPg) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    if (!flags.keep) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  if (tmp && !flags.keep) rmSync(tmp, { recursive: true, force: true });
}
