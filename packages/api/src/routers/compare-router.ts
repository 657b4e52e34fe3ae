// Several runs side by side: curves overlaid, params diff, metric summaries.
import { meanInterval } from '@glorank/data';
import type { Series } from '@glorank/tracking';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';
import { MAX_COMPARE_RUNS, maxPoints, metricKey, runId, xAxis } from './inputs.js';
import { groupValue } from './runs-router.js';

/** A group's curve: per step, the mean over the group's runs with a point there, and its 95% interval. */
export interface GroupCurve {
  steps: number[];
  mean: number[];
  /** Mean ± 95% Student-t half-width (the mean itself where only one run has the step). */
  lo: number[];
  hi: number[];
  n: number[];
}

function groupCurve(list: readonly (Pick<Series, 'steps' | 'values'> | null)[]): GroupCurve {
  const at = new Map<number, number[]>();
  for (const s of list) {
    if (!s) continue;
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const xs = at.get(step) ?? [];
      at.set(step, xs);
      xs.push(v);
    });
  }
  const out: GroupCurve = { steps: [], mean: [], lo: [], hi: [], n: [] };
  for (const step of [...at.keys()].sort((a, b) => a - b)) {
    const m = meanInterval(at.get(step)!);
    const hw = Number.isFinite(m.halfWidth) ? m.halfWidth : 0;
    out.steps.push(step);
    out.mean.push(m.mean);
    out.lo.push(m.mean - hw);
    out.hi.push(m.mean + hw);
    out.n.push(m.n);
  }
  return out;
}

export const compareRouter = router({
  get: publicProcedure
    .input(
      z.strictObject({
        ids: z
          .array(runId)
          .min(2, 'select at least two runs to compare')
          .max(MAX_COMPARE_RUNS, `compare at most ${MAX_COMPARE_RUNS} runs at once`)
          .refine((ids) => new Set(ids).size === ids.length, 'each run may appear once'),
        /** Curves to overlay (default: none, only the tables). */
        keys: z.array(metricKey).max(12).default([]),
        xAxis,
        maxPoints,
        /** Also overlay group means (with 95% bands) by 'experiment', 'status' or 'params.<key>'. */
        group: z.string().min(1).max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const found = await ctx.store.listRuns({ filter: { ids: input.ids }, limit: input.ids.length });
      const missing = input.ids.filter((id) => !found.runs.some((r) => r.id === id));
      if (missing.length > 0) {
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `Run${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found`,
        });
      }
      const all = await ctx.store.compareRuns(input.ids);
      const series =
        input.keys.length > 0
          ? ((
              await ctx.store.compareRuns(input.ids, {
                keys: input.keys,
                series: { xAxis: input.xAxis, maxPoints: input.maxPoints },
              })
            ).series ?? {})
          : {};
      let groups: { value: string | null; runIds: number[]; curves: Record<string, GroupCurve> }[] = [];
      if (input.group !== undefined) {
        const byValue = new Map<string | null, number[]>();
        // series[key][i] belongs to all.runs[i].
        all.runs.forEach((run, i) => {
          const v = groupValue(run, input.group!);
          const list = byValue.get(v) ?? [];
          byValue.set(v, list);
          list.push(i);
        });
        groups = [...byValue].map(([value, idx]) => ({
          value,
          runIds: idx.map((i) => all.runs[i]!.id),
          curves: Object.fromEntries(
            input.keys.map((k) => [
              k,
              groupCurve(idx.map((i) => (series as Record<string, (Series | null)[]>)[k]?.[i] ?? null)),
            ]),
          ),
        }));
      }
      return { ...all, series, groups };
    }),
});
