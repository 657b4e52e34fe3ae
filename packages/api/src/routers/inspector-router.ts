// The request inspector: one request's history and candidates with labels, and the slate each
// method generated for it (from the run's slates artifacts), with GloRank's per-token
// probabilities along the trie when the artifact carries them.
import { type RerankRequest, requestMetrics, UserError } from '@glorank/data';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { artifactFile } from '../artifacts/artifact-access.js';
import { readSlatesFile } from '../artifacts/slates-file.js';
import type { ApiContext } from '../context.js';
import { itemCode } from '../datasets/codebook.js';
import { notFound, publicProcedure, router } from '../trpc.js';
import { datasetName, runId } from './inputs.js';

async function datasetOfRun(ctx: ApiContext, id: number): Promise<string> {
  const run = await ctx.store.getRun(id);
  if (!run) throw notFound(`Run ${id}`);
  const all = await ctx.datasets.list();
  const name = all.find((d) => run.datasetHash && d.manifest?.contentHash === run.datasetHash)?.name;
  if (!name) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `The dataset of run ${id} (${run.datasetHash ?? 'not recorded'}) is not in the datasets folder`,
    });
  }
  return name;
}

const target = z
  .strictObject({ dataset: datasetName.optional(), runId: runId.optional() })
  .refine((t) => t.dataset !== undefined || t.runId !== undefined, 'give a dataset or a run');

export const inspectorRouter = router({
  requests: publicProcedure
    .input(
      target.and(
        z.strictObject({
          split: z.enum(['train', 'valid', 'test']).default('test'),
          coldOnly: z.boolean().default(false),
          offset: z.int().min(0).default(0),
          limit: z.int().min(1).max(500).default(100),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const name = input.dataset ?? (await datasetOfRun(ctx, input.runId!));
      const { dataset } = await ctx.datasets.dataset(name);
      const matching = dataset.requests.filter(
        (r) => r.split === input.split && (!input.coldOnly || r.coldStart),
      );
      return {
        dataset: name,
        total: matching.length,
        requests: matching.slice(input.offset, input.offset + input.limit).map((r) => ({
          id: r.id,
          user: r.user,
          coldStart: r.coldStart,
          positives: r.labels.reduce((s, y) => s + (y > 0 ? 1 : 0), 0),
          history: r.history.length,
        })),
      };
    }),

  request: publicProcedure
    .input(target.and(z.strictObject({ requestId: z.int().min(0) })))
    .query(async ({ ctx, input }) => {
      const name = input.dataset ?? (await datasetOfRun(ctx, input.runId!));
      const { dataset, byRequest } = await ctx.datasets.dataset(name);
      const request = byRequest.get(input.requestId);
      if (!request) throw notFound(`Request ${input.requestId} of dataset '${name}'`);
      const codes = await ctx.datasets.codes(name);
      const item = (id: number) => ({
        item: id,
        title: dataset.items.title[id] ?? null,
        categories: dataset.items.categories[id] ?? [],
        cold: dataset.items.cold[id] === 1,
        code: codes ? itemCode(codes, id) : null,
      });
      const labelOf = new Map<number, number>();
      for (let i = 0; i < request.candidates.length; i++)
        labelOf.set(request.candidates[i]!, request.labels[i]!);
      const slates = input.runId !== undefined ? await slatesFor(ctx, input.runId, request) : [];
      return {
        dataset: name,
        request: {
          id: request.id,
          user: request.user,
          split: request.split,
          coldStart: request.coldStart,
          ts: request.ts,
        },
        history: Array.from(request.history, item),
        candidates: Array.from(request.candidates, (c, i) => ({
          ...item(c),
          label: request.labels[i]!,
          initialScore: request.initialScores[i]!,
        })),
        slates: slates.map((s) => ({
          ...s,
          items: s.slate.map((id, pos) => ({
            ...item(id),
            label: labelOf.get(id) ?? null,
            tokenProbs: s.tokenProbs?.[pos] ?? null,
          })),
        })),
      };
    }),
});

async function slatesFor(ctx: ApiContext, id: number, request: RerankRequest) {
  const run = await ctx.store.getRun(id);
  if (!run) throw notFound(`Run ${id}`);
  const artifacts = (await ctx.store.listArtifacts(id)).filter(
    (a) => a.kind === 'eval-table' && a.path.endsWith('.json'),
  );
  const out: {
    artifactId: number;
    method: string;
    seed: number | null;
    slate: number[];
    tokenProbs: number[][] | null;
    metrics: ReturnType<typeof requestMetrics>;
  }[] = [];
  for (const a of artifacts) {
    const file = await readSlatesFile(artifactFile(ctx, a));
    for (const row of file.rows) {
      if (row.requestId !== request.id) continue;
      const cutoff = file.slateSize ?? row.slate.length;
      let metrics: ReturnType<typeof requestMetrics>;
      try {
        metrics = requestMetrics(request, row.slate, cutoff);
      } catch (err) {
        throw new UserError((err as Error).message, { file: a.path });
      }
      out.push({
        artifactId: a.id,
        method: row.method,
        seed: row.seed ?? null,
        slate: row.slate,
        tokenProbs: row.tokenProbs ?? null,
        metrics,
      });
    }
  }
  return out;
}
