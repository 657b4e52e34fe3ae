// Public API of @glorank/api: the dashboard's tRPC router over the run store and the datasets
// folder, the context it runs in, and the reader of the slates artifact (its format is @glorank/data's).

export type { ArtifactView, OpenedArtifact } from './artifacts/artifact-access.js';
export { downloadHeaders, openArtifact } from './artifacts/artifact-access.js';
export { ArtifactPathError, resolveInsideRoot } from './artifacts/safe-path.js';
export { readSlatesFile } from './artifacts/slates-file.js';
export type { ApiContext, ApiContextOptions } from './context.js';
export { createApiContext } from './context.js';
export type { MethodEvaluation, SubsetResult } from './evaluation/slate-evaluation.js';
export type { SavedBar, SavedResults, SavedTable } from './experiments/saved-results.js';
export type { AppRouter } from './router.js';
export { appRouter, createCaller } from './router.js';
export { MAX_COMPARE_RUNS, MAX_POINTS_PER_CURVE } from './routers/inputs.js';
export type { QueueJobView } from './routers/queue-router.js';
export type { LiveUpdate, SlatesEvaluation } from './routers/run-router.js';
export type { RunGroup, RunRow } from './routers/runs-router.js';
export { parseRunQuery, RunQueryError } from './runs/run-query.js';
export type { ApiSettings } from './server/settings.js';
export { apiSettingsFromEnv, handleTrpcRequest, openApiContext } from './server/settings.js';
