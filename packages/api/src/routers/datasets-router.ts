// Datasets: manifests, counts and distributions, and the semantic-ID explorer.
import { z } from 'zod';
import { codebookSummary, itemCode, itemsUnderPrefix, prefixChildren } from '../datasets/codebook.js';
import { publicProcedure, router } from '../trpc.js';
import { datasetName } from './inputs.js';

export const datasetsRouter = router({
  list: publicProcedure.query(async ({ ctx }) => ({
    root: ctx.datasets.root,
    datasets: await ctx.datasets.list(),
  })),

  get: publicProcedure.input(z.strictObject({ name: datasetName })).query(async ({ ctx, input }) => {
    const manifest = await ctx.datasets.manifest(input.name);
    const stats = await ctx.datasets.stats(input.name);
    const codes = await ctx.datasets.codes(input.name);
    return { manifest, stats, codebook: codes ? codebookSummary(codes) : null };
  }),

  /** One node of the semantic-ID tree: its children codes and the items under it. */
  codes: publicProcedure
    .input(
      z.strictObject({
        name: datasetName,
        prefix: z.array(z.int().min(0).max(65_535)).max(16).default([]),
        offset: z.int().min(0).default(0),
        limit: z.int().min(1).max(500).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const codes = await ctx.datasets.codes(input.name);
      if (!codes) return { tokenized: false as const };
      const { dataset } = await ctx.datasets.dataset(input.name);
      const prefix = input.prefix.slice(0, codes.levels);
      const page = itemsUnderPrefix(codes, prefix, { offset: input.offset, limit: input.limit });
      return {
        tokenized: true as const,
        levels: codes.levels,
        prefix,
        children: prefixChildren(codes, prefix),
        total: page.total,
        items: page.items.map((item) => ({
          item,
          code: itemCode(codes, item),
          title: dataset.items.title[item] ?? null,
          categories: dataset.items.categories[item] ?? [],
          popularity: dataset.items.popularity[item] ?? 0,
          cold: dataset.items.cold[item] === 1,
        })),
      };
    }),
});
