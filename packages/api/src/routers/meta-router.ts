// What the dashboard shows in its header: where the data comes from and whether it may write.
import { publicProcedure, router } from '../trpc.js';

export const metaRouter = router({
  info: publicProcedure.query(({ ctx }) => ({
    store: { backend: ctx.store.backend, location: ctx.store.location },
    datasetsDir: ctx.datasets.root,
    artifactsDir: ctx.artifactsDir,
    readOnly: !ctx.allowWrite,
  })),
});
