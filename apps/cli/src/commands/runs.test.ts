// `glorank runs` end to end through the built CLI against a seeded SQLite store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore } from '@glorank/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

describe('glorank runs', () => {
  let dir: string;
  let db: string;

  const cli = (args: string[]) => runCli([...args, '--db', db]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-cli-runs-'));
    db = path.join(dir, 'glorank.db');
    const store = await openRunStore(db);
    // Final losses 0.5, 0.25, 0.75 for runs 1, 2, 3.
    for (const [i, final] of [0.5, 0.25, 0.75].entries()) {
      const r = await store.createRun({ name: `r${i}`, experiment: 'cli', params: { lr: i }, tags: ['all'] });
      await store.logMetrics(r.id, [
        { key: 'loss', step: 0, value: 2 },
        { key: 'loss', step: 1, value: final },
      ]);
    }
    await store.setRunStatus(1, 'finished');
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ls sorts by a metric and filters by status and param', async () => {
    const r = await cli(['runs', 'ls', '--sort', 'last:loss', '--asc', '--json']);
    expect(r.code).toBe(0);
    const page = JSON.parse(r.stdout) as { total: number; runs: { id: number }[] };
    expect(page.total).toBe(3);
    expect(page.runs.map((x) => x.id)).toEqual([2, 1, 3]);
    const f = JSON.parse(
      (await cli(['runs', 'ls', '--status', 'running', '--param', 'lr>=1', '--json'])).stdout,
    );
    expect(f.runs.map((x: { id: number }) => x.id)).toEqual([3, 2]);
    const text = await cli(['runs', 'ls', '--sort', 'min:loss']);
    expect(text.stdout).toMatch(/MIN loss/);
    expect(text.stdout).toMatch(/1-3 of 3 runs/);
  });

  it('show, tag, export and rm', async () => {
    const shown = JSON.parse((await cli(['runs', 'show', '2', '--json'])).stdout);
    expect(shown.run.metrics.loss.last).toBe(0.25);
    const tagged = JSON.parse((await cli(['runs', 'tag', '2', 'best', '--json'])).stdout);
    expect(tagged).toEqual({ id: 2, tags: ['all', 'best'] });
    const out = path.join(dir, 'out', 'export.json');
    expect((await cli(['runs', 'export', '2', '3', '--out', out])).code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.format).toBe('glorank-runs/1');
    expect(file.runs.map((x: { run: { id: number } }) => x.run.id)).toEqual([2, 3]);
    expect(file.runs[0].series).toEqual([
      { key: 'loss', steps: [0, 1], values: [2, 0.25], times: file.runs[0].series[0].times },
    ]);
    const rm = await cli(['runs', 'rm', '3', '--json']);
    expect(JSON.parse(rm.stdout)).toEqual({ deleted: [3], missing: [] });
    const again = await cli(['runs', 'rm', '3']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/run 3 did not exist/);
  });

  it('bad values fail with one line and exit code 2', async () => {
    for (const args of [
      ['runs', 'ls', '--sort', 'median:loss'],
      ['runs', 'ls', '--status', 'zombie'],
      ['runs', 'ls', '--metric', 'loss<1'],
      ['runs', 'show', '0'],
      ['runs', 'show', '42'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
  });
});
