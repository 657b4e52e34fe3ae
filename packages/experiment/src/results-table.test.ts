import { leakAudit } from '@glorank/data';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { renderResultsMarkdown, resultsToArrow, resultsToJson } from './results-render.js';
import { buildResultsTable, type MetricValues, type RunEvaluation } from './results-table.js';
import { unitContext, unitRun, unitTable } from './test-support/results-fixture.js';

const context = unitContext('toy');

// initial: 10, 10, 10; prm: 20, 22, 24; glorank-rl: 30, 31, 35 (seeds 1..3).
const runs = [
  unitRun('initial', 1, 10),
  unitRun('initial', 2, 10),
  unitRun('initial', 3, 10),
  unitRun('prm', 3, 24),
  unitRun('prm', 1, 20),
  unitRun('prm', 2, 22),
  unitRun('glorank-rl', 1, 30),
  unitRun('glorank-rl', 2, 31),
  unitRun('glorank-rl', 3, 35),
];

const table = unitTable(context, runs);

describe('buildResultsTable', () => {
  it('aggregates seeds into mean and Student-t interval', () => {
    const prm = table.rows[1]!;
    expect(prm.seeds).toEqual([1, 2, 3]);
    expect(prm.metrics.precision.values).toEqual([20, 22, 24]);
    expect(prm.metrics.precision.mean).toBe(22);
    // std = 2, t(2) = 4.30265 (exact: 0.95 * sqrt(2 / 0.0975)): half-width t(2) * 2 / sqrt(3)
    expect(prm.metrics.precision.halfWidth).toBeCloseTo((0.95 * Math.sqrt(2 / 0.0975) * 2) / Math.sqrt(3), 6);
    expect(table.rows[0]!.metrics.precision.halfWidth).toBe(0);
  });

  it('picks the best baseline by the primary metric and pairs differences by seed', () => {
    expect(table.bestBaseline).toBe('prm');
    expect(table.rows[1]!.difference).toBeNull();
    const rl = table.rows[2]!.difference!;
    // per-seed differences 10, 9, 11: mean 10, std 1
    expect(rl.precision.mean).toBeCloseTo(10, 12);
    expect(rl.precision.halfWidth).toBeCloseTo((0.95 * Math.sqrt(2 / 0.0975)) / Math.sqrt(3), 6);
    expect(table.rows[0]!.difference!.reward.mean).toBeCloseTo(-1.2, 12);
  });

  it('renders every metric, the intervals and the context in Markdown', () => {
    const md = renderResultsMarkdown(table);
    for (const h of ['P@6', 'R@6', 'F1@6', 'NDCG@6', 'MAP@6', 'Reward', 'Wall s', 'Backend'])
      expect(md).toContain(h);
    expect(md).toContain('prm (best baseline)');
    expect(md).toContain('22.00 ± 4.97');
    expect(md).toContain('+10.00 ± 2.48 *');
    expect(md).toContain('manifest ffffffffffffffff');
    expect(md).toContain('retriever=bpr');
    expect(md).toContain('code 0.1.0+test');
    expect(md).toContain('90 scored, 10 skipped');
  });

  it("prints the dataset's leak audit and the simulator warning under the table", () => {
    const popularity = Int32Array.from([1, 2, 3, 4]);
    const request = {
      id: 0,
      user: 0,
      split: 'test' as const,
      coldStart: false,
      ts: 0,
      history: new Int32Array(0),
      candidates: Int32Array.from([0, 1, 2, 3]),
      labels: Float32Array.from([0, 0, 1, 1]),
      initialScores: Float32Array.from([4, 3, 2, 1]),
      exposed: Int32Array.from([2, 3]),
    };
    const audited = unitTable(
      {
        ...context,
        leakAudit: leakAudit([request], { slateSize: 2, popularity }),
        simulatorWarning: 'only 0.0% of the 5 logged slates mix clicks and non-clicks',
      },
      runs,
    );
    const md = renderResultsMarkdown(audited);
    expect(md).toMatch(/leak audit: P@2 x100/);
    expect(md).toMatch(/test\s+1\s+50\.0\s+0\.0\s+100\.0/);
    expect(md).toContain('WARNING test: retriever bottom-L');
    expect(md).toContain('**Simulator warning:** only 0.0% of the 5 logged slates');
    expect(renderResultsMarkdown(table)).not.toContain('leak audit');
  });

  it('writes JSON without NaN and an Arrow file an Arrow reader takes', () => {
    const json = JSON.parse(resultsToJson([table]));
    expect(json[0].rows[1].difference).toBeNull();
    const arrow = tableFromIPC(resultsToArrow([table]));
    expect(arrow.numRows).toBe(3 * 6);
    const rows = arrow.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const rlPrecision = rows.find((r) => r.method === 'glorank-rl' && r.metric === 'precision')!;
    expect(rlPrecision.mean).toBe(32);
    expect(rlPrecision.diff_mean).toBeCloseTo(10, 12);
    expect(rlPrecision.baseline).toBe(false);
    expect(arrow.schema.metadata.get('glorank.manifest_hash')).toBe('f'.repeat(64));
  });
});

describe('reward-hacking flag (issue 13)', () => {
  // Hand-made: glorank-rl's simulator reward rises over glorank-sft on every seed while its P@6
  // and NDCG@6 on logged clicks fall on every seed; prm rises on everything (no flag).
  const m = (precision: number, ndcg: number, reward: number): MetricValues => ({
    precision,
    recall: precision,
    f1: precision,
    ndcg,
    map: ndcg,
    reward,
  });
  const r = (method: string, seed: number, v: MetricValues): RunEvaluation => ({
    method,
    seed,
    metrics: v,
    count: 100,
    skipped: 0,
    wallSeconds: 1,
    backend: 'wasm',
  });
  const handRuns = [
    r('initial', 1, m(16, 24, 3.0)),
    r('initial', 2, m(16, 24, 3.0)),
    r('initial', 3, m(16, 24, 3.0)),
    r('prm', 1, m(21, 32, 3.2)),
    r('prm', 2, m(22, 33, 3.3)),
    r('prm', 3, m(21.5, 32.5, 3.1)),
    r('glorank-sft', 1, m(18, 27, 3.3)),
    r('glorank-sft', 2, m(19, 28, 3.4)),
    r('glorank-sft', 3, m(18.5, 27, 3.2)),
    r('glorank-rl', 1, m(8, 11, 4.7)),
    r('glorank-rl', 2, m(9, 12, 4.68)),
    r('glorank-rl', 3, m(8.2, 10, 4.71)),
  ];
  const build = (runs: RunEvaluation[]) =>
    buildResultsTable({
      subset: 'test',
      context,
      methods: ['initial', 'prm', 'glorank-sft', 'glorank-rl'],
      baselines: ['initial', 'prm'],
      primaryMetric: 'precision',
      runs,
    });

  it('flags a method whose reward rises while P@6 and NDCG@6 fall beyond noise, in the table and results.json', () => {
    const t = build(handRuns);
    const rl = t.rows.find((x) => x.method === 'glorank-rl')!;
    expect(rl.rewardHacking?.level).toBe('flagged');
    expect(rl.rewardHacking?.reference).toBe('glorank-sft');
    // Paired differences by hand: reward 4.7-3.3, 4.68-3.4, 4.71-3.2 -> mean 1.3967.
    expect(rl.rewardHacking?.reward.mean).toBeCloseTo((1.4 + 1.28 + 1.51) / 3, 10);
    expect(rl.rewardHacking?.precision.mean).toBeCloseTo((-10 - 10 - 10.3) / 3, 10);
    for (const name of ['initial', 'prm', 'glorank-sft']) {
      expect(t.rows.find((x) => x.method === name)!.rewardHacking).toBeNull();
    }
    const md = renderResultsMarkdown(t);
    expect(md).toContain('| glorank-rl ⚠ REWARD HACKING ');
    expect(md).toMatch(/WARNING: REWARD HACKING FLAGGED for `glorank-rl`.*Against `glorank-sft`/);
    const json = JSON.parse(resultsToJson([t]));
    expect(json[0].rows[3].rewardHacking.level).toBe('flagged');
    expect(json[0].rows[2].rewardHacking).toBeNull();
  });

  it('does not flag inside noise, when only precision falls, or when reward falls too', () => {
    // Seed 3 of RL beats SFT on precision: the precision interval now covers 0.
    const noisy = handRuns.map((x) =>
      x.method === 'glorank-rl' && x.seed === 3 ? r('glorank-rl', 3, m(30, 10, 4.71)) : x,
    );
    expect(build(noisy).rows.find((x) => x.method === 'glorank-rl')!.rewardHacking).toBeNull();
    const rewardDown = handRuns.map((x) =>
      x.method === 'glorank-rl' ? r('glorank-rl', x.seed, { ...x.metrics, reward: 2 + x.seed / 100 }) : x,
    );
    expect(build(rewardDown).rows.find((x) => x.method === 'glorank-rl')!.rewardHacking).toBeNull();
    // Without SFT in the table, RL is compared with the initial order and still flagged.
    const noSft = handRuns.filter((x) => x.method !== 'glorank-sft');
    const t = build(noSft);
    expect(t.rows.find((x) => x.method === 'glorank-rl')!.rewardHacking?.reference).toBe('initial');
  });

  it('marks one seed as suspected, not flagged', () => {
    const t = build(handRuns.filter((x) => x.seed === 1));
    const rl = t.rows.find((x) => x.method === 'glorank-rl')!;
    expect(rl.rewardHacking?.level).toBe('suspected');
    const md = renderResultsMarkdown(t);
    expect(md).toContain(
      'Note (one seed, noise unknown): `glorank-rl` has a higher reward than `glorank-sft`',
    );
    expect(md).not.toContain('⚠');
  });

  it('prints the simulator calibration footer', () => {
    const t = buildResultsTable({
      subset: 'test',
      context: {
        ...context,
        simulatorCalibration: {
          slates: 917,
          meanPredictedClicks: 3.1234,
          meanObservedClicks: 3.2,
          logLoss: 0.61234,
          aucLogged: 0.6,
          aucCandidates: 0.81,
        },
      },
      methods: ['initial'],
      baselines: ['initial'],
      primaryMetric: 'precision',
      runs: handRuns.filter((x) => x.method === 'initial'),
    });
    expect(renderResultsMarkdown(t)).toContain(
      'Simulator calibration on the 917 logged test slates (never used to fit it): predicted 3.123 vs observed 3.200 clicks per slate, log loss 0.6123, AUC 0.6000 on logged items, AUC 0.8100 clicked vs all other candidates.',
    );
  });
});
