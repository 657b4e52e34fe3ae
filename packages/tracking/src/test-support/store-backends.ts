// The backends the shared store suite runs against. SQLite always; PostgreSQL through
// GLORANK_TEST_PG_URL, each test in its own schema. Without the URL the PostgreSQL suite is
// skipped with its reason in the name, except in CI, where a missing URL fails.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { migrate } from '../schema/migrate.js';
import { openRunStore } from '../store/open-run-store.js';
import { PostgresDriver } from '../store/postgres-driver.js';
import { SqlRunStore } from '../store/sql-run-store.js';
import { SqliteDriver } from '../store/sqlite-driver.js';
import type { RunStore, StoreBackend } from '../types.js';

export interface StoreTarget {
  /** What openRunStore() was given. */
  location: string;
  schema?: string;
  open(): Promise<RunStore>;
  /** The same store, with run times and heartbeat deadlines read from `clock` (ms) instead of the database. */
  openWithClock(clock: () => number): Promise<RunStore>;
  cleanup(): Promise<void>;
}

export interface BackendUnderTest {
  backend: StoreBackend;
  /** Null when the backend can run; otherwise why not. */
  unavailable: string | null;
  /** True when an unavailable backend must fail the run instead of skipping (CI). */
  required: boolean;
  target(): Promise<StoreTarget>;
}

let counter = 0;

function sqliteBackend(): BackendUnderTest {
  return {
    backend: 'sqlite',
    unavailable: null,
    required: true,
    async target() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-tracking-'));
      const location = path.join(dir, 'runs', 'glorank.db');
      return {
        location,
        open: () => openRunStore(location),
        openWithClock: async (clock) => {
          const driver = new SqliteDriver(location);
          await migrate(driver, location);
          return new SqlRunStore(driver, location, { clock });
        },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

function postgresBackend(): BackendUnderTest {
  const url = process.env.GLORANK_TEST_PG_URL;
  return {
    backend: 'postgres',
    unavailable: url ? null : 'GLORANK_TEST_PG_URL is not set (.ci/run sets it after starting PostgreSQL)',
    required: Boolean(process.env.CI),
    async target() {
      if (!url) throw new Error('GLORANK_TEST_PG_URL is not set');
      const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      return {
        location: url,
        schema,
        open: () => openRunStore(url, { schema }),
        openWithClock: async (clock) => {
          const driver = new PostgresDriver(url, { schema });
          await driver.prepare();
          await migrate(driver, url);
          return new SqlRunStore(driver, url, { clock });
        },
        cleanup: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

export function backendsUnderTest(): BackendUnderTest[] {
  return [sqliteBackend(), postgresBackend()];
}

/** Suite title; carries the skip reason so it shows in the test report. */
export function suiteTitle(b: BackendUnderTest): string {
  return b.unavailable && !b.required ? `${b.backend} (skipped: ${b.unavailable})` : b.backend;
}

export interface BackendContext {
  backend: StoreBackend;
  /** The store opened for the current test. */
  store(): RunStore;
  target(): StoreTarget;
}

/**
 * Declares `body` once per backend with a fresh store per test. An unavailable backend is
 * a visible skip locally and a failing test in CI.
 */
export function describeEachBackend(title: string, body: (ctx: BackendContext) => void): void {
  for (const b of backendsUnderTest()) {
    if (b.unavailable !== null && !b.required) {
      console.warn(`[${title}] skipping the ${b.backend} suite: ${b.unavailable}`);
    }
    describe.skipIf(b.unavailable !== null && !b.required)(`${title} [${suiteTitle(b)}]`, () => {
      if (b.unavailable !== null) {
        it(`has a ${b.backend} database to run against`, () => {
          throw new Error(`${b.unavailable}; CI is set, so the ${b.backend} suite must not be skipped`);
        });
        return;
      }
      let target: StoreTarget | null = null;
      let store: RunStore | null = null;
      beforeEach(async () => {
        target = await b.target();
        store = await target.open();
      });
      afterEach(async () => {
        await store?.close();
        await target?.cleanup();
        store = null;
        target = null;
      });
      body({
        backend: b.backend,
        store: () => {
          if (!store) throw new Error('store is opened in beforeEach');
          return store;
        },
        target: () => {
          if (!target) throw new Error('target is created in beforeEach');
          return target;
        },
      });
    });
  }
}
