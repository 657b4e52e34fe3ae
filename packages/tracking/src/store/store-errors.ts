// The one error boundary between the database drivers and everything above the store: a
// store that cannot be opened or read (damaged SQLite pages, not a database, a full disk, a
// PostgreSQL server that is down or refuses the login) becomes a UserError naming the store,
// so the CLI prints one line and exits 2 instead of a driver stack trace. Anything else (a bug,
// a constraint the store's own SQL broke) passes through untouched.
import { UserError } from '@glorank/base';
import type { BulkColumn, SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

// better-sqlite3 codes (extended ones such as SQLITE_IOERR_SHORT_READ share the prefix).
const SQLITE_UNREADABLE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|FULL|READONLY|PERM|AUTH)/;
// node-postgres: socket errors, then SQLSTATEs for login, missing database/schema, server
// shutdown and connection classes (08xxx, 57P0x).
const PG_UNREADABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '28000',
  '28P01',
  '3D000',
  '3F000',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

function hint(code: string): string {
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return '; the file is damaged or not a glorank store: restore a backup or move it away';
  }
  if (code.startsWith('SQLITE_FULL')) return '; the disk is full';
  if (/^SQLITE_(READONLY|PERM|CANTOPEN)/.test(code)) return '; check the file and folder permissions';
  return '';
}

/** The UserError for a driver error that means "this store cannot be used", else null. */
export function storeUnavailable(err: unknown, location: string): UserError | null {
  if (err === null || typeof err !== 'object') return null;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.split('\n')[0] : String(err);
  if (typeof code === 'string' && SQLITE_UNREADABLE.test(code)) {
    return new UserError(`run store cannot be read: ${text} (${code})${hint(code)}`, { file: location });
  }
  const pgConnection =
    typeof code === 'string' && (PG_UNREADABLE.has(code) || code.startsWith('08'))
      ? true
      : /^Connection terminated/.test(String(text));
  if (pgConnection) {
    return new UserError(`run store cannot be reached: ${text}${code ? ` (${code})` : ''}`, {
      file: location,
    });
  }
  return null;
}

async function guarded<T>(location: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeUnavailable(err, location) ?? err;
  }
}

/** `driver` with every call passed through storeUnavailable (`location` is already redacted). */
export function guardDriver(driver: SqlDriver, location: string): SqlDriver {
  const exec: SqlExecutor = {
    all: <T>(sql: string, params?: readonly SqlParam[]) =>
      guarded(location, () => driver.all<T>(sql, params)),
    get: <T>(sql: string, params?: readonly SqlParam[]) =>
      guarded(location, () => driver.get<T>(sql, params)),
    run: (sql: string, params?: readonly SqlParam[]) => guarded(location, () => driver.run(sql, params)),
    bulkInsert: (
      table: string,
      columns: readonly BulkColumn[],
      rows: readonly SqlParam[][],
      suffix?: string,
    ) => guarded(location, () => driver.bulkInsert(table, columns, rows, suffix)),
    exec: (sql: string) => guarded(location, () => driver.exec(sql)),
  };
  return {
    ...exec,
    dialect: driver.dialect,
    nowMs: driver.nowMs,
    forUpdate: driver.forUpdate,
    migrationLock: driver.migrationLock,
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => guarded(location, () => driver.transaction(fn)),
    close: () => guarded(location, () => driver.close()),
  };
}
