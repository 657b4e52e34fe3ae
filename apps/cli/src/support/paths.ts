// Where glorank keeps runs and datasets. Environment variables override the defaults so a
// team can point every command at a shared location.
import path from 'node:path';

export interface StoragePaths {
  /** Run store and artifacts (GLORANK_RUNS_DIR, default ./runs). */
  runsDir: string;
  /** Converted datasets (GLORANK_DATASETS_DIR, default ./datasets/out). */
  datasetsDir: string;
  /** Tracking database URL or file (GLORANK_DB_URL, default <runsDir>/glorank.db). */
  database: string;
}

export function storagePaths(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): StoragePaths {
  const runsDir = path.resolve(cwd, env.GLORANK_RUNS_DIR ?? 'runs');
  const datasetsDir = path.resolve(cwd, env.GLORANK_DATASETS_DIR ?? path.join('datasets', 'out'));
  const database = env.GLORANK_DB_URL ?? path.join(runsDir, 'glorank.db');
  return { runsDir, datasetsDir, database };
}
