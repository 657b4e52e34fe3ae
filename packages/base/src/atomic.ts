// Atomic writes: outputs appear whole or not at all (write a temporary sibling, then rename).
// A process killed mid-write leaves its temporary sibling behind (`.<name>.tmp-<pid>-<hex>`);
// the next atomic write into the same folder removes those whose process is gone.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from './user-error.js';

/** Temporary siblings made here: `.<name>.tmp-<pid>-<hex>`, and `<that>.old` while replacing. */
export const TEMP_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]+(\.old)?$/;

function tempSibling(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** False only when no process with this id exists (on this machine). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporary siblings in `dir` left by processes that no longer run (killed converts,
 * checkpoint saves, exports). Those of live processes, this one included, are theirs to finish.
 * Returns the names removed. Process ids are only meaningful on one machine: folders written
 * from several machines or PID namespaces at once should not rely on this sweep.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of entries) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    if (m[2] !== undefined) {
      // Killed between moving the old output aside and moving the new one in: the old one is
      // whole, so it goes back rather than leaving no output at all.
      const target = path.join(dir, name.slice(1, name.lastIndexOf('.tmp-')));
      const restored = await fs
        .rename(path.join(dir, name), target)
        .then(() => true)
        .catch(() => false);
      if (restored) continue;
    }
    await fs.rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Write `data` to `file` atomically (same-directory temp file, fsync, rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await removeStaleTemps(path.dirname(path.resolve(file)));
  const tmp = tempSibling(file);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Build a directory atomically: `fill` writes into a temporary sibling directory, which is
 * renamed onto `dir` only when `fill` succeeds. With `force`, an existing `dir` is replaced;
 * without it, an existing `dir` is an error left untouched.
 */
export async function buildDirAtomic<T>(
  dir: string,
  fill: (tmpDir: string) => Promise<T>,
  options: { force?: boolean } = {},
): Promise<T> {
  // Sweep first: a killed replacement may have to move the old output back into place.
  await removeStaleTemps(path.dirname(path.resolve(dir)));
  const exists = await fs
    .stat(dir)
    .then(() => true)
    .catch(() => false);
  if (exists && !options.force) {
    throw new UserError(`output directory already exists (use --force to replace it)`, { file: dir });
  }
  await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  const tmp = tempSibling(path.resolve(dir));
  await fs.mkdir(tmp, { recursive: true });
  let result: T;
  try {
    result = await fill(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (exists) {
    const old = `${tmp}.old`;
    await fs.rename(dir, old);
    await fs.rename(tmp, dir);
    await fs.rm(old, { recursive: true, force: true });
  } else {
    await fs.rename(tmp, dir);
  }
  return result;
}
