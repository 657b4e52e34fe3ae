// Opens the run store named by a file path or URL: SQLite for paths (default
// runs/glorank.db), PostgreSQL for postgres:// URLs. Opening migrates the schema.
import path from 'node:path';
import { UserError } from '@glorank/data';
import { migrate } from '../schema/migrate.js';
import type { RunStore } from '../types.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { SqlRunStore } from './sql-run-store.js';
import { SqliteDriver } from './sqlite-driver.js';

export interface OpenRunStoreOptions {
  /** SQLite: how long a writer waits for another process's transaction (default 30 000 ms). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connection pool size (default 4). */
  maxConnections?: number;
  /** PostgreSQL: schema holding the store's tables (created on open), default `public`. */
  schema?: string;
}

/** Where the store lives when nothing is given: GLORANK_DB_URL, else <GLORANK_RUNS_DIR|runs>/glorank.db. */
export function defaultStoreLocation(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  if (env.GLORANK_DB_URL) return env.GLORANK_DB_URL;
  return path.join(path.resolve(cwd, env.GLORANK_RUNS_DIR ?? 'runs'), 'glorank.db');
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for messages and `RunStore.location`. */
export function redactLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/:[^:@/]*@/, ':***@');
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
    try {
      driver = new SqliteDriver(
        file,
        options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {},
      );
    } catch (err) {
      throw new UserError(`cannot open SQLite run store: ${(err as Error).message}`, { file });
    }
  }
  try {
    await prepare();
    await migrate(driver, shown);
  } catch (err) {
    await driver.close().catch(() => undefined);
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000' || code === 'SQLITE_NOTADB') {
      throw new UserError(`cannot open run store: ${(err as Error).message}`, { file: shown });
    }
    throw err;
  }
  return new SqlRunStore(driver, shown);
}
