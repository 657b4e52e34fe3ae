// One runner per experiment folder at a time. The lock file is created with its content in one
// step: the owner (pid, host, start time, a random nonce) is written to a private temporary
// file that is then hard-linked to `.lock`, which fails if `.lock` exists. So a lock is never
// seen empty or half-written, and of any number of runners started at once exactly one links.
// A lock whose pid is dead on this host (a killed run) is taken over, which is what makes "kill
// it and run it again" resume cleanly. Taking over is itself a lock: only the runner that
// creates `.lock.<nonce>.break` for that dead owner's nonce may remove its lock, so two runners
// that both saw the dead owner cannot remove each other's fresh lock. A lock that cannot be
// read as an owner, or whose owner is on another host, is never guessed stale: the user is told
// which file to delete.
import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '@glorank/data';

export interface ExperimentLock {
  file: string;
  release(): Promise<void>;
}

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  nonce: string;
}

const LOCK_NAME = '.lock';
const BREAK_SUFFIX = '.break';
/** Rounds of "someone else is breaking a dead owner's lock: wait and look again". */
const MAX_ATTEMPTS = 200;

/** Nonces of the locks this process holds: its own pid in a lock is then not a reused pid. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function newOwner(): LockOwner {
  return {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
}

/**
 * The owner written in a lock file, or null when the text is not one. A bare pid (what
 * glorank wrote before locks carried their host) is read as a pid on this host.
 */
export function parseLockOwner(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^[1-9]\d{0,9}$/.test(trimmed)) {
    return { pid: Number(trimmed), host: os.hostname(), startedAt: 'unknown', nonce: `pid-${trimmed}` };
  }
  try {
    const v = JSON.parse(trimmed) as Partial<LockOwner>;
    if (
      typeof v === 'object' &&
      v !== null &&
      Number.isInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.host === 'string' &&
      typeof v.startedAt === 'string' &&
      typeof v.nonce === 'string' &&
      /^[0-9A-Za-z-]{1,64}$/.test(v.nonce)
    ) {
      return { pid: v.pid as number, host: v.host, startedAt: v.startedAt, nonce: v.nonce };
    }
  } catch {
    // Not JSON: reported below as an unreadable lock.
  }
  return null;
}

/** Create `file` holding `owner`, atomically; false when `file` already exists. */
async function createWithContent(file: string, owner: LockOwner): Promise<boolean> {
  const tmp = `${file}.tmp-${owner.pid}-${owner.nonce}`;
  await writeFile(tmp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

type Holder =
  | { state: 'absent' }
  | { state: 'owner'; owner: LockOwner }
  | { state: 'unreadable'; text: string };

async function readHolder(file: string): Promise<Holder> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  const owner = parseLockOwner(text);
  return owner ? { state: 'owner', owner } : { state: 'unreadable', text };
}

/** Whether `owner` certainly no longer runs: a dead pid on this host, not a lock of ours. */
function isDead(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return !heldHere.has(owner.nonce);
  return !alive(owner.pid);
}

function busy(file: string, dir: string, owner: LockOwner): UserError {
  const where =
    owner.host === os.hostname()
      ? `process ${owner.pid}`
      : `process ${owner.pid} on host ${owner.host} (delete the lock file if that run is gone)`;
  const since = owner.startedAt === 'unknown' ? '' : ` since ${owner.startedAt}`;
  return new UserError(`experiment is already running in ${where}${since} (lock file ${file})`, {
    file: dir,
  });
}

/**
 * Take `file` for this process. Returns the owner written on success; throws a UserError
 * when a live (or unknown) owner holds it.
 */
async function take(file: string, dir: string): Promise<LockOwner> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const mine = newOwner();
    heldHere.add(mine.nonce);
    if (await createWithContent(file, mine)) return mine;
    heldHere.delete(mine.nonce);
    const holder = await readHolder(file);
    if (holder.state === 'absent') continue; // released between our link and our read
    if (holder.state === 'unreadable') {
      const shown = holder.text.length === 0 ? 'it is empty' : 'it does not name an owner';
      throw new UserError(
        `lock file ${file} cannot be read (${shown}); if no experiment is running in this folder, delete it`,
        { file: dir },
      );
    }
    if (!isDead(holder.owner)) throw busy(file, dir, holder.owner);
    // The owner is dead: whoever takes the break lock for this owner may remove its lock.
    const breakFile = `${file}.${holder.owner.nonce}${BREAK_SUFFIX}`;
    let breaker: LockOwner;
    try {
      breaker = await take(breakFile, dir);
    } catch (err) {
      // Another runner is breaking this dead owner's lock: look again shortly.
      if (err instanceof UserError && /already running/.test(err.message)) {
        await sleep(5 + Math.floor(Math.random() * 20));
        continue;
      }
      throw err;
    }
    try {
      // Only the break holder removes the lock, and no new lock can appear while it exists,
      // so what is at `file` is still the dead owner's (unless a break holder that died after
      // removing it left the break lock behind, when `file` may be absent or someone's new lock).
      const now = await readHolder(file);
      if (now.state === 'owner' && now.owner.nonce === holder.owner.nonce) await rm(file, { force: true });
    } finally {
      heldHere.delete(breaker.nonce);
      await rm(breakFile, { force: true });
    }
  }
  throw new UserError(`could not take the experiment lock ${file}`, { file: dir });
}

/** Break locks left behind by runners that died while breaking a dead owner's lock. */
async function removeStaleBreakLocks(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith(`${LOCK_NAME}.`) || !name.endsWith(BREAK_SUFFIX)) continue;
    const holder = await readHolder(path.join(dir, name));
    if (holder.state === 'owner' && isDead(holder.owner)) await rm(path.join(dir, name), { force: true });
  }
}

export async function acquireExperimentLock(dir: string): Promise<ExperimentLock> {
  const file = path.join(dir, LOCK_NAME);
  const mine = await take(file, dir);
  // Holding the lock, no one breaks a lock here, so break locks of dead runners are debris.
  await removeStaleBreakLocks(dir);
  return {
    file,
    release: async () => {
      const holder = await readHolder(file);
      if (holder.state === 'owner' && holder.owner.nonce === mine.nonce) await rm(file, { force: true });
      heldHere.delete(mine.nonce);
    },
  };
}
