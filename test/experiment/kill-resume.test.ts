// Killing an experiment mid-run and running it again finishes it without redoing the stages
// that had finished: the CLI is spawned, SIGKILLed right after a training stage completes,
// then re-run to the end.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'apps/cli/dist/main.js');
const run = promisify(execFile);

const config = `
name: kill-resume
dataset:
  source: synthetic
  name: kill-resume-synth
  options: { users: 120, items: 200, candidates: 20, historyLength: 10, requestsPerUser: 4, seed: 5 }
methods:
  - initial
  - { method: dnn, epochs: 4, dim: 8, hidden: 16, batchSize: 16 }
seeds: [1, 2]
`;

async function stageMarker(expDir: string, label: string): Promise<string | null> {
  const dir = path.join(expDir, 'stages', 'train');
  if (!existsSync(dir)) return null;
  const hit = (await readdir(dir)).find((d) => d.startsWith(`${label}-`) && !d.startsWith('.'));
  const marker = hit ? path.join(dir, hit, 'stage.json') : null;
  return marker && existsSync(marker) ? marker : null;
}

describe('experiment kill and resume', () => {
  it('reuses finished stages after SIGKILL and completes the table', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'glorank-resume-'));
    const cfg = path.join(tmp, 'exp.yaml');
    await writeFile(cfg, config);
    const expDir = path.join(tmp, 'exp');
    const env = {
      ...process.env,
      CI: '1',
      GLORANK_RUNS_DIR: path.join(tmp, 'runs'),
      GLORANK_DATASETS_DIR: path.join(tmp, 'datasets'),
    };
    const args = [cli, 'experiment', 'run', cfg, '--out', expDir, '--backend', 'wasm'];

    const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstErr = '';
    child.stderr?.on('data', (d) => {
      firstErr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let marker: string | null = null;
    const deadline = Date.now() + 240_000;
    while (marker === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      marker = await stageMarker(expDir, 'dnn-seed1');
    }
    expect(marker, firstErr).not.toBeNull();
    child.kill('SIGKILL');
    await exited;
    // Killed before the end: no results yet.
    expect(existsSync(path.join(expDir, 'results', 'results.md'))).toBe(false);
    const before = JSON.parse(await readFile(marker!, 'utf8')) as { finishedAt: string; hash: string };

    const second = await run(process.execPath, args, { env, maxBuffer: 1 << 24 });
    expect(second.stderr).toMatch(/train dnn-seed1: reused/);
    expect(second.stderr).toMatch(/dataset kill-resume-synth: reused/);
    expect(second.stderr).not.toMatch(/train dnn-seed1: done/);
    expect(second.stderr).toMatch(/train dnn-seed2: (done|reused)/);
    const after = JSON.parse(await readFile(marker!, 'utf8')) as { finishedAt: string; hash: string };
    expect(after).toEqual(before);
    expect(second.stdout).toMatch(/\| dnn/);
    expect(second.stdout).toMatch(/\| initial/);
    expect(existsSync(path.join(expDir, 'results', 'results.arrow'))).toBe(true);
    // No debris of the killed run is left in the stage folders.
    for (const kind of await readdir(path.join(expDir, 'stages'))) {
      expect((await readdir(path.join(expDir, 'stages', kind))).filter((d) => d.includes('.tmp-'))).toEqual(
        [],
      );
    }

    // A third run has nothing left to do.
    const third = await run(process.execPath, args, { env, maxBuffer: 1 << 24 });
    expect(third.stdout).toMatch(/stages: 0 run, 9 reused/);
  });
});
