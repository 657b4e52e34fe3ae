// The paper exports read back the harness's own results.json: the Markdown export prints what
// the report printed, LaTeX and CSV hold the same numbers (checked by hand-worked values).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extraNotes, isUserError, parseResultsFile, resultsToMarkdown, rowFlags } from '@glorank/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportExperiment, readResultsTables } from './export.js';
import { renderResultsMarkdown, resultsToJson } from './results-render.js';
import { buildResultsTable, type MetricValues, type RunEvaluation } from './results-table.js';
import { unitContext, unitRun, unitTable } from './test-support/results-fixture.js';

const context = unitContext('toy_set');
// initial: 10, 10, 10; prm: 20, 22, 24; glorank-rl: 30, 31, 35 (seeds 1..3).
const table = unitTable(
  context,
  [10, 10, 10, 20, 22, 24, 30, 31, 35].map((x, i) =>
    unitRun(['initial', 'prm', 'glorank-rl'][Math.floor(i / 3)]!, (i % 3) + 1, x),
  ),
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-export-'));
  await mkdir(path.join(dir, 'results'));
  await writeFile(path.join(dir, 'results', 'results.json'), resultsToJson([table]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('exports of results.json', () => {
  it('Markdown prints exactly what the report printed', async () => {
    expect(await exportExperiment(dir, 'md')).toBe(`${renderResultsMarkdown(table)}`);
  });

  it('LaTeX: booktabs, best mean bold, * where the difference to the best baseline excludes 0', async () => {
    const tex = await exportExperiment(dir, 'latex');
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('\\midrule');
    expect(tex).toContain('\\bottomrule');
    expect(tex).toContain('Method & P@6 & R@6 & F1@6 & NDCG@6 & MAP@6 & Reward \\\\');
    // Dataset names are escaped.
    expect(tex).toContain('toy\\_set: test requests (90 scored, 10 skipped without positives)');
    const row = (m: string) => tex.split('\n').find((l) => l.startsWith(`${m} `))!;
    // glorank-rl: 30, 31, 35 -> 32 ± t(0.975, 2) * sqrt(7) / sqrt(3) = 6.5724; best everywhere,
    // and its difference to prm (10, 9, 11 -> 10 ± 2.48) excludes 0.
    expect(row('glorank-rl')).toBe(
      'glorank-rl & $\\mathbf{32.00 \\pm 6.57}$$^{*}$ & $\\mathbf{33.00 \\pm 6.57}$$^{*}$ & $\\mathbf{34.00 \\pm 6.57}$$^{*}$ & $\\mathbf{35.00 \\pm 6.57}$$^{*}$ & $\\mathbf{36.00 \\pm 6.57}$$^{*}$ & $\\mathbf{3.2000 \\pm 0.6572}$$^{*}$ \\\\',
    );
    // prm is the best baseline: no difference to itself, so no star; 20, 22, 24 -> 22 ± 4.97.
    expect(row('prm')).toContain('prm (best baseline) & $22.00 \\pm 4.97$ & ');
    expect(row('prm')).not.toContain('*');
    // initial: no spread (± 0.00); -12 ± 4.97 to prm excludes 0.
    expect(row('initial')).toContain('initial (baseline) & $10.00 \\pm 0.00$$^{*}$');
  });

  it('CSV holds the numbers of results.json at full precision', async () => {
    const csv = await exportExperiment(dir, 'csv');
    const [head, ...lines] = csv.trim().split('\n');
    const cols = head!.split(',');
    expect(lines).toHaveLength(3 * 6);
    const json = parseResultsFile(resultsToJson([table]), 'results.json')[0]!;
    for (const line of lines) {
      const f = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]));
      const r = json.rows.find((x) => x.method === f.method)!;
      const m = r.metrics[f.metric as 'precision'];
      expect(Number(f.mean)).toBe(m.mean);
      expect(f.half_width === '' ? Number.NaN : Number(f.half_width)).toEqual(m.halfWidth);
      expect(Number(f.seeds)).toBe(3);
      expect(f.best_baseline).toBe(String(f.method === 'prm'));
    }
    const p = lines.find((l) => l.startsWith('toy_set,test,glorank-rl,false,false,precision,'))!;
    const f = p.split(',');
    expect([f[6], f[9], f[10], f[12]]).toEqual(['32', '3', '10', 'true']);
    expect(Number(f[7])).toBeCloseTo(6.572410607728432, 12);
    expect(Number(f[11])).toBeCloseTo(2.484137711750331, 12);
  });

  it('fields the harness adds (flags, footers) show as notes without code that knows them', () => {
    const extended = JSON.parse(resultsToJson([table])) as Record<string, unknown>[];
    extended[0]!.calibrationFooter = 'simulator calibrated on 500 held-out slates';
    (extended[0]!.rows as Record<string, unknown>[])[2]!.flags = ['reward up, precision down'];
    const tables = parseResultsFile(JSON.stringify(extended), 'results.json');
    expect(rowFlags(tables[0]!.rows[2]!)).toEqual(['reward up, precision down']);
    expect(rowFlags(tables[0]!.rows[1]!)).toEqual([]);
    expect(extraNotes(tables[0]!)).toEqual([
      { name: 'calibrationFooter', text: 'simulator calibrated on 500 held-out slates' },
    ]);
    expect(resultsToMarkdown(tables)).toContain(
      '**calibrationFooter:** simulator calibrated on 500 held-out slates',
    );
  });

  it('a damaged results.json is one error naming the file and the field', async () => {
    const broken = JSON.parse(resultsToJson([table])) as { rows: { metrics: Record<string, unknown> }[] }[];
    broken[0]!.rows[1]!.metrics.ndcg = 'high';
    const bad = path.join(dir, 'bad');
    await mkdir(path.join(bad, 'results'), { recursive: true });
    await writeFile(path.join(bad, 'results', 'results.json'), JSON.stringify(broken));
    const err = await readResultsTables(bad).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect(String((err as Error).message)).toContain('0.rows.1.metrics.ndcg');
    const none = await readResultsTables(path.join(dir, 'nothing')).catch((e: unknown) => e);
    expect(String((none as Error).message)).toContain('no results yet');
  });

  it('a reward-hacking flag and the simulator calibration print as the report prints them', async () => {
    // glorank-rl against initial: reward up (+0.5), P@6 and NDCG@6 down (about -2) on every seed.
    const m = (p: number, reward: number): MetricValues => ({
      precision: p,
      recall: 50,
      f1: 20,
      ndcg: p + 3,
      map: 40,
      reward,
    });
    const ev = (method: string, seed: number, metrics: MetricValues): RunEvaluation => ({
      method,
      seed,
      metrics,
      count: 90,
      skipped: 10,
      wallSeconds: 1,
      backend: 'wasm',
    });
    const flagged = buildResultsTable({
      subset: 'test',
      context: {
        ...context,
        simulatorCalibration: {
          slates: 120,
          meanPredictedClicks: 1.2345,
          meanObservedClicks: 1.3,
          logLoss: 0.41234,
          aucLogged: null,
          aucCandidates: 0.7123,
        },
      },
      methods: ['initial', 'glorank-rl'],
      baselines: ['initial'],
      primaryMetric: 'reward',
      runs: [
        ev('initial', 1, m(10, 1.0)),
        ev('initial', 2, m(11, 1.1)),
        ev('initial', 3, m(12, 1.2)),
        ev('glorank-rl', 1, m(8, 1.5)),
        ev('glorank-rl', 2, m(9.1, 1.6)),
        ev('glorank-rl', 3, m(9.9, 1.7)),
      ],
    });
    expect(flagged.rows[1]!.rewardHacking?.level).toBe('flagged');
    const d = path.join(dir, 'flagged');
    await mkdir(path.join(d, 'results'), { recursive: true });
    await writeFile(path.join(d, 'results', 'results.json'), resultsToJson([flagged]));
    const md = await exportExperiment(d, 'md');
    expect(md).toBe(renderResultsMarkdown(flagged));
    expect(md).toContain('glorank-rl ⚠ REWARD HACKING');
    expect(md).toContain('Simulator calibration on the 120 logged test slates');
    const tables = await readResultsTables(d);
    // Known fields are printed, not repeated as generic notes.
    expect(extraNotes(tables[0]!)).toEqual([]);
    expect(rowFlags(tables[0]!.rows[1]!)).toEqual([]);
    const tex = await exportExperiment(d, 'latex');
    expect(tex).toContain('glorank-rl$^{\\dagger}$ & ');
    expect(tex).not.toContain('⚠');
  });
});
