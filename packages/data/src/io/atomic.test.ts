import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors/user-error.js';
import { buildDirAtomic, writeFileAtomic } from './atomic.js';

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
});
