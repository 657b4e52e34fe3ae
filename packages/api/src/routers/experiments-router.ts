// Experiments: the list, and an experiment's results table (mean and 95% interval over seeds,
// paired difference to a reference method) built from its finished runs.
import type { RunSummary } from '@glorank/tracking';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { trackedResultsTable } from '../experiments/results-table.js';
import { findExperimentDir, readSavedResults } from '../experiments/saved-results.js';
import { notFound, publicProcedure, router } from '../trpc.js';
import { metricKey } from './inputs.js';

async function allRuns(ctx: ApiContext, experimentId: number): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await ctx.store.listRuns({
      filter: { experimentId },
      sort: { by: 'id', dir: 'asc' },
      limit: 1000,
      offset,
    });
    runs.push(...page.runs);
    if (runs.length >= page.total || page.runs.length === 0) return runs;
  }
}

export const experimentsRouter = router({
  list: publicProcedure.query(({ ctx }) => ctx.store.listExperiments()),

  /** The harness's saved results.json (+ cold-start.json) of the experiment, with exports; null when none. */
  saved: publicProcedure
    .input(z.strictObject({ experiment: z.union([z.int().min(1), z.string().min(1).max(200)]) }))
    .query(async ({ ctx, input }) => {
      const experiment = await ctx.store.getExperiment(input.experiment);
      if (!experiment) throw notFound(`Experiment '${input.experiment}'`);
      if (ctx.artifactsDir === null) return null;
      const page = await ctx.store.listRuns({ filter: { experimentId: experiment.id }, limit: 1 });
      const first = page.runs[0];
      const artifacts = first ? await ctx.store.listArtifacts(first.id) : [];
      const dir = findExperimentDir(ctx.artifactsDir, experiment.name, artifacts);
      return dir === null ? null : readSavedResults(ctx.artifactsDir, dir);
    }),

  results: publicProcedure
    .input(
      z.strictObject({
        experiment: z.union([z.int().min(1), z.string().min(1).max(200)]),
        /** Split prefix of the metric keys to tabulate ('test' for test/ndcg@6 ...). */
        prefix: z.string().max(100).optional(),
        keys: z.array(metricKey).max(24).optional(),
        reference: z.string().max(200).nullish(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const experiment = await ctx.store.getExperiment(input.experiment);
      if (!experiment) throw notFound(`Experiment '${input.experiment}'`);
      const runs = await allRuns(ctx, experiment.id);
      const allKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
      const prefixes = [
        ...new Set(allKeys.filter((k) => k.includes('/')).map((k) => k.split('/')[0]!)),
      ].sort();
      const prefix = input.prefix ?? (prefixes.includes('test') ? 'test' : (prefixes[0] ?? ''));
      const keys =
        input.keys ?? allKeys.filter((k) => (prefix === '' ? !k.includes('/') : k.startsWith(`${prefix}/`)));
      const table = trackedResultsTable(runs, { keys, reference: input.reference ?? null });
      const statusCounts: Record<string, number> = {};
      for (const r of runs) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
      return { experiment, prefix, prefixes, allKeys, statusCounts, runCount: runs.length, ...table };
    }),
});
