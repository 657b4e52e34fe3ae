// One runner per experiment folder at a time: a lock file holding the owner's pid. A lock
// left by a process that no longer exists (killed run) is taken over, which is what makes
// "kill it and run it again" resume cleanly.
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@glorank/data';

export interface ExperimentLock {
  file: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireExperimentLock(dir: string): Promise<ExperimentLock> {
  const file = path.join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        file,
        release: async () => {
          const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
          if (owner === process.pid) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new UserError(`experiment is already running in process ${owner} (lock file ${file})`, {
          file: dir,
        });
      }
      // Stale lock of a dead process: take it over.
      await rm(file, { force: true });
    }
  }
  throw new UserError(`could not take the experiment lock ${file}`, { file: dir });
}
