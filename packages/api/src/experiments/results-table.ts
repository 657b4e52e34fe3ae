// An experiment's results table built from its runs: one row per method (the run's `method`
// param, else its name), one column per metric, each cell the mean and 95% Student-t interval
// of the metric's final value over the method's seeds, and optionally the paired difference
// to a reference method on the seeds both ran.
import { type MeanInterval, meanInterval, pairedDifference } from '@glorank/data';

/** The part of a tracked run the table needs (RunSummary satisfies it). */
export interface ResultRun {
  id: number;
  name: string;
  status: string;
  params: Record<string, string>;
  metrics: Record<string, { last: number | null }>;
}

export interface ResultCell extends MeanInterval {
  /** Paired difference to the reference method over shared seeds (absent without reference). */
  vsReference?: MeanInterval;
}

export interface ResultRow {
  method: string;
  runIds: number[];
  seeds: string[];
  cells: Record<string, ResultCell | null>;
}

export interface TrackedResultsTable {
  keys: string[];
  rows: ResultRow[];
  reference: string | null;
}

export function methodOf(run: ResultRun): string {
  return run.params['method'] ?? run.name;
}

/** Not the experiment report's table (@glorank/experiment's buildResultsTable): this one is built from tracked runs. */
export function trackedResultsTable(
  runs: readonly ResultRun[],
  options: { keys: readonly string[]; reference?: string | null },
): TrackedResultsTable {
  const byMethod = new Map<string, ResultRun[]>();
  for (const run of runs) {
    if (run.status !== 'finished') continue;
    const m = methodOf(run);
    const list = byMethod.get(m) ?? [];
    byMethod.set(m, list);
    list.push(run);
  }
  const seedOf = (r: ResultRun) => r.params['seed'] ?? `run${r.id}`;
  const finalValue = (r: ResultRun, key: string) => {
    const v = r.metrics[key]?.last;
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  };
  const reference = options.reference && byMethod.has(options.reference) ? options.reference : null;
  const refRuns = reference ? byMethod.get(reference)! : [];
  const rows = [...byMethod].map(([method, list]): ResultRow => {
    const cells: Record<string, ResultCell | null> = {};
    for (const key of options.keys) {
      const values = list.map((r) => finalValue(r, key)).filter((v): v is number => v !== null);
      if (values.length === 0) {
        cells[key] = null;
        continue;
      }
      const cell: ResultCell = meanInterval(values);
      if (reference && method !== reference) {
        const a: number[] = [];
        const b: number[] = [];
        for (const r of list) {
          const ref = refRuns.find((x) => seedOf(x) === seedOf(r));
          const va = finalValue(r, key);
          const vb = ref ? finalValue(ref, key) : null;
          if (va !== null && vb !== null) {
            a.push(va);
            b.push(vb);
          }
        }
        if (a.length > 0) cell.vsReference = pairedDifference(a, b);
      }
      cells[key] = cell;
    }
    return { method, runIds: list.map((r) => r.id), seeds: list.map(seedOf), cells };
  });
  return { keys: [...options.keys], rows, reference };
}
