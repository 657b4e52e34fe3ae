// The experiment lock: created with its content in one step, a dead owner on this host taken
// over, anything else never guessed stale, and of runners racing for it exactly one wins.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { acquireExperimentLock, parseLockOwner } from './experiment-lock.js';

async function tmpDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'glorank-lock-'));
}

/** A pid that existed on this host and has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child.pid;
}

function ownerText(pid: number, host = os.hostname(), nonce = `n${pid}`): string {
  return `${JSON.stringify({ pid, host, startedAt: '2026-01-01T00:00:00.000Z', nonce })}\n`;
}

describe('experiment lock', () => {
  it('writes its owner (pid, host, start time) and removes the file on release', async () => {
    const dir = await tmpDir();
    const lock = await acquireExperimentLock(dir);
    const owner = parseLockOwner(await readFile(lock.file, 'utf8'));
    expect(owner?.pid).toBe(process.pid);
    expect(owner?.host).toBe(os.hostname());
    expect(Number.isNaN(Date.parse(owner?.startedAt ?? ''))).toBe(false);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a second runner in the same process while the first holds it', async () => {
    const dir = await tmpDir();
    const lock = await acquireExperimentLock(dir);
    await expect(acquireExperimentLock(dir)).rejects.toThrow(`already running in process ${process.pid}`);
    await lock.release();
    const again = await acquireExperimentLock(dir);
    await again.release();
  });

  it('refuses a live owner and takes over a dead one on this host', async () => {
    const dir = await tmpDir();
    const file = path.join(dir, '.lock');
    // The parent process (the vitest runner) is alive for sure.
    await writeFile(file, ownerText(process.ppid));
    await expect(acquireExperimentLock(dir)).rejects.toThrow(`already running in process ${process.ppid}`);
    // The pre-host format (a bare pid) is still read as a pid on this host.
    await writeFile(file, `${process.ppid}\n`);
    await expect(acquireExperimentLock(dir)).rejects.toThrow(/already running in process/);
    const dead = deadPid();
    await writeFile(file, ownerText(dead));
    const lock = await acquireExperimentLock(dir);
    expect(parseLockOwner(await readFile(file, 'utf8'))?.pid).toBe(process.pid);
    await lock.release();
    await writeFile(file, `${dead}\n`);
    await (await acquireExperimentLock(dir)).release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock naming its own pid that this process did not write (a reused pid)', async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, '.lock'), ownerText(process.pid));
    const lock = await acquireExperimentLock(dir);
    await lock.release();
  });

  it('never treats an empty or unreadable lock as stale, and says which file to delete', async () => {
    const dir = await tmpDir();
    const file = path.join(dir, '.lock');
    for (const text of ['', '\n', 'garbage', '{"pid":1}', '-5']) {
      await writeFile(file, text);
      await expect(acquireExperimentLock(dir)).rejects.toThrow(
        `lock file ${file} cannot be read (${text === '' ? 'it is empty' : 'it does not name an owner'}); if no experiment is running in this folder, delete it`,
      );
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it("does not guess whether another host's owner is alive", async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, '.lock'), ownerText(deadPid(), `not-${os.hostname()}`));
    await expect(acquireExperimentLock(dir)).rejects.toThrow(
      /on host not-.* \(delete the lock file if that run is gone\)/,
    );
  });

  it('removes break locks left by runners that died while taking over a dead lock', async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, '.lock.abc.break'), ownerText(deadPid()));
    const lock = await acquireExperimentLock(dir);
    expect(await readdir(dir)).toEqual(['.lock']);
    await lock.release();
  });

  // Three processes start together for each round, and whoever gets the lock holds it until
  // all three have tried. Odd rounds start from a dead runner's lock (all three see it stale
  // and race to take it over), even rounds from none.
  it('of 3 processes racing for it, exactly one holds it, round after round', async () => {
    const dir = await tmpDir();
    const sync = await tmpDir();
    const rounds = 8;
    const racers = 3;
    const script = `
      import { existsSync, readdirSync, writeFileSync } from 'node:fs';
      import { acquireExperimentLock } from '@glorank/experiment';
      const [dir, sync, id, rounds, racers] = process.argv.slice(1);
      const wait = async (ok) => { while (!ok()) await new Promise((r) => setTimeout(r, 1)); };
      for (let r = 0; r < Number(rounds); r++) {
        await wait(() => existsSync(sync + '/go-' + r));
        let lock = null;
        let outcome;
        try { lock = await acquireExperimentLock(dir); outcome = 'held'; }
        catch (e) { outcome = (e.name === 'UserError' ? 'busy: ' : 'error: ') + e.message; }
        writeFileSync(sync + '/result-' + r + '-' + id, outcome);
        if (lock) {
          await wait(() => readdirSync(sync).filter((f) => f.startsWith('result-' + r + '-')).length === Number(racers));
          await lock.release();
        }
        writeFileSync(sync + '/done-' + r + '-' + id, '');
      }`;
    const children = Array.from({ length: racers }, (_, id) =>
      spawn(
        process.execPath,
        ['--input-type=module', '-e', script, dir, sync, String(id), String(rounds), String(racers)],
        {
          // The built package entry, resolved from this package's folder.
          cwd: path.resolve(import.meta.dirname, '..'),
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      ),
    );
    const exited = children.map((c) => new Promise<number | null>((resolve) => c.on('exit', resolve)));
    try {
      const files = async (prefix: string) => (await readdir(sync)).filter((f) => f.startsWith(prefix));
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 1)
          await writeFile(path.join(dir, '.lock'), ownerText(deadPid(), os.hostname(), `dead${r}`));
        await writeFile(path.join(sync, `go-${r}`), '');
        while ((await files(`done-${r}-`)).length < racers) await sleep(2);
        const outcomes = await Promise.all(
          (await files(`result-${r}-`)).map((f) => readFile(path.join(sync, f), 'utf8')),
        );
        expect(
          outcomes.filter((o) => o === 'held'),
          `round ${r}: ${outcomes.join(' | ')}`,
        ).toHaveLength(1);
        for (const o of outcomes.filter((x) => x !== 'held'))
          expect(o).toMatch(/^busy: .*experiment is already running in process \d+/);
        // Nothing is left behind: no lock, no break lock, no temporary file.
        expect(await readdir(dir), `round ${r}`).toEqual([]);
      }
      expect(await Promise.all(exited)).toEqual(Array(racers).fill(0));
    } finally {
      // A failed round leaves the racers waiting for the next: stop them.
      for (const c of children) if (c.exitCode === null) c.kill();
    }
  });
});
