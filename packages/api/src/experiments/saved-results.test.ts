// The experiment page's data comes from the harness's saved results.json (found in the
// default folder or beside the runs' artifacts), and the runs table's groups from every
// matching run, with hand-worked means and intervals.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addJsonArtifact, createFixture, type Fixture } from '../test-support/fixture.js';

const interval = (mean: number | null, halfWidth: number | null, n = 2) => ({
  mean,
  halfWidth,
  n,
  std: null,
});
const metrics = (x: number, hw: number | null) => ({
  precision: interval(x, hw),
  recall: interval(x + 1, hw),
  f1: interval(x + 2, hw),
  ndcg: interval(x + 3, hw),
  map: interval(x + 4, hw),
  reward: interval(x / 10, hw),
});
const resultsJson = (subset: string) => [
  {
    subset,
    context: {
      experiment: 'exp',
      dataset: 'tiny',
      manifestHash: 'ab'.repeat(32),
      protocol: {
        kCore: 0,
        historyLength: 8,
        slateSize: 6,
        candidates: 12,
        ratingThreshold: 1,
        coldStartQuantile: 0.8,
        retriever: 'synthetic',
        seed: 3,
      },
      cutoff: 6,
      codeVersion: 'test 1.0',
      simulator: 'the true click model',
      seeds: [1, 2],
      calibration: 'simulator calibrated on held-out slates: ECE 0.012',
    },
    primaryMetric: 'reward',
    bestBaseline: 'dnn',
    rows: [
      {
        method: 'dnn',
        baseline: true,
        seeds: [1, 2],
        metrics: metrics(20, 1.5),
        difference: null,
        wallSeconds: interval(1, null),
        backends: ['wasm'],
        count: 30,
        skipped: 2,
      },
      {
        method: 'glorank',
        baseline: false,
        seeds: [1, 2],
        metrics: metrics(16.98, 3.19e-14),
        difference: metrics(-3.02, 0.5),
        wallSeconds: interval(2, null),
        backends: ['wasm'],
        count: 30,
        skipped: 2,
        flags: ['reward up, precision down'],
        rewardHacking: {
          reference: 'dnn',
          level: 'flagged',
          reward: interval(0.5, 0.1),
          precision: interval(-3.02, 0.5),
          ndcg: interval(-3.02, 0.5),
        },
      },
    ],
  },
];

describe('experiments.saved and runs.groups', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture();
    const runs = [
      ['dnn', 1, 2],
      ['dnn', 2, 0.75],
      ['glorank', 1, 0.3],
    ] as const;
    for (const [method, seed, last] of runs) {
      const run = await f.store.createRun({
        experiment: 'exp',
        name: `${method}-${seed}`,
        params: { method, seed },
      });
      await f.store.logMetrics(run.id, [
        { key: 'test/p', step: 0, value: 9 },
        { key: 'test/p', step: 1, value: last },
      ]);
    }
  });
  afterAll(() => f.close());

  it('null while the experiment has no results.json; the saved tables once it does', async () => {
    await expect(f.caller.experiments.saved({ experiment: 'exp' })).resolves.toBeNull();
    const dir = path.join(f.artifactsDir, 'experiments', 'exp', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(resultsJson('test')));
    await writeFile(path.join(dir, 'cold-start.json'), JSON.stringify(resultsJson('cold-start')));
    const saved = (await f.caller.experiments.saved({ experiment: 'exp' }))!;
    expect(saved.files).toEqual([
      path.join('experiments', 'exp', 'results', 'results.json'),
      path.join('experiments', 'exp', 'results', 'cold-start.json'),
    ]);
    const [test, cold] = saved.tables;
    expect(test!.title).toBe('tiny: test requests (30 scored, 2 skipped without positives)');
    expect(cold!.title).toBe('tiny: cold-start test requests (30 scored, 2 skipped without positives)');
    // Float noise of an interval prints at the table's precision.
    expect(test!.main.rows[1]!.slice(0, 2)).toEqual(['glorank ⚠ REWARD HACKING', '16.98 ± 0.00']);
    expect(test!.warnings).toEqual([
      '⚠ WARNING: REWARD HACKING FLAGGED for glorank. Against dnn its simulator reward rises by +0.5000 ± 0.1000 while P@6 changes by -3.02 ± 0.50 and NDCG@6 by -3.02 ± 0.50 on the logged clicks (all three paired 95% intervals exclude 0). Its reward is not evidence of a better ranking; read its precision and NDCG.',
    ]);
    expect(test!.calibration).toBeNull();
    expect(test!.main.rows[0]![0]).toBe('dnn (best baseline)');
    expect(test!.difference!.rows).toEqual([
      [
        'glorank',
        '-3.02 ± 0.50 *',
        '-2.02 ± 0.50 *',
        '-1.02 ± 0.50 *',
        '-0.02 ± 0.50',
        '+0.98 ± 0.50 *',
        '-0.3020 ± 0.5000',
      ],
    ]);
    expect(test!.flags).toEqual({ glorank: ['reward up, precision down'] });
    expect(test!.notes).toEqual([
      { name: 'calibration', text: 'simulator calibrated on held-out slates: ECE 0.012' },
    ]);
    expect(test!.provenance[0]).toContain('manifest abababababababab');
    const p = test!.bars.find((b) => b.metric === 'precision')!;
    expect(p.bars).toEqual([
      { method: 'dnn', mean: 20, halfWidth: 1.5, best: true },
      { method: 'glorank', mean: 16.98, halfWidth: 3.19e-14, best: false },
    ]);
    expect(saved.exports.latex).toContain('dnn (best baseline) & $\\mathbf{20.00 \\pm 1.50}$ &');
    expect(saved.exports.csv.split('\n')).toContain(
      'tiny,test,glorank,false,false,precision,16.98,3.19e-14,,2,-3.02,0.5,true',
    );
  });

  it('finds results.json beside the runs artifacts when the config set its own output', async () => {
    const run = await f.store.createRun({ experiment: 'elsewhere', name: 'r', params: { method: 'dnn' } });
    await addJsonArtifact(f, run.id, 'papers/exp2/stages/train/dnn-1/slates.json', {});
    const dir = path.join(f.artifactsDir, 'papers', 'exp2', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(resultsJson('test')));
    const saved = (await f.caller.experiments.saved({ experiment: 'elsewhere' }))!;
    expect(saved.dir).toBe(path.join('papers', 'exp2'));
    expect(saved.tables).toHaveLength(1);
  });

  it('groups every matching run by a param with mean ± 95% interval of the last values', async () => {
    const out = await f.caller.runs.groups({
      query: 'experiment:exp',
      by: 'params.method',
      metricKeys: ['test/p', 'nope'],
    });
    expect(out.total).toBe(3);
    expect(out.groups.map((g) => [g.value, g.count])).toEqual([
      ['dnn', 2],
      ['glorank', 1],
    ]);
    // dnn: last values 2 and 0.75 -> mean 1.375, half-width t(0.975, 1) * s / sqrt(2) = 12.7062 * 0.625.
    const dnn = out.groups[0]!.metrics['test/p']!;
    expect(dnn.mean).toBe(1.375);
    expect(dnn.halfWidth).toBeCloseTo(12.706204736174707 * 0.625, 9);
    // One run: a mean without an interval; a metric nobody logged: null.
    expect(out.groups[1]!.metrics['test/p']).toEqual({ mean: 0.3, halfWidth: null, n: 1 });
    expect(out.groups[0]!.metrics.nope).toBeNull();
    const byExperiment = await f.caller.runs.groups({ by: 'experiment', metricKeys: [] });
    expect(byExperiment.groups.find((g) => g.value === 'exp')!.count).toBe(3);
  });

  it('compare overlays group means with 95% bands per step', async () => {
    const runs = (await f.store.listRuns({ filter: { experiment: 'exp' }, limit: 10 })).runs;
    const out = await f.caller.compare.get({
      ids: runs.map((r) => r.id),
      keys: ['test/p'],
      group: 'params.method',
    });
    const dnn = out.groups.find((g) => g.value === 'dnn')!;
    expect(dnn.runIds).toHaveLength(2);
    const c = dnn.curves['test/p']!;
    expect(c.steps).toEqual([0, 1]);
    expect(c.mean).toEqual([9, 1.375]);
    expect(c.n).toEqual([2, 2]);
    // Step 0: both runs logged 9 (no spread); step 1: 2 and 0.75.
    expect(c.lo[0]).toBe(9);
    expect(c.hi[1]! - 1.375).toBeCloseTo(12.706204736174707 * 0.625, 9);
    const one = out.groups.find((g) => g.value === 'glorank')!.curves['test/p']!;
    expect(one.lo).toEqual(one.mean);
  });
});
