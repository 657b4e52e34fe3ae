import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { downloadHeaders, openArtifact } from './artifacts/artifact-access.js';
import { sleep } from './routers/run-router.js';
import { handleTrpcRequest } from './server/settings.js';
import { addJsonArtifact, createFixture, type Fixture } from './test-support/fixture.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TRPCError);
    return `${(err as TRPCError).code}: ${(err as TRPCError).message}`;
  }
  throw new Error('expected the call to fail');
}

describe('appRouter over a real SQLite store and dataset folder', () => {
  let f: Fixture;
  const ids: Record<string, number> = {};
  // loss curves with hand-known last/min/max
  const curves: Record<string, number[]> = {
    'dnn-1': [3, 1, 2],
    'dnn-2': [4, 0.5, 0.75],
    'glorank-1': [2, 0.25, 0.3],
    'glorank-2': [5, 4, 3.5],
  };
  beforeAll(async () => {
    f = await createFixture();
    for (const [name, values] of Object.entries(curves)) {
      const [method, seed] = name.split('-') as [string, string];
      const run = await f.store.createRun({
        experiment: 'exp',
        name,
        params: { method, seed: Number(seed), lr: method === 'dnn' ? 0.01 : 0.001 },
        datasetHash: f.manifest.contentHash,
      });
      ids[name] = run.id;
      await f.store.logMetrics(
        run.id,
        values.map((value, step) => ({ key: 'loss', step, value })),
      );
      await f.store.logMetrics(run.id, [
        { key: 'test/ndcg', step: 10, value: method === 'dnn' ? 40 + Number(seed) : 50 + Number(seed) },
      ]);
      if (name !== 'glorank-2') await f.store.setRunStatus(run.id, 'finished');
    }
  });
  afterAll(() => f.close());

  describe('runs.list', () => {
    it('filters with the query language and shows last/min/max', async () => {
      const page = await f.caller.runs.list({ query: 'params.method=glorank', metricKeys: ['loss'] });
      expect(page.total).toBe(2);
      const byName = Object.fromEntries(page.rows.map((r) => [r.name, r.metrics['loss']]));
      expect(byName['glorank-1']).toMatchObject({ last: 0.3, min: 0.25, max: 2, count: 3 });
      expect(byName['glorank-2']).toMatchObject({ last: 3.5, min: 3.5, max: 5 });
    });

    it('defaults to the most common metric columns, test results first', async () => {
      const page = await f.caller.runs.list({ query: 'experiment:exp' });
      expect(page.metricKeys).toEqual(['test/ndcg', 'loss']);
      expect(page.paramKeys).toEqual(['lr', 'method', 'seed']);
    });

    it('sorts by a metric aggregate on the server and paginates', async () => {
      const all = await f.caller.runs.list({ sort: { by: 'metric', key: 'loss', agg: 'min', dir: 'asc' } });
      expect(all.rows.map((r) => r.name)).toEqual(['glorank-1', 'dnn-2', 'dnn-1', 'glorank-2']);
      const second = await f.caller.runs.list({
        sort: { by: 'metric', key: 'loss', agg: 'min', dir: 'asc' },
        limit: 2,
        offset: 2,
      });
      expect(second.total).toBe(4);
      expect(second.rows.map((r) => r.name)).toEqual(['dnn-1', 'glorank-2']);
    });

    it('turns a malformed query into a clear BAD_REQUEST', async () => {
      expect(await code(f.caller.runs.list({ query: 'loss<3' }))).toMatch(
        /^BAD_REQUEST: Query: cannot read 'loss<3'/,
      );
      expect(await code(f.caller.runs.list({ query: 'status:done' }))).toMatch(/unknown status 'done'/);
    });

    it('refuses tagging and deleting while read-only', async () => {
      expect(await code(f.caller.runs.tag({ id: ids['dnn-1']!, add: ['x'] }))).toMatch(
        /^FORBIDDEN: .*read-only/,
      );
      expect(await code(f.caller.runs.delete({ id: ids['dnn-1']! }))).toMatch(/^FORBIDDEN/);
    });
  });

  describe('run', () => {
    it('reports an unknown run id as NOT_FOUND', async () => {
      expect(await code(f.caller.run.get({ id: 9999 }))).toBe('NOT_FOUND: Run 9999 not found');
      expect(await code(f.caller.run.series({ id: 9999, keys: ['loss'] }))).toMatch(/^NOT_FOUND/);
    });

    it('names the dataset the run used', async () => {
      const r = await f.caller.run.get({ id: ids['dnn-1']! });
      expect(r.datasetName).toBe('tiny');
      expect(r.readOnly).toBe(true);
    });

    it('never sends more than 2,000 points per curve', async () => {
      const run = await f.store.createRun({ experiment: 'long', name: 'long' });
      await f.store.logMetrics(
        run.id,
        Array.from({ length: 5000 }, (_, step) => ({ key: 'loss', step, value: Math.sin(step) })),
      );
      const [s] = await f.caller.run.series({ id: run.id, keys: ['loss'], maxPoints: 2000 });
      expect(s!.totalPoints).toBe(5000);
      expect(s!.steps.length).toBeLessThanOrEqual(2000);
      expect(s!.downsampled).toBe(true);
      expect(await code(f.caller.run.series({ id: run.id, keys: ['loss'], maxPoints: 5000 }))).toMatch(
        /^BAD_REQUEST/,
      );
    });

    it('pushes points and log lines logged after subscribing', async () => {
      const run = await f.store.createRun({ experiment: 'live', name: 'live' });
      await f.store.logMetrics(run.id, [{ key: 'loss', step: 0, value: 1 }]);
      const updates = await f.caller.run.live({ id: run.id, since: { loss: 0 }, afterSeq: 0 });
      const it = updates[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value).toMatchObject({ status: 'running', points: [] });
      await f.store.logMetrics(run.id, [
        { key: 'loss', step: 1, value: 0.5 },
        { key: 'acc', step: 1, value: 0.9 },
      ]);
      await f.store.appendLogs(run.id, [{ message: 'epoch 1 done' }]);
      const got: { key: string; steps: number[]; values: (number | null)[] }[] = [];
      const lines: string[] = [];
      while (got.length < 2 || lines.length < 1) {
        const next = await it.next();
        if (next.done || !next.value) throw new Error('subscription ended early');
        got.push(...next.value.points);
        lines.push(...next.value.logs.map((l) => l.message));
      }
      await it.return?.();
      expect(got.find((p) => p.key === 'loss')).toMatchObject({ steps: [1], values: [0.5] });
      expect(got.find((p) => p.key === 'acc')).toMatchObject({ steps: [1], values: [0.9] });
      expect(lines).toEqual(['epoch 1 done']);
    });

    it('run.live does not leak an abort listener per poll (MaxListenersExceededWarning)', async () => {
      const run = await f.store.createRun({ experiment: 'live', name: 'idle' });
      // Over HTTP (SSE) as the dashboard subscribes; tRPC hands the procedure a signal of its
      // own, so watch every AbortSignal that gains a listener.
      const added = vi.spyOn(EventTarget.prototype, 'addEventListener');
      const abort = new AbortController();
      const input = encodeURIComponent(JSON.stringify({ id: run.id }));
      let most = 0;
      try {
        const res = await handleTrpcRequest(
          new Request(`http://127.0.0.1/api/trpc/run.live?input=${input}`, { signal: abort.signal }),
          f.ctx,
        );
        expect(res.headers.get('content-type')).toMatch(/event-stream/);
        const reader = res.body!.getReader();
        await reader.read();
        // Nothing new arrives, so the subscription only polls: about 30 polls of 20 ms.
        await new Promise((r) => setTimeout(r, 30 * f.ctx.livePollMs));
        const signals = new Set(
          added.mock.contexts.filter((t): t is AbortSignal => t instanceof AbortSignal),
        );
        most = Math.max(0, ...[...signals].map((s) => getEventListeners(s, 'abort').length));
        abort.abort();
        await reader.cancel().catch(() => undefined);
      } finally {
        added.mockRestore();
      }
      // One wait at a time holds one listener, tRPC its own few; before the fix, one per poll.
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(4);
    });

    it('sleep removes its abort listener when the wait ends', async () => {
      const abort = new AbortController();
      for (let i = 0; i < 20; i++) await sleep(1, abort.signal);
      expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
      const pending = sleep(60_000, abort.signal);
      expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
      abort.abort();
      await pending;
      expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    });
  });

  describe('artifacts and evaluation', () => {
    it('computes protocol metrics per method from a slates artifact, with cold-start', async () => {
      const id = ids['glorank-1']!;
      const test = f.dataset.requests.filter((r) => r.split === 'test');
      // oracle: positives first (NDCG 100 on every request); reverse-oracle: negatives first.
      const order = (r: (typeof test)[number], positivesFirst: boolean) =>
        Array.from(r.candidates)
          .map((c, i) => ({ c, y: r.labels[i]! }))
          .sort((a, b) => (positivesFirst ? b.y - a.y : a.y - b.y))
          .slice(0, 3)
          .map((x) => x.c);
      const rows = test.flatMap((r) => [
        { requestId: r.id, method: 'oracle', slate: order(r, true), tokenProbs: [[0.5], [0.25], [1]] },
        { requestId: r.id, method: 'worst', slate: order(r, false) },
      ]);
      await addJsonArtifact(f, id, 'glorank-1/slates.json', {
        format: 'glorank-slates/1',
        dataset: 'tiny',
        rows,
      });
      const ev = await f.caller.run.evaluation({ id });
      expect(ev.splits.splits).toEqual(['test']);
      expect(ev.splits.rows).toEqual([{ metric: 'ndcg', values: [51] }]);
      const [table] = ev.slates;
      expect(table!.problem).toBeNull();
      const oracle = table!.methods.find((m) => m.method === 'oracle')!;
      expect(oracle.all.metrics.ndcg.mean).toBeCloseTo(100, 8);
      const positives = test.filter((r) => r.labels.some((y) => y > 0));
      expect(oracle.all.requests).toBe(positives.length);
      const cold = positives.filter((r) => r.coldStart).length;
      if (cold > 0) expect(oracle.coldStart!.requests).toBe(cold);
      const worst = table!.methods.find((m) => m.method === 'worst')!;
      // Every request has more than 3 negatives among 12 candidates, so nothing is hit.
      expect(worst.all.metrics.precision.mean).toBe(0);

      const one = positives[0]!;
      const view = await f.caller.inspector.request({ runId: id, requestId: one.id });
      expect(view.dataset).toBe('tiny');
      expect(view.candidates).toHaveLength(12);
      const slate = view.slates.find((s) => s.method === 'oracle')!;
      expect(slate.items[0]!.label).toBe(1);
      expect(slate.items.map((i) => i.tokenProbs)).toEqual([[0.5], [0.25], [1]]);
      expect(slate.metrics!.ndcg).toBeCloseTo(1, 10);
    });

    it('serves only artifacts inside the artifact folder', async () => {
      const id = ids['dnn-1']!;
      const inside = await addJsonArtifact(f, id, 'dnn-1/report.json', { ok: true });
      const outside = await f.store.addArtifact(id, {
        path: path.resolve(f.root, 'datasets', 'tiny', 'manifest.json'),
        kind: 'other',
        bytes: 1,
        sha256: '0'.repeat(64),
      });
      const climbing = await f.store.addArtifact(id, {
        path: '../datasets/tiny/manifest.json',
        kind: 'other',
        bytes: 1,
        sha256: '0'.repeat(64),
      });
      const list = await f.caller.run.artifacts({ id });
      expect(list.find((a) => a.id === inside.id)!.available).toBe(true);
      expect(list.find((a) => a.id === outside.id)!.available).toBe(false);
      expect(list.find((a) => a.id === climbing.id)!.available).toBe(false);
      const opened = await openArtifact(f.ctx, id, inside.id);
      expect(opened.name).toBe('report.json');
      await opened.handle.close();
      await expect(openArtifact(f.ctx, id, outside.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(openArtifact(f.ctx, id, climbing.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(openArtifact(f.ctx, id, 424242)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('a FIFO registered as an eval-table is refused at once, never read (run.evaluation, inspector, download)', async () => {
      const run = await f.store.createRun({
        experiment: 'hostile',
        name: 'fifo',
        datasetHash: f.manifest.contentHash,
      });
      const rel = `fifo-${run.id}/slates.json`;
      await mkdir(path.join(f.artifactsDir, `fifo-${run.id}`), { recursive: true });
      execFileSync('mkfifo', [path.join(f.artifactsDir, rel)]);
      const fifo = await f.store.addArtifact(run.id, {
        path: rel,
        kind: 'eval-table',
        bytes: 0,
        sha256: '0'.repeat(64),
      });
      // A symlink inside the folder whose target is the FIFO: resolved, then refused the same way.
      symlinkSync('slates.json', path.join(f.artifactsDir, `fifo-${run.id}`, 'alias.json'));
      const alias = await f.store.addArtifact(run.id, {
        path: `fifo-${run.id}/alias.json`,
        kind: 'eval-table',
        bytes: 0,
        sha256: '0'.repeat(64),
      });
      // Before the fix each of these waited forever for a writer to open the FIFO.
      const evaluation = await f.caller.run.evaluation({ id: run.id });
      expect(evaluation.slates.map((s) => s.problem)).toEqual([
        expect.stringMatching(/FIFO, not a regular file/),
        expect.stringMatching(/FIFO, not a regular file/),
      ]);
      await expect(openArtifact(f.ctx, run.id, fifo.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(openArtifact(f.ctx, run.id, alias.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const request = f.dataset.requests.find((r) => r.split === 'test')!;
      expect(await code(f.caller.inspector.request({ runId: run.id, requestId: request.id }))).toMatch(
        /FIFO/,
      );
      const list = await f.caller.run.artifacts({ id: run.id });
      expect(list.map((a) => [a.available, a.problem])).toEqual([
        [false, 'not a regular file'],
        [false, 'not a regular file'],
      ]);
    });

    it('artifact names that are not Latin-1 or hold a newline get valid download headers', async () => {
      const id = ids['dnn-2']!;
      const name = 'résumé 日本\n"x".json';
      const a = await addJsonArtifact(f, id, `dnn-2/${name}`, { ok: 1 });
      const opened = await openArtifact(f.ctx, id, a.id);
      await opened.handle.close();
      // A Response refuses header values outside Latin-1 or with a newline (the old 500).
      const res = new Response('x', { headers: opened.headers });
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^inline; filename="[ -~]*"; filename\*=UTF-8''/);
      expect(disposition).not.toMatch(/[\r\n]/);
      expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe('résumé 日本_"x".json');
      expect(downloadHeaders('model.bin', 7)).toMatchObject({
        'content-type': 'application/octet-stream',
        'content-length': '7',
        'content-disposition': 'attachment; filename=model.bin',
      });
    });
  });

  describe('compare and experiments', () => {
    it('compares two runs with a params diff and overlaid curves', async () => {
      const c = await f.caller.compare.get({ ids: [ids['dnn-1']!, ids['glorank-1']!], keys: ['loss'] });
      expect(c.runs.map((r) => r.name)).toEqual(['dnn-1', 'glorank-1']);
      expect(c.params.find((p) => p.key === 'method')).toMatchObject({
        values: ['dnn', 'glorank'],
        differs: true,
      });
      expect(c.params.find((p) => p.key === 'seed')).toMatchObject({ differs: false });
      expect(c.series['loss']!.map((s) => s!.values)).toEqual([curves['dnn-1'], curves['glorank-1']]);
    });

    it('reports unknown and too few runs clearly', async () => {
      expect(await code(f.caller.compare.get({ ids: [ids['dnn-1']!, 9999] }))).toBe(
        'NOT_FOUND: Run 9999 not found',
      );
      expect(await code(f.caller.compare.get({ ids: [ids['dnn-1']!] }))).toMatch(/^BAD_REQUEST/);
    });

    it('tabulates an experiment by method over seeds', async () => {
      const r = await f.caller.experiments.results({ experiment: 'exp', reference: 'dnn' });
      expect(r.prefix).toBe('test');
      expect(r.keys).toEqual(['test/ndcg']);
      const byMethod = Object.fromEntries(r.rows.map((row) => [row.method, row.cells['test/ndcg']]));
      expect(byMethod['dnn']!.mean).toBeCloseTo(41.5, 10);
      // glorank-2 is still running: only seed 1 counts.
      expect(byMethod['glorank']).toMatchObject({ mean: 51, n: 1 });
      expect(byMethod['glorank']!.vsReference).toMatchObject({ mean: 10, n: 1 });
      expect(await code(f.caller.experiments.results({ experiment: 'nope' }))).toMatch(/^NOT_FOUND/);
    });
  });

  describe('datasets', () => {
    it('lists dataset folders and their statistics', async () => {
      const list = await f.caller.datasets.list();
      expect(list.datasets.map((d) => d.name)).toEqual(['tiny']);
      const d = await f.caller.datasets.get({ name: 'tiny' });
      const { train, valid, test } = d.stats.requestsBySplit;
      expect(train + valid + test).toBe(f.manifest.rows.requests);
      expect(d.stats.candidatesPerRequest).toMatchObject({ min: 12, counts: [f.manifest.rows.requests] });
      expect(d.codebook).toMatchObject({ levels: 2, usedPerLevel: [4, 5], distinctIds: 20 });
      expect(await code(f.caller.datasets.get({ name: '../etc' }))).toMatch(/^BAD_REQUEST/);
      expect(await code(f.caller.datasets.get({ name: 'missing' }))).toMatch(/^NOT_FOUND: Dataset 'missing'/);
    });
  });

  describe('semantic-ID explorer', () => {
    it('walks the code tree and lists the items under a prefix', async () => {
      const n = f.dataset.items.count;
      const root = await f.caller.datasets.codes({ name: 'tiny' });
      if (!root.tokenized) throw new Error('expected codes');
      const expectedRoot = [0, 1, 2, 3].map((code) => ({
        code,
        items: Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 === code).length,
      }));
      expect(root.children).toEqual(expectedRoot);
      const node = await f.caller.datasets.codes({ name: 'tiny', prefix: [1, 2], limit: 3 });
      if (!node.tokenized) throw new Error('expected codes');
      const under = Array.from({ length: n }, (_, i) => i).filter(
        (i) => i % 4 === 1 && Math.floor(i / 4) % 5 === 2,
      );
      expect(node.total).toBe(under.length);
      expect(node.items.map((i) => i.item)).toEqual(under.slice(0, 3));
      expect(node.items[0]!.code).toEqual([1, 2]);
      expect(node.children).toEqual([]);
    });
  });

  describe('over HTTP (fetch adapter)', () => {
    const call = (url: string) => handleTrpcRequest(new Request(`http://localhost/api/trpc/${url}`), f.ctx);

    it('answers a malformed input with a readable message', async () => {
      const input = encodeURIComponent(JSON.stringify({ limit: 100000, sort: { by: 'colour' } }));
      const res = await call(`runs.list?input=${input}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('BAD_REQUEST');
      expect(body.error.message).toMatch(/^Invalid input: /);
      expect(body.error.message).toMatch(/limit/);
      expect(body.error.message).not.toMatch(/Invalid input:.*Invalid input:/);
    });

    it('answers an unknown run with 404 and the id', async () => {
      const res = await call(`run.get?input=${encodeURIComponent(JSON.stringify({ id: 4242 }))}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Run 4242 not found');
    });
  });
});
