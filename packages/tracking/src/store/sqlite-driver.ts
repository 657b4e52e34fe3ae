// better-sqlite3 behind the async SqlDriver. WAL lets readers run beside one writer; write
// transactions start with BEGIN IMMEDIATE so concurrent writer processes queue on the busy
// timeout instead of failing when a read lock cannot be upgraded.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BulkColumn, SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

const STATEMENT_CACHE_SIZE = 256;

export interface SqliteDriverOptions {
  /** How long a writer waits for another process's write transaction, default 30 000 ms. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Create the file and its folders when missing (default true). */
  create?: boolean;
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly nowMs = "((julianday('now') - 2440587.5) * 86400000.0)";
  readonly forUpdate = '';
  readonly migrationLock = null;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly direct: SqlExecutor;
  /** Tail of the queue of transactions: one connection can hold one transaction at a time. */
  private txQueue: Promise<unknown> = Promise.resolve();
  private inTransaction = false;

  constructor(file: string, options: SqliteDriverOptions = {}) {
    const create = options.create ?? true;
    if (file !== ':memory:' && create) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: !create });
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30_000}`);
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // NORMAL keeps every committed transaction across a process crash (the WAL is
      // written before COMMIT returns); only an OS crash can lose the last few.
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('foreign_keys = ON');
    this.direct = this.executor();
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Refresh its place: the cache evicts the least recently used statement.
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      // Queries with IN-lists vary in text; a long-lived server must not cache them forever.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  private executor(): SqlExecutor {
    return {
      all: async <T>(sql: string, params: readonly SqlParam[] = []) =>
        this.prepare(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly SqlParam[] = []) =>
        this.prepare(sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly SqlParam[] = []) => this.prepare(sql).run(...params).changes,
      bulkInsert: async (
        table: string,
        columns: readonly BulkColumn[],
        rows: readonly SqlParam[][],
        suffix = '',
      ) => {
        const sql = `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns
          .map(() => '?')
          .join(', ')}) ${suffix}`;
        const stmt = this.prepare(sql);
        for (const row of rows) stmt.run(...row);
      },
      exec: async (sql: string) => {
        this.db.exec(sql);
      },
    };
  }

  // Outside a transaction, statements wait for a running one so they never land inside it.
  private async outside<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) await this.txQueue.catch(() => undefined);
    return fn();
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.outside(() => this.direct.all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.outside(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    return this.outside(() => this.direct.run(sql, params));
  }
  bulkInsert(
    table: string,
    columns: readonly BulkColumn[],
    rows: readonly SqlParam[][],
    suffix?: string,
  ): Promise<void> {
    return this.transaction((tx) => tx.bulkInsert(table, columns, rows, suffix));
  }
  exec(sql: string): Promise<void> {
    return this.outside(() => this.direct.exec(sql));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const next = this.txQueue
      .catch(() => undefined)
      .then(async () => {
        this.inTransaction = true;
        this.prepare('BEGIN IMMEDIATE').run();
        try {
          const result = await fn(this.direct);
          this.prepare('COMMIT').run();
          return result;
        } catch (err) {
          if (this.db.inTransaction) this.prepare('ROLLBACK').run();
          throw err;
        } finally {
          this.inTransaction = false;
        }
      });
    this.txQueue = next;
    return next;
  }

  async close(): Promise<void> {
    await this.txQueue.catch(() => undefined);
    this.db.close();
  }
}
