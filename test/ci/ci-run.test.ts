// `.ci/run` stops with one clear line, before installing or testing anything, on a machine
// without the licensed datasets or without Chromium (issue 19: CI never skips silently).
// The script runs from a copy in a temporary repository layout (so "../shared/datasets"
// is a folder this test controls), and a PATH of shims stands in for the system tools: a
// no-op apt-get (nothing is installed), and tools after the checks (PostgreSQL, npm) that
// fail loudly, so a check that let the run through shows up as the wrong message.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const DATASETS = ['ml-100k', 'amazon-beauty-sequences', 'ml-1m-metadata'];

let tmp = '';
let script = '';
let shims = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'glorank-ci-run-'));
  await mkdir(path.join(tmp, 'repo', '.ci'), { recursive: true });
  script = path.join(tmp, 'repo', '.ci', 'run');
  await copyFile(path.join(root, '.ci', 'run'), script);
  shims = path.join(tmp, 'shims');
  await mkdir(shims);
  const shim = async (name: string, body: string) => {
    await writeFile(path.join(shims, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(shims, name), 0o755);
  };
  await shim('apt-get', 'exit 0');
  for (const tool of [
    'pg_lsclusters',
    'pg_ctlcluster',
    'pg_createcluster',
    'pg_isready',
    'su',
    'psql',
    'createdb',
    'npm',
  ]) {
    await shim(tool, `echo "shim ${tool} reached: a check before it let the run through" >&2; exit 97`);
  }
});

afterAll(async () => {
  if (tmp !== '') await rm(tmp, { recursive: true, force: true });
});

interface Result {
  code: number;
  stderr: string;
}

function ciRun(env: Record<string, string | undefined>): Promise<Result> {
  const full: NodeJS.ProcessEnv = { PATH: `${shims}:${process.env.PATH}`, HOME: tmp };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) full[k] = v;
  return new Promise((resolve) => {
    execFile('bash', [script], { env: full, timeout: 60_000 }, (err, _stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stderr });
    });
  });
}

async function datasetsFolder(name: string, present: readonly string[]): Promise<string> {
  const dir = path.join(tmp, name);
  for (const d of present) await mkdir(path.join(dir, d), { recursive: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('.ci/run on a machine that lacks what CI needs', () => {
  it('without ../shared/datasets beside the repository: exit 1 naming the folder', async () => {
    const r = await ciRun({});
    expect(r.code).toBe(1);
    const expected = path.join(tmp, 'shared', 'datasets');
    expect(r.stderr.trim().split('\n')).toEqual([
      `real data not found: ${expected} is not a folder; CI needs the shared datasets (../shared/datasets beside the repository, or set GLORANK_REAL_DATA)`,
    ]);
  });

  it('with GLORANK_REAL_DATA naming a missing folder: exit 1 naming it', async () => {
    const r = await ciRun({ GLORANK_REAL_DATA: path.join(tmp, 'no-such-folder') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`real data not found: ${path.join(tmp, 'no-such-folder')} is not a folder`);
  });

  it('with a datasets folder lacking one dataset: exit 1 naming the missing one', async () => {
    const dir = await datasetsFolder('partial', ['ml-100k', 'ml-1m-metadata']);
    const r = await ciRun({ GLORANK_REAL_DATA: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `real data incomplete: ${dir}/amazon-beauty-sequences is missing; the real-data tests need it`,
    );
  });

  it('without Chromium after the install: exit 1 naming the binary, before PostgreSQL or npm', async () => {
    const dir = await datasetsFolder('complete', DATASETS);
    const missing = path.join(tmp, 'no-chromium', 'chromium');
    const r = await ciRun({ GLORANK_REAL_DATA: dir, GLORANK_CHROMIUM: missing });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('shim');
    expect(r.stderr.trim()).toBe(
      `chromium not found at ${missing} after apt-get install chromium; the browser suite needs it (set GLORANK_CHROMIUM to its path)`,
    );
  });

  it('(control) with the datasets and a Chromium the run goes past both checks to PostgreSQL', async () => {
    const dir = await datasetsFolder('complete', DATASETS);
    // Any executable stands in for the browser: the check is only that the binary exists.
    const r = await ciRun({ GLORANK_REAL_DATA: dir, GLORANK_CHROMIUM: path.join(shims, 'apt-get') });
    expect(r.code).toBe(97);
    expect(r.stderr).toContain('shim pg_lsclusters reached');
  });
});
