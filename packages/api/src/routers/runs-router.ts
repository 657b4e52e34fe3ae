// The runs table: one page of runs (server-side filter, sort, pagination) with the last, min
// and max of the chosen metrics; tagging and deleting behind the write flag.
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

export const runsRouter = router({
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
