// Where a dashboard server finds its data, read from the environment, and the two calls a
// host (the Next.js app) needs: open the context once, and answer tRPC requests with it.
// Living here keeps the app free of store drivers and file paths it would otherwise bundle.
//   GLORANK_DB_URL         run store: SQLite file path or postgres:// URL (default <runs>/glorank.db)
//   GLORANK_RUNS_DIR       runs folder (default ./runs)
//   GLORANK_ARTIFACTS_DIR  the only folder artifacts are served from (default: the runs folder,
//                          or the SQLite file's folder when only GLORANK_DB_URL is given)
//   GLORANK_DATASETS_DIR   converted datasets (default ./datasets/out)
//   GLORANK_DASHBOARD_WRITE=1  allow tagging and deleting runs
import path from 'node:path';
import { isPostgresUrl, openRunStore, storagePaths } from '@glorank/tracking';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type ApiContext, createApiContext } from '../context.js';
import { appRouter } from '../router.js';

export interface ApiSettings {
  database: string;
  artifactsDir: string;
  datasetsDir: string;
  allowWrite: boolean;
}

export function apiSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ApiSettings {
  const storage = storagePaths(env, cwd);
  const database = storage.database;
  const sqliteFile = isPostgresUrl(database) ? null : database.replace(/^(sqlite|file):(\/\/)?/i, '');
  const runsDir =
    env.GLORANK_RUNS_DIR !== undefined || sqliteFile === null
      ? storage.runsDir
      : path.dirname(path.resolve(cwd, sqliteFile));
  return {
    database,
    artifactsDir: path.resolve(cwd, env.GLORANK_ARTIFACTS_DIR ?? runsDir),
    datasetsDir: storage.datasetsDir,
    allowWrite: env.GLORANK_DASHBOARD_WRITE === '1',
  };
}

export async function openApiContext(settings: ApiSettings): Promise<ApiContext> {
  const store = await openRunStore(settings.database);
  return createApiContext({
    store,
    artifactsDir: settings.artifactsDir,
    datasetsDir: settings.datasetsDir,
    allowWrite: settings.allowWrite,
  });
}

/** Answer one tRPC HTTP request (queries, mutations, SSE subscriptions) against `ctx`. */
export function handleTrpcRequest(req: Request, ctx: ApiContext, endpoint = '/api/trpc'): Promise<Response> {
  return fetchRequestHandler({
    endpoint,
    req,
    router: appRouter,
    createContext: () => ctx,
    onError({ error, path: procedure }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${procedure ?? '?'}:`, error);
    },
  });
}
