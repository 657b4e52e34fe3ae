// The evaluation table of a slates artifact: protocol metrics (PROTOCOL.md, computed by
// @glorank/data's slateMetrics) per method over all test requests and over the cold-start
// ones, as mean and 95% interval across seeds.
import {
  type MeanInterval,
  meanInterval,
  PROTOCOL_METRICS,
  type ProtocolMetric,
  type RerankRequest,
  type SlateRow,
  slateMetrics,
  UserError,
} from '@glorank/data';

/** The metrics of the evaluation table: the protocol's (defined once in @glorank/data). */
export const EVAL_METRICS = PROTOCOL_METRICS;
export type EvalMetric = ProtocolMetric;

export interface SubsetResult {
  /** Requests scored per seed (those with at least one positive). */
  requests: number;
  metrics: Record<EvalMetric, MeanInterval>;
}

export interface MethodEvaluation {
  method: string;
  seeds: number;
  all: SubsetResult;
  /** Over cold-start requests; null when the slates contain none. */
  coldStart: SubsetResult | null;
}

export interface EvaluateSlatesOptions {
  rows: readonly SlateRow[];
  requests: ReadonlyMap<number, RerankRequest>;
  /** Cut-off L; default: the longest slate. */
  cutoff?: number;
  /** Named in errors. */
  file: string;
}

/** Per method, the protocol metrics of a slates file's rows over seeds (not the model's evaluateSlates). */
export function evaluateSlatesFile(options: EvaluateSlatesOptions): MethodEvaluation[] {
  const { rows, requests, file } = options;
  const cutoff = options.cutoff ?? rows.reduce((m, r) => Math.max(m, r.slate.length), 0);
  // method -> seed -> rows, in first-seen order so the table follows the producer's order.
  const groups = new Map<string, Map<number, SlateRow[]>>();
  rows.forEach((row, i) => {
    if (!requests.has(row.requestId)) {
      throw new UserError(`request ${row.requestId} is not in the dataset; expected a request id of it`, {
        file,
        field: `rows.${i}.requestId`,
      });
    }
    const bySeed = groups.get(row.method) ?? new Map<number, SlateRow[]>();
    groups.set(row.method, bySeed);
    const seed = row.seed ?? 0;
    const list = bySeed.get(seed) ?? [];
    bySeed.set(seed, list);
    list.push(row);
  });
  const subset = (bySeed: Map<number, SlateRow[]>, coldOnly: boolean): SubsetResult | null => {
    const perSeed = [...bySeed.values()].map((list) => {
      const picked = coldOnly ? list.filter((r) => requests.get(r.requestId)!.coldStart) : list;
      return slateMetrics(
        picked.map((r) => requests.get(r.requestId)!),
        picked.map((r) => r.slate),
        cutoff,
      );
    });
    if (perSeed.every((m) => m.count === 0)) return null;
    const metrics = Object.fromEntries(
      EVAL_METRICS.map((k) => [k, meanInterval(perSeed.map((m) => m[k]))]),
    ) as Record<EvalMetric, MeanInterval>;
    return { requests: Math.max(...perSeed.map((m) => m.count)), metrics };
  };
  return [...groups].map(([method, bySeed]) => ({
    method,
    seeds: bySeed.size,
    all: subset(bySeed, false) ?? {
      requests: 0,
      metrics: Object.fromEntries(EVAL_METRICS.map((k) => [k, meanInterval([])])) as Record<
        EvalMetric,
        MeanInterval
      >,
    },
    coldStart: subset(bySeed, true),
  }));
}
