// `glorank runs` end to end through the built CLI against a seeded SQLite store.
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
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
    // One filter syntax with the dashboard: --where takes its search box query, and the
    // --param/--metric shorthands are its terms. Final losses 0.5, 0.25, 0.75; lr 0, 1, 2.
    const ids = async (...args: string[]) =>
      (
        JSON.parse((await cli(['runs', 'ls', ...args, '--json'])).stdout) as { runs: { id: number }[] }
      ).runs.map((x) => x.id);
    expect(await ids('--where', 'status:running params.lr>=1')).toEqual([3, 2]);
    expect(await ids('--where', 'metrics.loss.last<0.6')).toEqual([2, 1]);
    expect(await ids('--metric', 'last:loss<0.6')).toEqual([2, 1]);
    expect(await ids('--where', 'metrics.loss.min<0.6', '--param', 'lr<1')).toEqual([1]);
    const bad = await cli(['runs', 'ls', '--where', 'params.lr>=1 colour:red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--where.*unknown filter 'colour:'/);
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

  it('a mistyped --db is one line and exit 2, and creates neither a store nor its folders', async () => {
    const typo = path.join(dir, 'tpyo', 'runs', 'glorank.db');
    for (const sub of [['ls'], ['show', '1'], ['export', '1'], ['tag', '1', 'x'], ['rm', '1']]) {
      const r = await runCli(['runs', ...sub, '--db', typo]);
      expect(r.code, sub.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(typo);
    }
    expect(existsSync(path.join(dir, 'tpyo'))).toBe(false);
  });

  it('terminal escape codes in run names, tags and logs are printed as visible text', async () => {
    const file = path.join(dir, 'hostile.db');
    const store = await openRunStore(file);
    const evil = '\u001b]0;pwned\u0007\u001b[2J\u001b[1Aname\u202eevil\r';
    const r = await store.createRun({ name: evil, experiment: `exp${evil}`, tags: [`tag${evil}`] });
    await store.appendLogs(r.id, [{ message: `log${evil}` }]);
    await store.close();
    for (const args of [
      ['runs', 'ls'],
      ['runs', 'show', String(r.id)],
      ['runs', 'tag', String(r.id), 'x'],
    ]) {
      const out = await runCli([...args, '--db', file]);
      expect(out.code, args.join(' ')).toBe(0);
      // No control character reaches the terminal except the newlines between lines.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be absent.
      expect(out.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
      expect(out.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\x1b[1Aname\\u202eevil');
    }
    // --json keeps the exact text (JSON escapes it).
    const json = JSON.parse((await runCli(['runs', 'show', String(r.id), '--json', '--db', file])).stdout);
    expect(json.run.name).toBe(evil);
  });

  it('a store with damaged pages is one line naming the file and exit 2, not a stack trace', async () => {
    const file = path.join(dir, 'damaged.db');
    const store = await openRunStore(file);
    const r = await store.createRun({ name: 'r', experiment: 'e' });
    await store.appendLogs(
      r.id,
      Array.from({ length: 400 }, (_, i) => ({ message: `line ${i} ${'x'.repeat(200)}` })),
    );
    await store.close();
    const bytes = statSync(file).size;
    const fd = openSync(file, 'r+');
    for (let at = Math.floor(bytes / 2 / 4096) * 4096; at < bytes; at += 4096)
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, at);
    closeSync(fd);
    const out = await runCli(['runs', 'show', String(r.id), '--logs', '1000', '--db', file]);
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(
      new RegExp(`^glorank: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: run store cannot be read`),
    );
  });
});
