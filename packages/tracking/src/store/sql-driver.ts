// The few things the run store needs from a database, so one store implementation serves
// SQLite (synchronous better-sqlite3) and PostgreSQL (asynchronous pg pool). SQL is written
// once with `?` placeholders; the PostgreSQL driver renumbers them.

export type Dialect = 'sqlite' | 'postgres';

export type SqlParam = string | number | null;

/** Column of a bulk insert; the type picks the PostgreSQL array cast. */
export interface BulkColumn {
  name: string;
  type: 'int' | 'float' | 'text';
}

export interface SqlExecutor {
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Insert many rows at once; `suffix` is appended (e.g. an ON CONFLICT clause). */
  bulkInsert(
    table: string,
    columns: readonly BulkColumn[],
    rows: readonly SqlParam[][],
    suffix?: string,
  ): Promise<void>;
  /** Execute several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  /** SQL expression for the database clock in ms since the epoch (one clock for all writers). */
  readonly nowMs: string;
  /** Appended to a SELECT that will be followed by an UPDATE of the same rows in a transaction. */
  readonly forUpdate: string;
  /** Run `fn` in a write transaction; statements must go through the executor it receives. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Statement that serialises schema migrations across processes inside a transaction (or null). */
  readonly migrationLock: string | null;
  close(): Promise<void>;
}
