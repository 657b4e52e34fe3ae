// Atomic writes: outputs appear whole or not at all (write a temporary sibling, then rename).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

function tempSibling(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write `data` to `file` atomically (same-directory temp file, fsync, rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
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
  const exists = await fs
    .stat(dir)
    .then(() => true)
    .catch(() => false);
  if (exists && !options.force) {
    const { UserError } = await import('../errors/user-error.js');
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
