// The one regular-file check every artifact read goes through. A registered artifact can be
// anything the file system holds: a FIFO would block a plain read forever (and with it one of
// Node's few file-system threads), a device can stream without end. So: lstat the resolved
// path first and refuse anything but a regular file, then open it non-blocking and without
// following a final symlink, and check with fstat that the open file is that same file.
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { ArtifactPathError } from './safe-path.js';

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/**
 * Open `file` (an already resolved real path) for reading when it is a regular file; throws
 * ArtifactPathError otherwise. Never blocks on FIFOs or devices. The caller closes the handle.
 */
export async function openRegularFile(file: string): Promise<{ handle: FileHandle; stat: Stats }> {
  let before: Stats;
  try {
    before = await lstat(file);
  } catch {
    throw new ArtifactPathError(`artifact '${file}' does not exist`);
  }
  if (!before.isFile()) throw new ArtifactPathError(`artifact is ${kindOf(before)}, not a regular file`);
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    throw new ArtifactPathError(
      `artifact cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    const st = await handle.stat();
    // Swapped between lstat and open: refuse rather than read whatever is there now.
    if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev) {
      throw new ArtifactPathError(`artifact is ${st.isFile() ? 'changing' : kindOf(st)}, not a regular file`);
    }
    return { handle, stat: st };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
