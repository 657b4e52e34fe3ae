// node-postgres pool behind the async SqlDriver. Placeholders are renumbered from `?` to
// `$n`, BIGINT comes back as a JS number (ids, steps and byte counts stay below 2^53), and
// bulk inserts send one array per column through unnest().
import pg from 'pg';
import type { BulkColumn, SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

const ARRAY_CAST: Record<BulkColumn['type'], string> = {
  int: 'bigint[]',
  float: 'double precision[]',
  text: 'text[]',
};

/** `?` to `$1..$n`; the store's SQL has no `?` inside string literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

function executor(client: Queryable): SqlExecutor {
  const query = (sql: string, params: readonly SqlParam[] = []) =>
    client.query(numberPlaceholders(sql), params as unknown[]);
  return {
    all: async <T>(sql: string, params?: readonly SqlParam[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly SqlParam[]) =>
      (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: readonly SqlParam[]) => (await query(sql, params)).rowCount ?? 0,
    bulkInsert: async (table, columns, rows, suffix = '') => {
      if (rows.length === 0) return;
      const arrays = columns.map((_, c) => rows.map((row) => row[c] ?? null));
      const unnest = columns.map((col, c) => `$${c + 1}::${ARRAY_CAST[col.type]}`).join(', ');
      await client.query(
        `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) SELECT * FROM unnest(${unnest}) ${suffix}`,
        arrays,
      );
    },
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

export interface PostgresDriverOptions {
  /** Pool size, default 4. */
  maxConnections?: number;
  /** Keep the store's tables in this schema (created on open) instead of `public`. */
  schema?: string;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly nowMs = '(extract(epoch from clock_timestamp()) * 1000)::double precision';
  readonly forUpdate = ' FOR UPDATE';
  // Any fixed key works; it only has to be the same for every glorank process.
  readonly migrationLock = 'SELECT pg_advisory_xact_lock(7474118)';
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;
  private readonly schema: string | null;

  constructor(url: string, options: PostgresDriverOptions = {}) {
    this.schema = options.schema ?? null;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      types,
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.direct = executor(this.pool);
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    return this.direct.run(sql, params);
  }
  bulkInsert(
    table: string,
    columns: readonly BulkColumn[],
    rows: readonly SqlParam[][],
    suffix?: string,
  ): Promise<void> {
    return this.direct.bulkInsert(table, columns, rows, suffix);
  }
  exec(sql: string): Promise<void> {
    return this.direct.exec(sql);
  }

  /** Creates the configured schema; call before migrating. */
  async prepare(): Promise<void> {
    if (this.schema) await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
