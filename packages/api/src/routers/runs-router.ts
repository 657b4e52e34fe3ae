// The runs table: one page of runs (server-side filter, sort, pagination) with the last, min
// and max of the chosen metrics; tagging and deleting behind the write flag.
import { meanInterval } from '@glorank/data';
import type { RunSort, RunSummary, SeriesSummary } from '@glorank/tracking';
import { z } from 'zod';
import { parseRunQuery } from '../runs/run-query.js';
import { notFound, publicProcedure, router, writeProcedure } from '../trpc.js';
import { metricKey, runId } from './inputs.js';

const dir = z.enum(['asc', 'desc']).default('desc');
const sortInput = z
  .discriminatedUnion('by', [
    z.strictObject({ by: z.enum(['id', 'name', 'status', 'startedAt', 'endedAt', 'heartbeatAt']), dir }),
    z.strictObject({ by: z.literal('metric'), key: metricKey, agg: z.enum(['last', 'min', 'max']), dir }),
    z.strictObject({ by: z.literal('param'), key: z.string().min(1).max(200), dir }),
  ])
  .default({ by: 'startedAt', dir: 'desc' });

export const runsListInput = z.strictObject({
  /** Search box text (see runs/run-query.ts). */
  query: z.string().max(2000).default(''),
  sort: sortInput,
  limit: z.int().min(1).max(500).default(100),
  offset: z.int().min(0).default(0),
  /** Metrics shown as last/min/max columns (default: the most common keys on the page). */
  metricKeys: z.array(metricKey).max(12).optional(),
  /** Params shown as columns (default: the most common keys on the page, up to 4). */
  paramKeys: z.array(z.string().min(1).max(200)).max(12).optional(),
});

export interface RunRow {
  id: number;
  name: string;
  experiment: string;
  status: RunSummary['status'];
  tags: string[];
  startedAt: number;
  endedAt: number | null;
  backend: string | null;
  params: Record<string, string | null>;
  metrics: Record<string, Pick<SeriesSummary, 'last' | 'min' | 'max' | 'count' | 'maxStep'> | null>;
}

function mostCommon(lists: string[][]): string[] {
  const counts = new Map<string, number>();
  for (const keys of lists) for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

// Default metric columns: the keys most runs on the page have, test results first (what a
// results table compares), then the rest alphabetically.
function defaultMetricKeys(keys: readonly string[], runs: readonly RunSummary[]): string[] {
  const freq = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) freq.set(k, (freq.get(k) ?? 0) + 1);
  const rank = (k: string) => (k.startsWith('test/') ? 0 : 1);
  return [...keys]
    .sort((a, b) => freq.get(b)! - freq.get(a)! || rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, 3);
}

/** A group of the runs table: runs sharing a value of the grouping field. */
export interface RunGroup {
  /** The shared value (null: runs without it). */
  value: string | null;
  count: number;
  /** Ids of the group's runs (the first 500), for compare. */
  runIds: number[];
  /** Per metric: mean and 95% Student-t half-width of the runs' last values (null when undefined). */
  metrics: Record<string, { mean: number | null; halfWidth: number | null; n: number } | null>;
}

const GROUP_RUNS_MAX = 20_000;
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** The value a run groups under: its experiment, status or a param (`params.<key>` or `<key>`). */
export function groupValue(run: RunSummary, by: string): string | null {
  if (by === 'experiment') return run.experimentName;
  if (by === 'status') return run.status;
  const key = by.startsWith('params.') ? by.slice('params.'.length) : by;
  return run.params[key] ?? null;
}

export const runsRouter = router({
  /**
   * The runs matching the query grouped by `experiment`, `status` or a param, with mean ± 95%
   * interval of each metric's last value per group (over every matching run, not one page).
   */
  groups: publicProcedure
    .input(
      z.strictObject({
        query: z.string().max(2000).default(''),
        by: z.string().min(1).max(200),
        metricKeys: z.array(metricKey).max(12).default([]),
      }),
    )
    .query(async ({ ctx, input }) => {
      const filter = parseRunQuery(input.query);
      const runs: RunSummary[] = [];
      for (let offset = 0; offset < GROUP_RUNS_MAX; offset += 1000) {
        const page = await ctx.store.listRuns({
          filter,
          sort: { by: 'id', dir: 'asc' },
          limit: 1000,
          offset,
        });
        runs.push(...page.runs);
        if (page.runs.length < 1000 || runs.length >= page.total) break;
      }
      const byValue = new Map<string | null, RunSummary[]>();
      for (const r of runs) {
        const v = groupValue(r, input.by);
        const list = byValue.get(v) ?? [];
        byValue.set(v, list);
        list.push(r);
      }
      const groups = [...byValue]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'en', { numeric: true })))
        .map(
          ([value, list]): RunGroup => ({
            value,
            count: list.length,
            runIds: list.slice(0, 500).map((r) => r.id),
            metrics: Object.fromEntries(
              input.metricKeys.map((k) => {
                const values = list
                  .map((r) => r.metrics[k]?.last)
                  .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
                if (values.length === 0) return [k, null];
                const m = meanInterval(values);
                return [k, { mean: finiteOrNull(m.mean), halfWidth: finiteOrNull(m.halfWidth), n: m.n }];
              }),
            ),
          }),
        );
      return { by: input.by, total: runs.length, groups };
    }),

  list: publicProcedure.input(runsListInput).query(async ({ ctx, input }) => {
    const filter = parseRunQuery(input.query);
    const page = await ctx.store.listRuns({
      filter,
      sort: input.sort as RunSort,
      limit: input.limit,
      offset: input.offset,
    });
    const metricKeysOnPage = mostCommon(page.runs.map((r) => Object.keys(r.metrics)));
    const paramKeysOnPage = mostCommon(page.runs.map((r) => Object.keys(r.params)));
    const metricKeys = input.metricKeys ?? defaultMetricKeys(metricKeysOnPage, page.runs);
    const paramKeys = input.paramKeys ?? paramKeysOnPage.slice(0, 4);
    const rows = page.runs.map(
      (r): RunRow => ({
        id: r.id,
        name: r.name,
        experiment: r.experimentName,
        status: r.status,
        tags: r.tags,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        backend: r.backend,
        params: Object.fromEntries(paramKeys.map((k) => [k, r.params[k] ?? null])),
        metrics: Object.fromEntries(
          metricKeys.map((k) => {
            const s = r.metrics[k];
            return [
              k,
              s ? { last: s.last, min: s.min, max: s.max, count: s.count, maxStep: s.maxStep } : null,
            ];
          }),
        ),
      }),
    );
    return {
      total: page.total,
      offset: page.offset,
      limit: page.limit,
      rows,
      metricKeys,
      paramKeys,
      metricKeysOnPage,
      paramKeysOnPage,
      filter,
    };
  }),

  tag: writeProcedure
    .input(
      z.strictObject({
        id: runId,
        add: z.array(z.string().min(1).max(100)).max(20).default([]),
        remove: z.array(z.string().min(1).max(100)).max(20).default([]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (!(await ctx.store.getRun(input.id))) throw notFound(`Run ${input.id}`);
      if (input.add.length > 0) await ctx.store.addTags(input.id, input.add);
      if (input.remove.length > 0) await ctx.store.removeTags(input.id, input.remove);
      return (await ctx.store.getRun(input.id))!.tags;
    }),

  delete: writeProcedure.input(z.strictObject({ id: runId })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.store.deleteRun(input.id))) throw notFound(`Run ${input.id}`);
    return { deleted: input.id };
  }),
});
