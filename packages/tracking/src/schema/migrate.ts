// Applies pending migrations in one transaction, serialised across processes (SQLite's
// write lock, a PostgreSQL advisory lock), so many loggers opening a fresh store at once
// create the schema exactly once.
import { UserError } from '@glorank/base';
import type { SqlDriver } from '../store/sql-driver.js';
import { MIGRATIONS, migrationSql, SCHEMA_VERSION } from './migrations.js';

/** Returns the schema version after migrating. */
export async function migrate(driver: SqlDriver, location: string): Promise<number> {
  return driver.transaction(async (tx) => {
    if (driver.migrationLock) await tx.run(driver.migrationLock);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    const row = await tx.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = row?.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new UserError(
        `run store schema is version ${current}, newer than this glorank understands (${SCHEMA_VERSION}); upgrade glorank`,
        { file: location },
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await tx.exec(migrationSql(m, driver.dialect));
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    return SCHEMA_VERSION;
  });
}
