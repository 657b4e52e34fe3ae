// One run: its record, curves (downsampled by the store to at most 2,000 points), logs,
// artifacts, evaluation tables, system metrics, and a live SSE subscription that pushes new
// points, log lines and status changes while the run trains.
import type { LogLine, RunStatus, SeriesSummary } from '@glorank/tracking';
import { z } from 'zod';
import { artifactFile, viewArtifacts } from '../artifacts/artifact-access.js';
import { readSlatesFile } from '../artifacts/slates-file.js';
import type { ApiContext } from '../context.js';
import {
  EVAL_METRICS,
  type EvalMetric,
  evaluateSlatesFile,
  type MethodEvaluation,
} from '../evaluation/slate-evaluation.js';
import { splitTable } from '../evaluation/split-table.js';
import { notFound, publicProcedure, router } from '../trpc.js';
import { MAX_POINTS_PER_CURVE, maxPoints, metricKey, runId, xAxis } from './inputs.js';

async function requireRun(ctx: ApiContext, id: number) {
  const run = await ctx.store.getRun(id);
  if (!run) throw notFound(`Run ${id}`);
  return run;
}

export interface SlatesEvaluation {
  artifactId: number;
  path: string;
  dataset: string | null;
  /** Why the table could not be computed (missing dataset, bad file ...). */
  problem: string | null;
  /** Columns of `methods[].all.metrics`, in display order (the protocol's metric names). */
  metrics: readonly EvalMetric[];
  methods: MethodEvaluation[];
}

export interface LiveUpdate {
  status: RunStatus;
  endedAt: number | null;
  heartbeatAt: number;
  /** New points per key since the subscriber's last step. */
  points: { key: string; steps: number[]; values: (number | null)[]; times: number[] }[];
  logs: LogLine[];
  nextSeq: number;
}

/** Wait `ms`, or less when `signal` aborts; the abort listener goes away with the wait. */
export const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export const runRouter = router({
  get: publicProcedure.input(z.strictObject({ id: runId })).query(async ({ ctx, input }) => {
    const run = await requireRun(ctx, input.id);
    const datasetName = run.datasetHash ? await ctx.datasets.findByHash(run.datasetHash) : null;
    return { run, datasetName, readOnly: !ctx.allowWrite };
  }),

  series: publicProcedure
    .input(
      z.strictObject({
        id: runId,
        keys: z.array(metricKey).min(1).max(24),
        xAxis,
        maxPoints,
      }),
    )
    .query(async ({ ctx, input }) => {
      await requireRun(ctx, input.id);
      return Promise.all(
        input.keys.map((key) =>
          ctx.store.getSeries(input.id, key, { xAxis: input.xAxis, maxPoints: input.maxPoints }),
        ),
      );
    }),

  logs: publicProcedure
    .input(
      z.strictObject({
        id: runId,
        afterSeq: z.int().min(0).optional(),
        limit: z.int().min(1).max(2000).default(200),
      }),
    )
    .query(async ({ ctx, input }) => {
      await requireRun(ctx, input.id);
      return ctx.store.tailLogs(input.id, {
        limit: input.limit,
        ...(input.afterSeq !== undefined ? { afterSeq: input.afterSeq } : {}),
      });
    }),

  artifacts: publicProcedure.input(z.strictObject({ id: runId })).query(async ({ ctx, input }) => {
    await requireRun(ctx, input.id);
    return viewArtifacts(ctx, input.id);
  }),

  system: publicProcedure.input(z.strictObject({ id: runId, maxPoints })).query(async ({ ctx, input }) => {
    await requireRun(ctx, input.id);
    return ctx.store.getSystemMetrics(input.id, { maxPoints: input.maxPoints });
  }),

  /** Final metrics by split, and protocol metrics per method from the run's slates artifacts. */
  evaluation: publicProcedure.input(z.strictObject({ id: runId })).query(async ({ ctx, input }) => {
    const run = await requireRun(ctx, input.id);
    const finals = Object.fromEntries(Object.values(run.metrics).map((s: SeriesSummary) => [s.key, s.last]));
    const artifacts = (await ctx.store.listArtifacts(input.id)).filter((a) => a.kind === 'eval-table');
    const slates: SlatesEvaluation[] = [];
    for (const a of artifacts) {
      if (!a.path.endsWith('.json')) continue;
      const out: SlatesEvaluation = {
        artifactId: a.id,
        path: a.path,
        dataset: null,
        problem: null,
        metrics: EVAL_METRICS,
        methods: [],
      };
      slates.push(out);
      try {
        const file = artifactFile(ctx, a);
        const table = await readSlatesFile(file);
        const name = await resolveDatasetName(ctx, table.dataset ?? run.datasetHash);
        out.dataset = name;
        if (!name) {
          out.problem = `its dataset (${table.dataset ?? run.datasetHash ?? 'not recorded'}) is not in the datasets folder`;
          continue;
        }
        const { byRequest } = await ctx.datasets.dataset(name);
        out.methods = evaluateSlatesFile({
          rows: table.rows,
          requests: byRequest,
          file: a.path,
          ...(table.slateSize !== null ? { cutoff: table.slateSize } : {}),
        });
      } catch (err) {
        out.problem = (err as Error).message;
      }
    }
    return { splits: splitTable(finals), slates };
  }),

  /**
   * Server-sent events: every poll interval, whatever is new since the subscriber's last step
   * per key and last log seq. Points go out as logged (a short tail rarely needs thinning);
   * a tail longer than the curve budget is downsampled by the store.
   */
  live: publicProcedure
    .input(
      z.strictObject({
        id: runId,
        /** Last step the subscriber has, per metric key (keys absent: everything is new). */
        since: z.record(metricKey, z.number()).default({}),
        afterSeq: z.int().min(0).optional(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const run = await requireRun(ctx, input.id);
      const since = new Map(Object.entries(input.since));
      let afterSeq = input.afterSeq;
      let status = run.status;
      let first = true;
      while (!signal?.aborted) {
        const current = await ctx.store.getRun(input.id);
        if (!current) return;
        const points: LiveUpdate['points'] = [];
        for (const s of Object.values(current.metrics)) {
          const last = since.get(s.key);
          if (last !== undefined && s.maxStep <= last) continue;
          const series = await ctx.store.getSeries(input.id, s.key, {
            maxPoints: MAX_POINTS_PER_CURVE,
            ...(last !== undefined ? { xMin: last } : {}),
          });
          const keep = series.steps.map((step) => last === undefined || step > last);
          const steps = series.steps.filter((_, i) => keep[i]);
          if (steps.length === 0) continue;
          points.push({
            key: s.key,
            steps,
            values: series.values.filter((_, i) => keep[i]),
            times: series.times.filter((_, i) => keep[i]),
          });
          since.set(s.key, steps.at(-1)!);
        }
        const logs =
          afterSeq === undefined
            ? { lines: [], nextSeq: (await ctx.store.tailLogs(input.id, { limit: 1 })).nextSeq }
            : await ctx.store.tailLogs(input.id, { afterSeq, limit: 500 });
        afterSeq = logs.nextSeq;
        if (first || points.length > 0 || logs.lines.length > 0 || current.status !== status) {
          status = current.status;
          first = false;
          const update: LiveUpdate = {
            status: current.status,
            endedAt: current.endedAt,
            heartbeatAt: current.heartbeatAt,
            points,
            logs: logs.lines,
            nextSeq: logs.nextSeq,
          };
          yield update;
        }
        // A finished run rarely changes again; poll it less often.
        await sleep(current.status === 'running' ? ctx.livePollMs : ctx.livePollMs * 5, signal);
      }
    }),
});

async function resolveDatasetName(ctx: ApiContext, ref: string | null): Promise<string | null> {
  if (!ref) return null;
  const all = await ctx.datasets.list();
  return all.find((d) => d.name === ref || d.manifest?.contentHash === ref)?.name ?? null;
}
