// Several runs side by side: curves overlaid, params diff, metric summaries.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';
import { maxPoints, metricKey, runId, xAxis } from './inputs.js';

export const compareRouter = router({
  get: publicProcedure
    .input(
      z.strictObject({
        ids: z
          .array(runId)
          .min(2, 'select at least two runs to compare')
          .max(12, 'compare at most 12 runs at once')
          .refine((ids) => new Set(ids).size === ids.length, 'each run may appear once'),
        /** Curves to overlay (default: none, only the tables). */
        keys: z.array(metricKey).max(12).default([]),
        xAxis,
        maxPoints,
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
      return { ...all, series };
    }),
});
