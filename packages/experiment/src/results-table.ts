// The results table of an experiment: per method, mean and 95% Student-t interval over seeds
// of every protocol metric and the average reward, and the paired difference (same seeds) to
// the best baseline. Built from per-run evaluations; rendered by results-render.ts.
import {
  type LeakAudit,
  METRIC_KEYS,
  type MeanInterval,
  type MetricKey,
  meanInterval,
  metricHeading,
  type ProtocolParams,
  pairedDifference,
} from '@glorank/data';
import type { SimulatorCalibration } from './click-simulator.js';

export type MetricValues = Record<MetricKey, number>;

/** Column heading of a metric at cut-off L (defined once in @glorank/data's results module). */
export function metricLabel(key: MetricKey, cutoff: number): string {
  return metricHeading(key, cutoff);
}

/** One method trained and evaluated with one seed, on one request subset. */
export interface RunEvaluation {
  method: string;
  seed: number;
  metrics: MetricValues;
  /** Requests scored and skipped (no positive candidate). */
  count: number;
  skipped: number;
  /** Training plus ranking wall time. */
  wallSeconds: number;
  backend: string;
}

export interface TableContext {
  experiment: string;
  dataset: string;
  /** `contentHash` of the dataset manifest. */
  manifestHash: string;
  protocol: ProtocolParams;
  cutoff: number;
  codeVersion: string;
  /** How the average reward was computed ('true click model', 'frozen evaluator sha256:...'). */
  simulator: string;
  seeds: number[];
  /** The split the methods were scored on (absent: test); `valid` marks a tuning table. */
  split?: 'valid' | 'test';
  /** The dataset's leak audit (learning-free rankers per split), printed under every table. */
  leakAudit?: LeakAudit;
  /**
   * The independent click simulator's calibration on the logged test slates (real data; absent
   * with the synthetic benchmark's true click model).
   */
  simulatorCalibration?: SimulatorCalibration;
  /** Set when the learned simulator's logged slates cannot teach position or list effects. */
  simulatorWarning?: string | null;
}

export interface MethodRow {
  method: string;
  baseline: boolean;
  seeds: number[];
  metrics: Record<MetricKey, MeanInterval & { values: number[] }>;
  /** Paired difference to the best baseline (null for the best baseline itself). */
  difference: Record<MetricKey, MeanInterval> | null;
  /**
   * Set when the simulator's reward rises over a reference (GloRank SFT for SFT+RL, else the
   * initial order) while P@L and NDCG@L on the logged clicks fall: the reward is being gamed.
   */
  rewardHacking: RewardHackingFlag | null;
  wallSeconds: MeanInterval;
  backends: string[];
  count: number;
  skipped: number;
}

export interface RewardHackingFlag {
  /** The method compared against (same seeds). */
  reference: string;
  /** 'flagged': every paired 95% interval excludes 0; 'suspected': same directions, no interval (one seed). */
  level: 'flagged' | 'suspected';
  /** Paired differences method - reference. */
  reward: MeanInterval;
  precision: MeanInterval;
  ndcg: MeanInterval;
}

/**
 * The reward-up/precision-down check of issue 13: reward above `reference` beyond noise while
 * P@L and NDCG@L on logged clicks are below it beyond noise (paired 95% intervals over the
 * shared seeds). With one shared seed there is no interval; matching directions are then only
 * 'suspected'.
 */
export function rewardHackingFlag(
  row: Pick<MethodRow, 'seeds' | 'metrics'>,
  reference: Pick<MethodRow, 'method' | 'seeds' | 'metrics'>,
): RewardHackingFlag | null {
  const shared = row.seeds.filter((s) => reference.seeds.includes(s));
  if (shared.length === 0) return null;
  const pick = (r: Pick<MethodRow, 'seeds' | 'metrics'>, k: MetricKey) =>
    shared.map((s) => r.metrics[k].values[r.seeds.indexOf(s)] as number);
  const diff = (k: MetricKey) => pairedDifference(pick(row, k), pick(reference, k));
  const reward = diff('reward');
  const precision = diff('precision');
  const ndcg = diff('ndcg');
  if (![reward, precision, ndcg].every((d) => Number.isFinite(d.mean))) return null;
  const up = (d: MeanInterval) => d.mean > 0;
  const down = (d: MeanInterval) => d.mean < 0;
  if (!(up(reward) && down(precision) && down(ndcg))) return null;
  const known = [reward, precision, ndcg].every((d) => Number.isFinite(d.halfWidth));
  if (!known) return { reference: reference.method, level: 'suspected', reward, precision, ndcg };
  const beyond = (d: MeanInterval) => Math.abs(d.mean) > d.halfWidth;
  if (beyond(reward) && beyond(precision) && beyond(ndcg))
    return { reference: reference.method, level: 'flagged', reward, precision, ndcg };
  return null;
}

/** References of the flag: GloRank SFT for SFT+RL, then the initial order for every method. */
function hackingReferences(method: string): string[] {
  return [...(method === 'glorank-rl' ? ['glorank-sft'] : []), 'initial'].filter((m) => m !== method);
}

export interface ResultsTable {
  /** 'test' or 'cold-start'. */
  subset: string;
  context: TableContext;
  primaryMetric: MetricKey;
  bestBaseline: string | null;
  rows: MethodRow[];
}

export interface BuildTableOptions {
  subset: string;
  context: TableContext;
  /** Methods in display order. */
  methods: readonly string[];
  baselines: readonly string[];
  primaryMetric: MetricKey;
  runs: readonly RunEvaluation[];
}

export function buildResultsTable(options: BuildTableOptions): ResultsTable {
  const { methods, runs, primaryMetric } = options;
  const byMethod = new Map<string, RunEvaluation[]>();
  for (const m of methods) byMethod.set(m, []);
  for (const r of runs) byMethod.get(r.method)?.push(r);
  for (const list of byMethod.values()) list.sort((a, b) => a.seed - b.seed);

  const rows: MethodRow[] = methods.map((method) => {
    const list = byMethod.get(method) ?? [];
    const metrics = {} as MethodRow['metrics'];
    for (const k of METRIC_KEYS) {
      const values = list.map((r) => r.metrics[k]);
      metrics[k] = { ...meanInterval(values), values };
    }
    return {
      method,
      baseline: options.baselines.includes(method),
      seeds: list.map((r) => r.seed),
      metrics,
      difference: null,
      rewardHacking: null,
      wallSeconds: meanInterval(list.map((r) => r.wallSeconds)),
      backends: [...new Set(list.map((r) => r.backend))],
      count: list[0]?.count ?? 0,
      skipped: list[0]?.skipped ?? 0,
    };
  });

  let best: MethodRow | null = null;
  for (const row of rows) {
    if (!row.baseline || row.seeds.length === 0) continue;
    if (best === null || row.metrics[primaryMetric].mean > best.metrics[primaryMetric].mean) best = row;
  }
  if (best !== null) {
    const bestRuns = new Map((byMethod.get(best.method) ?? []).map((r) => [r.seed, r]));
    for (const row of rows) {
      if (row === best) continue;
      // Pair on the seeds both methods ran with.
      const mine = (byMethod.get(row.method) ?? []).filter((r) => bestRuns.has(r.seed));
      if (mine.length === 0) continue;
      const difference = {} as Record<MetricKey, MeanInterval>;
      for (const k of METRIC_KEYS) {
        difference[k] = pairedDifference(
          mine.map((r) => r.metrics[k]),
          mine.map((r) => (bestRuns.get(r.seed) as RunEvaluation).metrics[k]),
        );
      }
      row.difference = difference;
    }
  }
  for (const row of rows) {
    for (const refName of hackingReferences(row.method)) {
      const ref = rows.find((r) => r.method === refName);
      const flag = ref ? rewardHackingFlag(row, ref) : null;
      if (flag) {
        row.rewardHacking = flag;
        break;
      }
    }
  }
  return {
    subset: options.subset,
    context: options.context,
    primaryMetric,
    bestBaseline: best?.method ?? null,
    rows,
  };
}
