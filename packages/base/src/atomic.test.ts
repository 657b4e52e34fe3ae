import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDirAtomic, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { UserError } from './user-error.js';

async function tmpdir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'glorank-atomic-'));
}

describe('atomic writes', () => {
  it('writes a file and leaves no temp files', async () => {
    const dir = await tmpdir();
    await writeFileAtomic(path.join(dir, 'a.json'), '{"x":1}');
    expect(await fs.readFile(path.join(dir, 'a.json'), 'utf8')).toBe('{"x":1}');
    expect(await fs.readdir(dir)).toEqual(['a.json']);
  });

  it('leaves nothing behind when filling a directory fails', async () => {
    const root = await tmpdir();
    const out = path.join(root, 'out');
    await expect(
      buildDirAtomic(out, async (tmp) => {
        await fs.writeFile(path.join(tmp, 'half.arrow'), 'x');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('refuses an existing directory without force and replaces it with force', async () => {
    const root = await tmpdir();
    const out = path.join(root, 'out');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'old'), 'old');
    await expect(buildDirAtomic(out, async () => undefined)).rejects.toBeInstanceOf(UserError);
    expect(await fs.readdir(out)).toEqual(['old']);
    await buildDirAtomic(out, async (tmp) => fs.writeFile(path.join(tmp, 'new'), 'new'), { force: true });
    expect(await fs.readdir(out)).toEqual(['new']);
    expect(await fs.readdir(root)).toEqual(['out']);
  });

  describe('debris of killed processes (issue 17)', () => {
    // The id of a process that has certainly exited.
    const deadPid = (): number => {
      const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      return Number(r.stdout.toString());
    };

    it('the next atomic write into a folder removes temporaries of dead processes only', async () => {
      const root = await tmpdir();
      const dead = deadPid();
      await fs.mkdir(path.join(root, `.ml100k.tmp-${dead}-0a1b2c3d`));
      await fs.writeFile(path.join(root, `.ml100k.tmp-${dead}-0a1b2c3d`, 'items.arrow'), 'half');
      await fs.writeFile(path.join(root, `.report.json.tmp-${dead}-ff00ff00`), '{"half":');
      // A writer that is still running (this process) keeps its temporary.
      await fs.mkdir(path.join(root, `.ck.tmp-${process.pid}-12345678`));
      // Look-alikes that are not temporaries stay.
      await fs.writeFile(path.join(root, '.tmp-notes'), 'keep');
      await buildDirAtomic(path.join(root, 'ml100k'), async (tmp) => fs.writeFile(path.join(tmp, 'ok'), '1'));
      expect((await fs.readdir(root)).sort()).toEqual([
        '.ck.tmp-' + process.pid + '-12345678',
        '.tmp-notes',
        'ml100k',
      ]);
      await writeFileAtomic(path.join(root, 'x.json'), '{}');
      expect(await removeStaleTemps(root)).toEqual([]);
    });

    it('a replaced output moved aside by a killed process comes back whole', async () => {
      const root = await tmpdir();
      const dead = deadPid();
      // Killed after renaming ck/ aside and before renaming the new one in.
      const aside = path.join(root, `.ck.tmp-${dead}-abcdef01.old`);
      await fs.mkdir(aside);
      await fs.writeFile(path.join(aside, 'manifest.json'), 'old whole');
      await fs.mkdir(path.join(root, `.ck.tmp-${dead}-abcdef01`));
      expect(await removeStaleTemps(root)).toEqual([`.ck.tmp-${dead}-abcdef01`]);
      expect(await fs.readFile(path.join(root, 'ck', 'manifest.json'), 'utf8')).toBe('old whole');
    });

    it('the next forced build after such a kill restores, then replaces, the output', async () => {
      const root = await tmpdir();
      const dead = deadPid();
      const aside = path.join(root, `.ck.tmp-${dead}-abcdef02.old`);
      await fs.mkdir(aside);
      await fs.writeFile(path.join(aside, 'manifest.json'), 'old whole');
      await buildDirAtomic(
        path.join(root, 'ck'),
        async (tmp) => fs.writeFile(path.join(tmp, 'manifest.json'), 'new'),
        {
          force: true,
        },
      );
      expect(await fs.readdir(root)).toEqual(['ck']);
      expect(await fs.readFile(path.join(root, 'ck', 'manifest.json'), 'utf8')).toBe('new');
    });
  });
});
