// A tiny experiment end to end through the CLI on the synthetic benchmark: every method,
// every metric with its interval, results files, runs recorded in the run store, and the
// ordering the method is about on the true reward (initial order below GloRank SFT+RL).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openRunStore } from '@glorank/tracking';
import { beforeAll, describe, expect, it } from 'vitest';

// Runs on the default wasm kernels (GloRank's own, packages/model/src/backend/wasm-kernels.ts),
// as `npm run demo` does, like synthetic-margins.test.ts. Measured on the own kernels
// (2026-12-03, code of cb40307): SFT+RL minus the initial order per seed +0.0237 / +0.0102 /
// +0.0268 (on tfjs's kernels +0.0207 / +0.0057 / +0.0279), and the experiment took 178 CPU s
// against over 400 on tfjs's kernels (same loaded machine).

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'apps/cli/dist/main.js');
const run = promisify(execFile);

const METHODS = ['initial', 'dnn', 'dlcm', 'prm', 'seq2slate', 'glorank-local', 'glorank-sft', 'glorank-rl'];
const METRICS = ['precision', 'recall', 'f1', 'ndcg', 'map', 'reward'] as const;
const SEEDS = [1, 2, 3];

const config = `
name: e2e-tiny
dataset:
  source: synthetic
  name: e2e-synth
  options: { users: 300, items: 1000, candidates: 30, historyLength: 20, seed: 11 }
tokenizer: { levels: 2, codebook: 16, seed: 0 }
methods:
  - initial
  - { method: dnn, epochs: 1, dim: 8, hidden: 16 }
  - { method: dlcm, epochs: 1, dim: 8, hidden: 8 }
  - { method: prm, epochs: 1, dim: 8, heads: 2, layers: 1 }
  - { method: seq2slate, epochs: 1, dim: 8, hidden: 8 }
  - { method: glorank-local, sft: { epochs: 1, demonstrations: search } }
  - { method: glorank-sft, sft: { epochs: 12, batchSize: 32, demonstrations: search } }
  - { method: glorank-rl, rl: { steps: 40, batchSize: 16 } }
rewardModel: { seed: 1000, unexposedSwaps: 1.0, ensemble: 5, pessimism: 1.0 }
seeds: [${SEEDS.join(', ')}]
`;

interface Interval {
  mean: number;
  halfWidth: number | null;
  n: number;
}
interface Row {
  method: string;
  seeds: number[];
  metrics: Record<(typeof METRICS)[number], Interval & { values: number[] }>;
  difference: Record<string, Interval> | null;
  backends: string[];
}
interface Output {
  tables: { test: { rows: Row[]; bestBaseline: string }; coldStart: { rows: Row[] } | null };
  files: Record<string, string | null>;
}

describe('experiment end to end (synthetic, tiny)', () => {
  let out: Output;
  let runsDir: string;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'glorank-e2e-'));
    const cfg = path.join(tmp, 'e2e.yaml');
    await writeFile(cfg, config);
    runsDir = path.join(tmp, 'runs');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CI: '1',
      GLORANK_RUNS_DIR: runsDir,
      GLORANK_DATASETS_DIR: path.join(tmp, 'datasets'),
    };
    delete env.GLORANK_DB_URL;
    const args = [
      cli,
      'experiment',
      'run',
      cfg,
      '--out',
      path.join(tmp, 'exp'),
      '--backend',
      'wasm',
      '--json',
    ];
    const res = await run(process.execPath, args, { env, maxBuffer: 1 << 26 });
    out = JSON.parse(res.stdout) as Output;
    // It shares the cores with the margins test's seeds (vitest.config.ts), so no tight limit.
  }, 3_600_000);

  it('has every method, every metric and a 95% interval over the seeds', () => {
    const rows = out.tables.test.rows;
    expect(rows.map((r) => r.method)).toEqual(METHODS);
    for (const row of rows) {
      expect(row.seeds).toEqual(SEEDS);
      expect(row.backends).toEqual(['wasm']);
      for (const m of METRICS) {
        const cell = row.metrics[m];
        expect(cell.n, `${row.method} ${m}`).toBe(SEEDS.length);
        expect(cell.values.length).toBe(SEEDS.length);
        expect(Number.isFinite(cell.mean), `${row.method} ${m}`).toBe(true);
        expect(cell.halfWidth, `${row.method} ${m}`).not.toBeNull();
        expect(cell.halfWidth!).toBeGreaterThanOrEqual(0);
      }
      // Every method but the best baseline has a paired difference to it.
      if (row.method !== out.tables.test.bestBaseline) expect(row.difference).not.toBeNull();
    }
    // The initial order does not depend on the seed.
    expect(rows[0]!.metrics.reward.halfWidth).toBeCloseTo(0, 12);
    expect(out.tables.coldStart?.rows.map((r) => r.method)).toEqual(METHODS);
  });

  it('writes Markdown, JSON, Arrow and the slates artifact with GloRank token probabilities', async () => {
    const md = await readFile(out.files.markdown!, 'utf8');
    for (const m of METHODS) expect(md).toContain(`| ${m}`);
    for (const key of ['json', 'arrow', 'coldMarkdown', 'coldJson', 'coldArrow', 'slates']) {
      expect(out.files[key], key).toBeTruthy();
    }
    const slates = JSON.parse(await readFile(out.files.slates!, 'utf8')) as {
      format: string;
      rows: { method: string; seed: number; slate: number[]; tokenProbs?: number[][] }[];
    };
    expect(slates.format).toBe('glorank-slates/1');
    expect(new Set(slates.rows.map((r) => r.method))).toEqual(new Set(METHODS));
    const rl = slates.rows.filter((r) => r.method === 'glorank-rl');
    expect(rl.length).toBeGreaterThan(0);
    for (const r of rl) {
      expect(r.tokenProbs?.length).toBe(r.slate.length);
      for (const slot of r.tokenProbs!) for (const p of slot) expect(p > 0 && p <= 1).toBe(true);
    }
  });

  it('records every (method, seed) as a finished run with test metrics and its slates', async () => {
    const store = await openRunStore(path.join(runsDir, 'glorank.db'));
    try {
      const page = await store.listRuns({ limit: 100 });
      const finished = page.runs.filter((r) => r.status === 'finished');
      expect(finished.length).toBe(METHODS.length * SEEDS.length);
      for (const r of finished) {
        expect(Object.keys(r.metrics)).toContain('test/reward');
        expect(Object.keys(r.metrics)).toContain('test/ndcg@6');
        expect(METHODS).toContain(r.params['method']);
        const artifacts = await store.listArtifacts(r.id);
        expect(artifacts.some((a) => a.kind === 'eval-table')).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('GloRank SFT+RL is above the initial order on the true reward, seed by seed', () => {
    const reward = (m: string) => out.tables.test.rows.find((r) => r.method === m)!.metrics.reward;
    const initial = reward('initial');
    const rl = reward('glorank-rl');
    for (const [i, v] of rl.values.entries()) expect(v).toBeGreaterThan(initial.values[i]!);
    // The table's paired difference to the best baseline is the mean of the per-seed
    // differences with a t(2) interval, recomputed here from the seeds' values.
    const row = out.tables.test.rows.find((r) => r.method === 'glorank-rl')!;
    const best = reward(out.tables.test.bestBaseline);
    const d = rl.values.map((v, i) => v - best.values[i]!);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
    const t2 = 0.95 * Math.sqrt(2 / 0.0975); // exact t(0.975, 2)
    expect(row.difference?.['reward']?.mean).toBeCloseTo(mean, 9);
    expect(row.difference?.['reward']?.halfWidth).toBeCloseTo((t2 * sd) / Math.sqrt(3), 9);
  });
});
