// Opens the run store named by a file path or URL: SQLite for paths (default
// runs/glorank.db), PostgreSQL for postgres:// URLs. Opening migrates the schema.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '@glorank/base';
import { migrate } from '../schema/migrate.js';
import type { RunStore } from '../types.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { SqlRunStore } from './sql-run-store.js';
import { SqliteDriver } from './sqlite-driver.js';
import { guardDriver, storeUnavailable } from './store-errors.js';

export interface OpenRunStoreOptions {
  /** SQLite: how long a writer waits for another process's transaction (default 30 000 ms). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connection pool size (default 4). */
  maxConnections?: number;
  /** PostgreSQL: schema holding the store's tables (created on open), default `public`. */
  schema?: string;
  /**
   * SQLite: create the file (and its folders) when missing, default true. Commands that only
   * read or curate runs pass false, so a mistyped --db is an error instead of a new empty store.
   */
  create?: boolean;
}

/** Where glorank keeps runs, datasets and the run store. */
export interface StoragePaths {
  /** Run store and artifacts (GLORANK_RUNS_DIR, default ./runs). */
  runsDir: string;
  /** Converted datasets (GLORANK_DATASETS_DIR, default ./datasets/out). */
  datasetsDir: string;
  /** Tracking database URL or file (GLORANK_DB_URL, default <runsDir>/glorank.db). */
  database: string;
}

/**
 * The storage defaults, computed here only (the CLI and the dashboard's server both read
 * them): environment variables override them so a team can point every command at a shared
 * location; relative paths are resolved against `cwd`.
 */
export function storagePaths(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): StoragePaths {
  const runsDir = path.resolve(cwd, env.GLORANK_RUNS_DIR ?? 'runs');
  const datasetsDir = path.resolve(cwd, env.GLORANK_DATASETS_DIR ?? path.join('datasets', 'out'));
  const database = env.GLORANK_DB_URL ? env.GLORANK_DB_URL : path.join(runsDir, 'glorank.db');
  return { runsDir, datasetsDir, database };
}

/** Where the store lives when nothing is given: GLORANK_DB_URL, else <GLORANK_RUNS_DIR|runs>/glorank.db. */
export function defaultStoreLocation(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  return storagePaths(env, cwd).database;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The location without any secret, for messages and `RunStore.location`: a PostgreSQL URL's
 * password, whether given as `user:password@` or as a `password=` / `sslpassword=` query
 * parameter (libpq and node-postgres accept both).
 */
export function redactLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const hidden = (text: string) =>
    text
      .replace(/^([a-z]+:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@')
      .replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (/^(ssl)?password$/i.test(key)) url.searchParams.set(key, '***');
    }
    // URLSearchParams re-encodes '*'; keep the marker readable.
    return url.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return hidden(location);
  }
}

export async function openRunStore(
  urlOrPath: string = defaultStoreLocation(),
  options: OpenRunStoreOptions = {},
): Promise<RunStore> {
  const shown = redactLocation(urlOrPath);
  let driver: SqlDriver;
  let prepare: () => Promise<void> = async () => undefined;
  if (isPostgresUrl(urlOrPath)) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new UserError(`expected a lowercase SQL identifier, got '${options.schema}'`, {
        field: 'schema',
      });
    }
    const pgDriver = new PostgresDriver(urlOrPath, {
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
    });
    prepare = () => pgDriver.prepare();
    driver = pgDriver;
  } else {
    const file = urlOrPath.replace(/^(sqlite|file):(\/\/)?/i, '');
    if (file.length === 0)
      throw new UserError('expected a SQLite file path or a postgres:// URL', { field: 'database' });
    const create = options.create ?? true;
    if (!create && file !== ':memory:' && !existsSync(file)) {
      throw new UserError(
        'no run store here (nothing was created); check --db or GLORANK_DB_URL, or record a run first',
        { file },
      );
    }
    try {
      driver = new SqliteDriver(file, {
        ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
        create,
      });
    } catch (err) {
      throw new UserError(`cannot open SQLite run store: ${(err as Error).message}`, { file });
    }
  }
  driver = guardDriver(driver, shown);
  try {
    await prepare();
    await migrate(driver, shown);
  } catch (err) {
    await driver.close().catch(() => undefined);
    // prepare() talks to PostgreSQL before the guarded driver is in use.
    throw storeUnavailable(err, shown) ?? err;
  }
  return new SqlRunStore(driver, shown);
}
