// Fault suite (issue 17): `glorank data convert`, `train sft` and `experiment run` are
// SIGKILLed at seeded random points, a bounded number of rounds each. After every kill,
// nothing half-written may be readable as finished (an output folder at its final name is
// whole: its checksums hold and a "finished" flag only where the work was done), and the next
// start must both succeed and leave no temporary debris (`.<name>.tmp-<pid>-<hex>`) behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, type FSWatcher, readdirSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Rng, readDataset, TEMP_NAME } from '@glorank/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const SEED = Number(process.env.GLORANK_FAULT_SEED ?? 17);
const ROUNDS = Number(process.env.GLORANK_FAULT_ROUNDS ?? 3);

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/**
 * When to SIGKILL a run: `afterMs` from its start, or `thenMs` after `when()` first holds
 * (polled every 10 ms), to aim at a phase such as "writing its output".
 */
interface KillPlan {
  afterMs?: number;
  when?: () => boolean;
  /** A folder whose changes trigger a check of `when` at once (besides the 10 ms poll). */
  watch?: string;
  thenMs?: number;
}

/** Run the CLI to its end, or until the kill plan fires. */
function cli(args: string[], env: NodeJS.ProcessEnv, kill: KillPlan = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, CI: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timers: NodeJS.Timeout[] = [];
    if (kill.afterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), kill.afterMs));
    let watcher: FSWatcher | null = null;
    if (kill.when) {
      let fired = false;
      const check = () => {
        if (fired || !kill.when?.()) return;
        fired = true;
        clearInterval(poll);
        watcher?.close();
        const ms = kill.thenMs ?? 0;
        if (ms === 0) child.kill('SIGKILL');
        else timers.push(setTimeout(() => child.kill('SIGKILL'), ms));
      };
      const poll = setInterval(check, 10);
      timers.push(poll);
      // inotify sees a temporary folder appear at once; polling alone can miss a short write.
      if (kill.watch !== undefined) watcher = watch(kill.watch, check);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      watcher?.close();
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, stderr, ms: Date.now() - started });
    });
  });
}

/** True while a temporary sibling exists in `dir`. */
function writing(dir: string): () => boolean {
  return () => existsSync(dir) && readdirSync(dir).some((n) => TEMP_NAME.test(n));
}

async function debris(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((n) => TEMP_NAME.test(n));
}

/** True when `dir` holds a previous output of `name` moved aside by an unfinished replacement. */
async function displaced(dir: string, name: string): Promise<boolean> {
  return (await debris(dir)).some((n) => n.startsWith(`.${name}.tmp-`) && n.endsWith('.old'));
}

/** Every temporary under `dir`, at any depth. */
async function debrisTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (TEMP_NAME.test(e.name)) out.push(path.join(dir, e.name));
    else if (e.isDirectory()) out.push(...(await debrisTree(path.join(dir, e.name))));
  }
  return out;
}

/** A MovieLens 100K layout with seeded ratings: 300 users x 40 ratings over 400 items. */
async function writeMl100k(dir: string, rng: Rng): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  let t = 880_000_000;
  for (let u = 1; u <= 300; u++) {
    const seen = new Set<number>();
    while (seen.size < 40) seen.add(1 + rng.int(400));
    for (const i of seen) {
      t += 1 + rng.int(500);
      lines.push(`${u}\t${i}\t${1 + rng.int(5)}\t${t}`);
    }
  }
  await writeFile(path.join(dir, 'u.data'), `${lines.join('\n')}\n`);
  const items = Array.from({ length: 400 }, (_, k) => {
    const flags = Array.from({ length: 19 }, (_, g) => (g === k % 19 ? '1' : '0'));
    return [k + 1, `Movie ${k + 1} (1995)`, '01-Jan-1995', '', 'http://x', ...flags].join('|');
  });
  await writeFile(path.join(dir, 'u.item'), `${items.join('\n')}\n`, 'latin1');
}

/** The checkpoint in `dir` is whole: arrays.bin matches the sha256 its manifest names. */
async function checkpointState(
  dir: string,
): Promise<{ finished: boolean; step: number; totalSteps: number }> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
    sha256: string;
    meta: { finished: boolean; step: number; totalSteps: number };
  };
  const bytes = await readFile(path.join(dir, 'arrays.bin'));
  expect(createHash('sha256').update(bytes).digest('hex'), `${dir}: arrays.bin checksum`).toBe(
    manifest.sha256,
  );
  return manifest.meta;
}

describe(`killed processes leave nothing half-written (seed ${SEED}, ${ROUNDS} rounds each)`, () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  const rng = new Rng(SEED);

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'glorank-faults-'));
    env = {
      GLORANK_RUNS_DIR: path.join(tmp, 'runs'),
      GLORANK_DATASETS_DIR: path.join(tmp, 'datasets'),
    };
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('data convert: the output folder is absent or complete, and debris goes on the next start', async () => {
    const src = path.join(tmp, 'ml-100k');
    await writeMl100k(src, rng.fork('ml-100k'));
    const parent = path.join(tmp, 'converted');
    const out = path.join(parent, 'ml100k');
    const args = [
      'data',
      'convert',
      'ml-100k',
      '--src',
      src,
      '--out',
      out,
      '--k-core',
      '5',
      '--history',
      '10',
      '--candidates',
      '20',
      '--slate-size',
      '4',
      '--bpr-epochs',
      '2',
      '--force',
    ];
    const clean = await cli(args, env);
    expect(clean.code, clean.stderr).toBe(0);
    const reference = (await readDataset(out)).manifest.contentHash;
    let killedWithDebris = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Odd rounds: anywhere in the run; even rounds: while the output is being written.
      const plan: KillPlan =
        round % 2 === 1
          ? { afterMs: Math.round(rng.uniform(0.2, 1.1) * clean.ms) }
          : { when: writing(parent), watch: parent, thenMs: rng.int(3) };
      const killed = await cli(args, env, plan);
      // Whatever the kill point, the folder at the final name is a whole dataset: the old one
      // or the new one (the same content here), never a mixture.
      if (existsSync(out)) expect((await readDataset(out)).manifest.contentHash).toBe(reference);
      if (killed.signal === 'SIGKILL' && (await debris(parent)).length > 0) killedWithDebris++;
      const next = await cli(args, env);
      expect(next.code, next.stderr).toBe(0);
      expect((await readDataset(out)).manifest.contentHash).toBe(reference);
      expect(await debris(parent)).toEqual([]);
    }
    // The kills must have hit the writing phase at least once, or this proved nothing.
    expect(killedWithDebris, 'rounds that left a temporary folder behind').toBeGreaterThan(0);
  });

  it('train sft: a checkpoint is whole and says finished only when it is; --resume completes it', async () => {
    const ds = path.join(tmp, 'synth');
    expect(
      (
        await cli(
          [
            'data',
            'synth',
            '--out',
            ds,
            '--users',
            '60',
            '--items',
            '200',
            '--candidates',
            '16',
            '--slate-size',
            '4',
          ],
          env,
        )
      ).code,
    ).toBe(0);
    expect((await cli(['tokenize', ds, '--codebook', '8', '--levels', '2'], env)).code).toBe(0);
    const config = path.join(tmp, 'sft.yaml');
    await writeFile(
      config,
      'model: { dim: 16, hidden: 32 }\nsft: { epochs: 4, batchSize: 16, checkpointEvery: 3 }\n',
    );
    const parent = path.join(tmp, 'checkpoints');
    const reference = path.join(parent, 'reference');
    const base = ['train', 'sft', ds, '--config', config, '--no-track', '--backend', 'wasm'];
    const clean = await cli([...base, '--out', reference], env);
    expect(clean.code, clean.stderr).toBe(0);
    const full = await checkpointState(reference);
    expect(full.finished).toBe(true);
    let killedMidway = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const out = path.join(parent, `ck-${round}`);
      // Odd rounds: anywhere in the run; even rounds: soon after the first checkpoint appears.
      const plan: KillPlan =
        round % 2 === 1
          ? { afterMs: Math.round(rng.uniform(0.3, 1.0) * clean.ms) }
          : { when: () => existsSync(path.join(out, 'manifest.json')), thenMs: rng.int(200) };
      const killed = await cli([...base, '--out', out], env, plan);
      if (existsSync(path.join(out, 'manifest.json'))) {
        const state = await checkpointState(out);
        expect(state.finished).toBe(state.step >= state.totalSteps);
        if (killed.signal === 'SIGKILL' && !state.finished) killedMidway++;
      }
      // Without --resume or --force the killed run's output is not silently replaced. A kill
      // between moving the previous checkpoint aside and moving the new one in leaves it only
      // as `.ck-N.tmp-<pid>-<hex>.old`: that output exists too, and the next start moves it back.
      const hadOutput = existsSync(out) || (await displaced(parent, path.basename(out)));
      if (hadOutput) {
        const refused = await cli([...base, '--out', out], env);
        expect(refused.code, refused.stderr).toBe(2);
        expect(existsSync(out), 'the refused start moved a displaced checkpoint back').toBe(true);
      }
      const next = await cli([...base, '--out', out, ...(hadOutput ? ['--resume'] : [])], env);
      expect(next.code, next.stderr).toBe(0);
      const done = await checkpointState(out);
      expect(done.finished).toBe(true);
      expect(done.step).toBe(full.step);
      expect(await debris(parent)).toEqual([]);
    }
    expect(killedMidway, 'rounds killed between two checkpoints').toBeGreaterThan(0);
  });

  it('experiment run: only finished stages carry a marker, results appear whole, debris goes on the next start', async () => {
    const cfg = path.join(tmp, 'exp.yaml');
    await writeFile(
      cfg,
      `name: faults
dataset:
  source: synthetic
  name: faults-synth
  options: { users: 80, items: 150, candidates: 16, historyLength: 8, requestsPerUser: 3, seed: 3 }
methods:
  - initial
  - { method: dnn, epochs: 2, dim: 8, hidden: 16, batchSize: 16 }
seeds: [1, 2]
`,
    );
    const rounds = Math.max(1, Math.min(ROUNDS, 2));
    for (let round = 0; round < rounds; round++) {
      const expDir = path.join(tmp, `exp-${round}`);
      const args = ['experiment', 'run', cfg, '--out', expDir, '--backend', 'wasm', '--no-track'];
      // The first round measures a whole run; every round kills one at a random point.
      const reference =
        round === 0
          ? await cli([...args.slice(0, 4), path.join(tmp, 'exp-ref'), ...args.slice(5)], env)
          : null;
      if (reference) expect(reference.code, reference.stderr).toBe(0);
      const whole = reference?.ms ?? 60_000;
      await cli(args, env, { afterMs: Math.round(rng.uniform(0.2, 0.9) * whole) });
      const stages = path.join(expDir, 'stages');
      if (existsSync(stages)) {
        for (const kind of await readdir(stages)) {
          for (const name of await readdir(path.join(stages, kind))) {
            if (TEMP_NAME.test(name)) continue;
            // A stage folder at its final name is finished: its marker is there and parses.
            const marker = JSON.parse(await readFile(path.join(stages, kind, name, 'stage.json'), 'utf8'));
            expect(marker.hash).toMatch(/^[0-9a-f]{64}$/);
          }
        }
      }
      const results = path.join(expDir, 'results', 'results.json');
      if (existsSync(results)) JSON.parse(await readFile(results, 'utf8'));
      const next = await cli(args, env);
      expect(next.code, next.stderr).toBe(0);
      expect(await debrisTree(expDir)).toEqual([]);
      expect(existsSync(path.join(expDir, 'results', 'results.md'))).toBe(true);
    }
  });
});
