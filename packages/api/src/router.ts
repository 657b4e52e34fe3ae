// The dashboard's whole API: one tRPC router, every input validated with zod.
import { compareRouter } from './routers/compare-router.js';
import { datasetsRouter } from './routers/datasets-router.js';
import { experimentsRouter } from './routers/experiments-router.js';
import { inspectorRouter } from './routers/inspector-router.js';
import { metaRouter } from './routers/meta-router.js';
import { queueRouter } from './routers/queue-router.js';
import { runRouter } from './routers/run-router.js';
import { runsRouter } from './routers/runs-router.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  meta: metaRouter,
  runs: runsRouter,
  run: runRouter,
  compare: compareRouter,
  experiments: experimentsRouter,
  datasets: datasetsRouter,
  inspector: inspectorRouter,
  queue: queueRouter,
});

export type AppRouter = typeof appRouter;

/** Call procedures in-process (server components, tests, benchmarks). */
export const createCaller = createCallerFactory(appRouter);
