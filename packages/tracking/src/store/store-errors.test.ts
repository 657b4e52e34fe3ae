// Regression tests for the store's error boundary (issue 17): damaged SQLite pages, a missing
// store behind a mistyped --db, and PostgreSQL passwords in printed locations.
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUserError } from '@glorank/base';
import { afterAll, describe, expect, it } from 'vitest';
import { openRunStore, redactLocation } from './open-run-store.js';
import { storeUnavailable } from './store-errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-store-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(work: () => Promise<unknown>): Promise<Error> {
  const err = await work().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').not.toBeNull();
  return err as Error;
}

describe('damaged SQLite store', () => {
  it('damaged pages (not truncated) are one UserError line naming the file, on open or on read', async () => {
    const file = path.join(dir, 'damaged.db');
    const store = await openRunStore(file);
    const run = await store.createRun({ name: 'r', experiment: 'e', params: { lr: 1 } });
    // Enough log text to fill many pages after the schema's.
    const lines = Array.from({ length: 400 }, (_, i) => ({
      level: 'info' as const,
      message: `line ${i} ${'x'.repeat(200)}`,
    }));
    await store.appendLogs(run.id, lines);
    await store.close();
    const bytes = statSync(file).size;
    expect(bytes).toBeGreaterThan(64 * 1024);
    // Overwrite the back half of the file with garbage, page-aligned, keeping its length.
    const fd = openSync(file, 'r+');
    const garbage = Buffer.alloc(4096, 0xa5);
    for (let at = Math.floor(bytes / 2 / 4096) * 4096; at < bytes; at += 4096)
      writeSync(fd, garbage, 0, 4096, at);
    closeSync(fd);
    expect(statSync(file).size).toBe(bytes);

    const err = await failure(async () => {
      const damaged = await openRunStore(file);
      try {
        await damaged.tailLogs(run.id, { limit: 1000 });
        await damaged.listRuns({});
      } finally {
        await damaged.close().catch(() => undefined);
      }
    });
    expect(isUserError(err), `expected a UserError, got ${err.stack}`).toBe(true);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/SQLITE_CORRUPT/);
    expect(err.message).not.toContain('\n');
  });

  it('a file that is not a database is a UserError naming the file', async () => {
    const file = path.join(dir, 'text.db');
    const fd = openSync(file, 'w');
    writeSync(fd, Buffer.from('this is not sqlite\n'.repeat(500)));
    closeSync(fd);
    const err = await failure(() => openRunStore(file));
    expect(isUserError(err)).toBe(true);
    expect(err.message).toContain(file);
  });
});

describe('mistyped --db on a read command', () => {
  it('create: false refuses a missing store and creates neither the file nor its folders', async () => {
    const file = path.join(dir, 'typo', 'deeper', 'glorank.db');
    const err = await failure(() => openRunStore(file, { create: false }));
    expect(isUserError(err)).toBe(true);
    expect(err.message).toContain(file);
    expect(existsSync(path.join(dir, 'typo'))).toBe(false);
  });

  it('create: false opens an existing store', async () => {
    const file = path.join(dir, 'existing.db');
    await (await openRunStore(file)).close();
    const store = await openRunStore(file, { create: false });
    expect((await store.listRuns({})).total).toBe(0);
    await store.close();
  });
});

describe('PostgreSQL passwords are redacted in every printed location', () => {
  it.each([
    ['postgres://alice:s3cret@db:5432/runs', 'postgres://alice:***@db:5432/runs'],
    ['postgresql://alice@db/runs?password=s3cret', 'postgresql://alice@db/runs?password=***'],
    [
      'postgres://db/runs?sslmode=require&password=s3cret&x=1',
      'postgres://db/runs?sslmode=require&password=***&x=1',
    ],
    ['postgres://db/runs?sslpassword=s3cret', 'postgres://db/runs?sslpassword=***'],
    ['postgres://db/runs?PASSWORD=s3cret', 'postgres://db/runs?PASSWORD=***'],
    ['postgres://alice:s3cret@db/runs?password=other', 'postgres://alice:***@db/runs?password=***'],
  ])('%s', (url, shown) => {
    expect(redactLocation(url)).toBe(shown);
    expect(redactLocation(url)).not.toMatch(/s3cret|other/);
  });

  it('an unparsable URL still loses its password', () => {
    const shown = redactLocation('postgres://alice:s3cret@[bad/runs?password=s3cret');
    expect(shown).not.toContain('s3cret');
  });

  it('a refused connection names the redacted URL only', async () => {
    const err = await failure(() =>
      openRunStore('postgres://alice:s3cret@127.0.0.1:1/runs?password=s3cret', { maxConnections: 1 }),
    );
    expect(isUserError(err), String(err)).toBe(true);
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).not.toContain('s3cret');
  });
});

describe('storeUnavailable', () => {
  it('turns connection and storage codes into UserErrors and leaves others alone', () => {
    expect(
      storeUnavailable(Object.assign(new Error('password authentication failed'), { code: '28P01' }), 'pg'),
    ).not.toBeNull();
    expect(storeUnavailable(Object.assign(new Error('x'), { code: '08006' }), 'pg')).not.toBeNull();
    expect(
      storeUnavailable(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_SHORT_READ' }), 'f'),
    ).not.toBeNull();
    expect(
      storeUnavailable(
        Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
        'f',
      ),
    ).toBeNull();
    expect(storeUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }), 'pg')).toBeNull();
    expect(storeUnavailable(new TypeError('bug'), 'f')).toBeNull();
  });
});
