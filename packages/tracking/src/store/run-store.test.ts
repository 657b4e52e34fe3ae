// The RunStore contract, run against every backend (SQLite always, PostgreSQL when
// configured): same inputs, same answers.
import { isUserError } from '@glorank/base';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../test-support/store-backends.js';
import type { RunStore } from '../types.js';
import { openRunStore } from './open-run-store.js';

async function expectUserError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isUserError(err), `expected a UserError, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

/** Independent reference: bucket extremes by brute force over all points. */
function referenceDownsample(
  steps: number[],
  values: number[],
  maxPoints: number,
): { mustContain: Set<number>; allowed: Set<number> } {
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const lo = steps[0] ?? 0;
  const hi = steps[steps.length - 1] ?? 0;
  // Documented layout: bucket i holds steps lo + floor(i*span/buckets) .. lo + floor((i+1)*span/buckets) - 1.
  const span = hi - lo + 1;
  const groups = new Map<number, number[]>();
  let b = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] ?? 0;
    while (step > lo + Math.floor(((b + 1) * span) / buckets) - 1) b++;
    const g = groups.get(b) ?? [];
    g.push(i);
    groups.set(b, g);
  }
  const mustContain = new Set<number>([lo, hi]);
  const allowed = new Set<number>([lo, hi]);
  for (const idx of groups.values()) {
    const vals = idx.map((i) => values[i] ?? 0);
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    const argMins = idx.filter((i) => values[i] === min).map((i) => steps[i] ?? 0);
    const argMaxs = idx.filter((i) => values[i] === max).map((i) => steps[i] ?? 0);
    // Unique extremes must be present; tied extremes may be represented by any of the ties.
    if (argMins.length === 1) mustContain.add(argMins[0] ?? 0);
    if (argMaxs.length === 1) mustContain.add(argMaxs[0] ?? 0);
    for (const s of [...argMins, ...argMaxs]) allowed.add(s);
  }
  return { mustContain, allowed };
}

describeEachBackend('run store', (ctx) => {
  const store = (): RunStore => ctx.store();

  it('creates runs with config, params, tags and an experiment, and reads them back', async () => {
    const run = await store().createRun({
      experiment: 'movielens',
      name: 'glorank-sft',
      config: { lr: 0.001, layers: [2, 2], nested: { ok: true } },
      params: { lr: 0.001, optimizer: 'adam', warm: true },
      tags: ['baseline', 'seed-1', 'baseline'],
      codeVersion: 'abc123',
      datasetHash: 'f'.repeat(64),
      backend: 'wasm',
      host: 'box',
      pid: 4242,
    });
    expect(run.status).toBe('running');
    expect(run.endedAt).toBeNull();
    expect(run.experimentName).toBe('movielens');
    const got = await store().getRun(run.id);
    expect(got).not.toBeNull();
    expect(got?.config).toEqual({ lr: 0.001, layers: [2, 2], nested: { ok: true } });
    expect(got?.params).toEqual({ lr: '0.001', optimizer: 'adam', warm: 'true' });
    expect(got?.tags).toEqual(['baseline', 'seed-1']);
    expect(got?.codeVersion).toBe('abc123');
    expect(got?.datasetHash).toBe('f'.repeat(64));
    expect(got?.backend).toBe('wasm');
    expect(got?.host).toBe('box');
    expect(got?.pid).toBe(4242);
    expect(got?.heartbeatTimeoutMs).toBe(60_000);
    expect(Math.abs((got?.startedAt ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(await store().getRun(run.id + 1000)).toBeNull();

    await store().createRun({ experiment: 'movielens', name: 'second' });
    await store().createRun({ name: 'third' });
    const exps = await store().listExperiments();
    expect(exps.map((e) => [e.name, e.runCount])).toEqual([
      ['default', 1],
      ['movielens', 2],
    ]);
    expect((await store().getExperiment('movielens'))?.id).toBe(run.experimentId);
    expect(await store().getExperiment('nope')).toBeNull();
  });

  it('keeps series summaries exact across appends, NaN, re-logged and out-of-order steps', async () => {
    const { id } = await store().createRun({ name: 'r' });
    await store().logMetrics(id, [
      { key: 'loss', step: 0, value: 3, time: 1000 },
      { key: 'loss', step: 1, value: 1, time: 1001 },
      { key: 'loss', step: 2, value: 4, time: 1002 },
    ]);
    await store().logMetrics(id, [
      { key: 'loss', step: 3, value: 1, time: 1003 },
      { key: 'loss', step: 4, value: 5, time: 1004 },
      { key: 'acc', step: 4, value: Number.NaN, time: 1004 },
    ]);
    let [acc, loss] = await store().listSeries(id);
    expect(loss).toEqual({
      key: 'loss',
      count: 5,
      minStep: 0,
      maxStep: 4,
      last: 5,
      min: 1,
      max: 5,
      firstTime: 1000,
      lastTime: 1004,
    });
    expect(acc).toMatchObject({ key: 'acc', count: 1, last: null, min: null, max: null });

    // Re-logging step 4 with a smaller value must lower max and last (no stale extreme).
    await store().logMetrics(id, [{ key: 'loss', step: 4, value: 2, time: 1010 }]);
    // An earlier step arriving late does not become `last`.
    await store().logMetrics(id, [{ key: 'loss', step: 10, value: 0.5, time: 1011 }]);
    await store().logMetrics(id, [{ key: 'loss', step: 7, value: 9, time: 1012 }]);
    [acc, loss] = await store().listSeries(id);
    // steps 0,1,2,3,4,7,10 -> values 3,1,4,1,2,9,0.5
    expect(loss).toMatchObject({ count: 7, minStep: 0, maxStep: 10, last: 0.5, min: 0.5, max: 9 });
    const s = await store().getSeries(id, 'loss');
    expect(s.steps).toEqual([0, 1, 2, 3, 4, 7, 10]);
    expect(s.values).toEqual([3, 1, 4, 1, 2, 9, 0.5]);
    expect(s.times).toEqual([1000, 1001, 1002, 1003, 1010, 1012, 1011]);
    expect(s.downsampled).toBe(false);
    const a = await store().getSeries(id, 'acc');
    expect(a.values).toEqual([null]);
    const missing = await store().getSeries(id, 'nope');
    expect(missing.totalPoints).toBe(0);
    expect(missing.steps).toEqual([]);

    await expectUserError(store().logMetrics(id, [{ key: 'x', step: -1, value: 1 }]), /step/);
    await expectUserError(store().logMetrics(id, [{ key: 'x', step: 1.5, value: 1 }]), /step/);
    await expectUserError(store().logMetrics(id + 99, [{ key: 'x', step: 1, value: 1 }]), /does not exist/);
  });

  it('downsamples on the server to at most maxPoints, keeping every bucket extreme and both ends', async () => {
    const { id } = await store().createRun({ name: 'long' });
    const n = 20_000;
    const steps: number[] = [];
    const values: number[] = [];
    let x = 0.5;
    for (let i = 0; i < n; i++) {
      // Deterministic chaotic sequence (logistic map) with two isolated spikes.
      x = 3.99 * x * (1 - x);
      steps.push(i * 3);
      values.push(i === 7777 ? 50 : i === 12_345 ? -50 : x);
    }
    for (let i = 0; i < n; i += 5000) {
      await store().logMetrics(
        id,
        steps
          .slice(i, i + 5000)
          .map((s, j) => ({ key: 'reward', step: s, value: values[i + j] ?? 0, time: s })),
      );
    }
    for (const maxPoints of [4, 101, 1000]) {
      const s = await store().getSeries(id, 'reward', { maxPoints });
      expect(s.totalPoints).toBe(n);
      expect(s.downsampled).toBe(true);
      expect(s.steps.length).toBeLessThanOrEqual(maxPoints);
      expect(s.steps.length).toBeGreaterThanOrEqual(Math.min(maxPoints, 4) - 1);
      // Ordered, real points.
      for (let i = 1; i < s.steps.length; i++) expect(s.steps[i]).toBeGreaterThan(s.steps[i - 1] ?? 0);
      for (const [i, st] of s.steps.entries()) expect(s.values[i]).toBe(values[st / 3]);
      expect(s.values).toContain(50);
      expect(s.values).toContain(-50);
      const ref = referenceDownsample(steps, values, maxPoints);
      const got = new Set(s.steps);
      for (const st of ref.mustContain) expect(got.has(st), `step ${st} (maxPoints ${maxPoints})`).toBe(true);
      for (const st of got) expect(ref.allowed.has(st), `unexpected step ${st}`).toBe(true);
    }
    // A range: only points inside it, extremes of the range kept.
    const r = await store().getSeries(id, 'reward', { maxPoints: 50, xMin: 30_000, xMax: 40_000 });
    // Steps 30000, 30003, ..., 39999: (39999 - 30000) / 3 + 1 = 3334 points.
    expect(r.totalPoints).toBe(3334);
    expect(r.steps[0]).toBe(30_000);
    expect(r.steps[r.steps.length - 1]).toBe(39_999);
    expect(r.steps.length).toBeLessThanOrEqual(50);
    // Time axis (time == step here) gives the same points.
    const t = await store().getSeries(id, 'reward', { maxPoints: 200, xAxis: 'time' });
    expect(t.steps.length).toBeLessThanOrEqual(200);
    expect(t.values).toContain(50);
    expect(t.values).toContain(-50);
    expect(t.times).toEqual(t.steps);
    await expectUserError(store().getSeries(id, 'reward', { maxPoints: 2 }), /maxPoints/);
  });

  it('lists runs filtered by status, tag, experiment, name, param and metric, sorted and paginated', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const run = await store().createRun({
        experiment: i < 3 ? 'a' : 'b',
        name: i === 5 ? 'odd_100%' : `run-${i}`,
        params: { lr: [0.1, 0.01, 0.001, 0.1, 0.5, 2][i] ?? 0, opt: i % 2 === 0 ? 'adam' : 'sgd' },
        tags: i % 3 === 0 ? ['keep', 'x'] : ['x'],
      });
      ids.push(run.id);
      // Run 5 logs no loss: it must sort last whichever the direction.
      if (i < 5) {
        await store().logMetrics(run.id, [
          { key: 'loss', step: 0, value: 10 + i },
          { key: 'loss', step: 1, value: [5, 1, 3, 2, 4][i] ?? 0 },
        ]);
      }
    }
    const [r0, r1, r2, r3, r4, r5] = ids as [number, number, number, number, number, number];
    await store().setRunStatus(r1, 'finished');
    await store().setRunStatus(r2, 'failed', { error: 'boom' });

    const names = async (o: Parameters<RunStore['listRuns']>[0]) =>
      (await store().listRuns(o)).runs.map((r) => r.id);

    expect(await names({ sort: { by: 'metric', key: 'loss', agg: 'last', dir: 'asc' } })).toEqual([
      r1,
      r3,
      r2,
      r4,
      r0,
      r5,
    ]);
    expect(await names({ sort: { by: 'metric', key: 'loss', agg: 'last', dir: 'desc' } })).toEqual([
      r0,
      r4,
      r2,
      r3,
      r1,
      r5,
    ]);
    expect(await names({ sort: { by: 'metric', key: 'loss', agg: 'max', dir: 'desc' } })).toEqual([
      r4,
      r3,
      r2,
      r1,
      r0,
      r5,
    ]);
    expect(await names({ sort: { by: 'param', key: 'lr', dir: 'asc' } })).toEqual([r2, r1, r3, r0, r4, r5]);
    expect(await names({ sort: { by: 'id', dir: 'asc' } })).toEqual(ids);
    expect(await names({ filter: { status: 'running' }, sort: { by: 'id', dir: 'asc' } })).toEqual([
      r0,
      r3,
      r4,
      r5,
    ]);
    expect(
      await names({ filter: { status: ['finished', 'failed'] }, sort: { by: 'id', dir: 'asc' } }),
    ).toEqual([r1, r2]);
    expect(await names({ filter: { tags: ['keep', 'x'] }, sort: { by: 'id', dir: 'asc' } })).toEqual([
      r0,
      r3,
    ]);
    expect(await names({ filter: { experiment: 'b' }, sort: { by: 'id', dir: 'asc' } })).toEqual([
      r3,
      r4,
      r5,
    ]);
    expect(await names({ filter: { nameContains: '100%' } })).toEqual([r5]);
    expect(await names({ filter: { nameContains: 'RUN-' }, sort: { by: 'id', dir: 'asc' } })).toEqual([
      r0,
      r1,
      r2,
      r3,
      r4,
    ]);
    expect(
      await names({
        filter: { params: [{ key: 'lr', op: '>=', value: 0.1 }] },
        sort: { by: 'id', dir: 'asc' },
      }),
    ).toEqual([r0, r3, r4, r5]);
    expect(
      await names({ filter: { params: [{ key: 'opt', value: 'sgd' }] }, sort: { by: 'id', dir: 'asc' } }),
    ).toEqual([r1, r3, r5]);
    expect(
      await names({
        filter: { metrics: [{ key: 'loss', agg: 'min', op: '<', value: 3 }] },
        sort: { by: 'id', dir: 'asc' },
      }),
    ).toEqual([r1, r3]);

    const page1 = await store().listRuns({ sort: { by: 'id', dir: 'asc' }, limit: 4 });
    const page2 = await store().listRuns({ sort: { by: 'id', dir: 'asc' }, limit: 4, offset: 4 });
    expect(page1.total).toBe(6);
    expect(page2.total).toBe(6);
    expect([...page1.runs, ...page2.runs].map((r) => r.id)).toEqual(ids);
    expect(page1.runs[1]?.metrics.loss?.last).toBe(1);
    expect(page1.runs[2]?.error).toBe('boom');
    expect(page1.runs[0]?.params).toEqual({ lr: '0.1', opt: 'adam' });

    await expectUserError(store().listRuns({ limit: 0 }), /limit/);
    await expectUserError(store().listRuns({ filter: { status: 'zombie' as 'running' } }), /status/);
    await expectUserError(
      store().listRuns({ sort: { by: 'metric', key: 'loss', agg: 'median' as 'min' } }),
      /sort\.agg/,
    );
  });

  it('allows only legal status transitions', async () => {
    const { id } = await store().createRun({ name: 'r' });
    const done = await store().setRunStatus(id, 'finished');
    expect(done.status).toBe('finished');
    expect(done.endedAt).not.toBeNull();
    await expectUserError(store().setRunStatus(id, 'running'), /finished and cannot become running/);
    await expectUserError(store().setRunStatus(id, 'failed'), /cannot become failed/);
    // A heartbeat does not resurrect a finished run.
    await store().heartbeat(id);
    expect((await store().getRun(id))?.status).toBe('finished');
    await expectUserError(store().heartbeat(id + 50), /does not exist/);
  });

  it('marks a run crashed once its heartbeat deadline passes, and a late heartbeat revives it', async () => {
    // A store on the same database whose clock the test moves: the deadline is checked
    // against readings chosen here, never against how long the machine took.
    let now = 1_000_000;
    const clocked = await ctx.target().openWithClock(() => now);
    try {
      const stale = await clocked.createRun({ name: 'stale', heartbeatTimeoutMs: 150 });
      const fresh = await clocked.createRun({ name: 'fresh', heartbeatTimeoutMs: 60_000 });
      expect(stale.startedAt).toBe(now);
      expect(stale.heartbeatAt).toBe(now);
      await clocked.logMetrics(stale.id, [{ key: 'loss', step: 0, value: 1 }]);
      // Exactly at the deadline a run is still alive; one ms later it is overdue.
      now += 150;
      expect(await clocked.markCrashedRuns()).toBe(0);
      expect((await clocked.getRun(stale.id))?.status).toBe('running');
      now += 1;
      const page = await clocked.listRuns({ sort: { by: 'id', dir: 'asc' } });
      expect(page.runs.map((r) => r.status)).toEqual(['crashed', 'running']);
      const crashed = page.runs[0];
      expect(crashed?.endedAt).toBe(1_000_000);
      expect(crashed?.endedAt).toBe(crashed?.heartbeatAt);
      expect(crashed?.metrics.loss?.count).toBe(1);
      expect((await clocked.getRun(fresh.id))?.status).toBe('running');

      now += 1000;
      await clocked.heartbeat(stale.id);
      const revived = await clocked.getRun(stale.id);
      expect(revived?.status).toBe('running');
      expect(revived?.endedAt).toBeNull();
      expect(revived?.heartbeatAt).toBe(now);
      now += 151;
      expect(await clocked.markCrashedRuns()).toBe(1);
      expect((await clocked.getRun(stale.id))?.endedAt).toBe(now - 151);
      expect((await clocked.setRunStatus(stale.id, 'failed', { error: 'late' })).status).toBe('failed');
      // The fresh run's deadline (60 s) has not passed on this clock.
      expect((await clocked.getRun(fresh.id))?.status).toBe('running');
    } finally {
      await clocked.close();
    }
  });

  it('tags, params, deletion and comparison', async () => {
    const a = await store().createRun({ name: 'a', params: { lr: 0.1, seed: 1 } });
    const b = await store().createRun({ name: 'b', params: { lr: 0.1, seed: 2, extra: 'y' } });
    await store().addTags(a.id, ['best', 'x']);
    await store().removeTags(a.id, ['x']);
    expect((await store().getRun(a.id))?.tags).toEqual(['best']);
    await store().logParams(a.id, { lr: 0.2 });
    await store().logMetrics(a.id, [
      { key: 'loss', step: 0, value: 2 },
      { key: 'loss', step: 1, value: 1 },
    ]);
    await store().logMetrics(b.id, [{ key: 'acc', step: 0, value: 0.5 }]);

    const cmp = await store().compareRuns([b.id, a.id], { series: { maxPoints: 10 } });
    expect(cmp.runs.map((r) => r.name)).toEqual(['b', 'a']);
    expect(cmp.params).toEqual([
      { key: 'extra', values: ['y', null], differs: true },
      { key: 'lr', values: ['0.1', '0.2'], differs: true },
      { key: 'seed', values: ['2', '1'], differs: true },
    ]);
    expect(cmp.metrics.map((m) => [m.key, m.summaries.map((s) => s?.last ?? null)])).toEqual([
      ['acc', [0.5, null]],
      ['loss', [null, 1]],
    ]);
    expect(cmp.series?.loss?.[0]).toBeNull();
    expect(cmp.series?.loss?.[1]?.values).toEqual([2, 1]);

    expect(await store().deleteRun(a.id)).toBe(true);
    expect(await store().deleteRun(a.id)).toBe(false);
    expect(await store().getRun(a.id)).toBeNull();
    expect((await store().getSeries(a.id, 'loss')).totalPoints).toBe(0);
    expect((await store().listRuns()).total).toBe(1);
    await expectUserError(store().addTags(a.id, ['x']), /does not exist/);
  });

  it('tails logs by sequence number', async () => {
    const { id } = await store().createRun({ name: 'r' });
    const other = await store().createRun({ name: 'other' });
    await store().appendLogs(id, [{ message: 'one' }, { message: 'two', level: 'warn' }]);
    await store().appendLogs(other.id, [{ message: 'elsewhere' }]);
    await store().appendLogs(id, [{ message: 'three', level: 'error', time: 5 }]);
    const all = await store().tailLogs(id);
    expect(all.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'one'],
      ['warn', 'two'],
      ['error', 'three'],
    ]);
    expect(all.lines[2]?.time).toBe(5);
    const last = await store().tailLogs(id, { limit: 2 });
    expect(last.lines.map((l) => l.message)).toEqual(['two', 'three']);
    const first = all.lines[0]?.seq ?? 0;
    const after = await store().tailLogs(id, { afterSeq: first });
    expect(after.lines.map((l) => l.message)).toEqual(['two', 'three']);
    const none = await store().tailLogs(id, { afterSeq: all.nextSeq });
    expect(none.lines).toEqual([]);
    expect(none.nextSeq).toBe(all.nextSeq);
    await expectUserError(store().appendLogs(id, [{ message: 'x', level: 'loud' as 'info' }]), /level/);
  });

  it('records artifacts and system metrics and exports a whole run', async () => {
    const { id } = await store().createRun({ name: 'r', params: { a: 1 } });
    const sha = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    const first = await store().addArtifact(id, {
      path: 'ckpt/last.bin',
      kind: 'checkpoint',
      bytes: 3,
      sha256: sha,
    });
    const again = await store().addArtifact(id, {
      path: 'ckpt/last.bin',
      kind: 'checkpoint',
      bytes: 4,
      sha256: sha,
    });
    expect(again.id).toBe(first.id);
    await store().addArtifact(id, { path: 'eval.arrow', kind: 'eval-table', bytes: 10, sha256: sha });
    const arts = await store().listArtifacts(id);
    expect(arts.map((x) => [x.path, x.bytes])).toEqual([
      ['ckpt/last.bin', 4],
      ['eval.arrow', 10],
    ]);
    await expectUserError(
      store().addArtifact(id, { path: 'x', kind: 'other', bytes: 1, sha256: 'nothex' }),
      /sha256/,
    );

    const samples = Array.from({ length: 10 }, (_, i) => ({
      time: i * 1000,
      cpuPercent: i * 10,
      rssBytes: 1000 + i,
      heapUsedBytes: 500 + i,
      heapTotalBytes: 800,
      gpuUtilPercent: i < 5 ? null : 50,
    }));
    await store().logSystemMetrics(id, samples);
    const got = await store().getSystemMetrics(id);
    expect(got).toHaveLength(10);
    expect(got[3]).toEqual({ ...samples[3], gpuMemBytes: null });
    const coarse = await store().getSystemMetrics(id, { maxPoints: 5 });
    expect(coarse).toHaveLength(5);
    // Pairs are averaged (CPU) and take the peak (memory).
    expect(coarse[0]).toMatchObject({ time: 500, cpuPercent: 5, rssBytes: 1001, gpuUtilPercent: null });
    expect(coarse[4]).toMatchObject({ cpuPercent: 85, rssBytes: 1009, gpuUtilPercent: 50 });

    await store().logMetrics(id, [
      { key: 'loss', step: 1, value: 0.5, time: 7 },
      { key: 'loss', step: 0, value: 0.7, time: 6 },
    ]);
    await store().appendLogs(id, [{ message: 'hi', time: 8 }]);
    const exp = await store().exportRun(id);
    expect(exp?.format).toBe('glorank-run/1');
    expect(exp?.run.params).toEqual({ a: '1' });
    expect(exp?.series).toEqual([{ key: 'loss', steps: [0, 1], values: [0.7, 0.5], times: [6, 7] }]);
    expect(exp?.logs.map((l) => l.message)).toEqual(['hi']);
    expect(exp?.artifacts).toHaveLength(2);
    expect(exp?.system).toHaveLength(10);
    expect(await store().exportRun(id + 100)).toBeNull();
  });

  it('migrates once: reopening keeps data and a newer schema is refused', async () => {
    const { id } = await store().createRun({ name: 'kept' });
    const target = ctx.target();
    const again = await target.open();
    try {
      expect((await again.getRun(id))?.name).toBe('kept');
    } finally {
      await again.close();
    }
    // Pretend a future glorank migrated this database further.
    await markFutureSchema(target.location, target.schema);
    await expectUserError(
      target.open().then((s) => s.close()),
      /schema is version 999, newer than this glorank understands/,
    );
  });
});

async function markFutureSchema(location: string, schema: string | undefined): Promise<void> {
  if (schema === undefined) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(location);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')",
    ).run();
    db.close();
    return;
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: location, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query(
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')",
  );
  await client.end();
}

it('opens the default SQLite location from the environment and rejects a non-database file', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { defaultStoreLocation, redactLocation } = await import('./open-run-store.js');
  expect(defaultStoreLocation({ GLORANK_DB_URL: 'postgres://u:p@h/db' }, '/x')).toBe('postgres://u:p@h/db');
  expect(defaultStoreLocation({}, '/x')).toBe('/x/runs/glorank.db');
  expect(defaultStoreLocation({ GLORANK_RUNS_DIR: 'out' }, '/x')).toBe('/x/out/glorank.db');
  const { storagePaths } = await import('./open-run-store.js');
  expect(storagePaths({}, '/x')).toEqual({
    runsDir: '/x/runs',
    datasetsDir: '/x/datasets/out',
    database: '/x/runs/glorank.db',
  });
  expect(
    storagePaths(
      { GLORANK_RUNS_DIR: '/r', GLORANK_DATASETS_DIR: 'd', GLORANK_DB_URL: 'postgres://h/db' },
      '/x',
    ),
  ).toEqual({ runsDir: '/r', datasetsDir: '/x/d', database: 'postgres://h/db' });
  expect(redactLocation('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-bad-'));
  try {
    const bad = path.join(dir, 'not-a.db');
    writeFileSync(bad, 'this is not sqlite, just text that is long enough to have a header'.repeat(20));
    await expectUserError(openRunStore(bad), /cannot open|not a database/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
