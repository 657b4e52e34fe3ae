import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StageStore, stableStringify, stageHash } from './stage-store.js';

async function tmpDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'glorank-stage-'));
}

describe('stableStringify / stageHash', () => {
  it('ignores key order and undefined fields', () => {
    expect(stableStringify({ b: 1, a: [2, { d: 3, c: undefined }] })).toBe('{"a":[2,{"d":3}],"b":1}');
    const a = stageHash({ kind: 'train', config: { x: 1, y: 2 }, inputs: { data: 'h1' } });
    const b = stageHash({ kind: 'train', config: { y: 2, x: 1 }, inputs: { data: 'h1' } });
    expect(a).toBe(b);
  });

  it('changes with the config, the inputs and the kind', () => {
    const base = { kind: 'train', config: { x: 1 }, inputs: { data: 'h1' } };
    const h = stageHash(base);
    expect(stageHash({ ...base, config: { x: 2 } })).not.toBe(h);
    expect(stageHash({ ...base, inputs: { data: 'h2' } })).not.toBe(h);
    expect(stageHash({ ...base, kind: 'eval' })).not.toBe(h);
  });
});

describe('StageStore', () => {
  it('runs a stage once and reuses it afterwards', async () => {
    const store = new StageStore(await tmpDir());
    let runs = 0;
    const spec = {
      kind: 'train',
      label: 'dnn-seed1',
      config: { epochs: 1 },
      inputs: { data: 'abc' },
      run: async (dir: string) => {
        runs++;
        await writeFile(path.join(dir, 'out.txt'), 'hello');
        return { value: 42 };
      },
    };
    const first = await store.run(spec);
    expect(first.reused).toBe(false);
    expect(first.summary).toEqual({ value: 42 });
    expect(await readFile(path.join(first.dir, 'out.txt'), 'utf8')).toBe('hello');
    const second = await store.run(spec);
    expect(second.reused).toBe(true);
    expect(second.summary).toEqual({ value: 42 });
    expect(second.finishedAt).toBe(first.finishedAt);
    expect(runs).toBe(1);
    // A changed input is a different stage.
    const third = await store.run({ ...spec, inputs: { data: 'xyz' } });
    expect(third.reused).toBe(false);
    expect(runs).toBe(2);
  });

  it('leaves nothing that looks finished when a stage fails', async () => {
    const root = await tmpDir();
    const store = new StageStore(root);
    const spec = {
      kind: 'convert',
      label: 'bad',
      config: {},
      inputs: {},
      run: async (dir: string) => {
        await writeFile(path.join(dir, 'partial.txt'), 'x');
        throw new Error('boom');
      },
    };
    await expect(store.run(spec)).rejects.toThrow('boom');
    expect(await store.finished(spec)).toBeNull();
    expect(existsSync(store.dirOf(spec))).toBe(false);
    expect(await readdir(path.join(root, 'convert'))).toEqual([]);
  });

  it('removes debris of a killed run', async () => {
    const root = await tmpDir();
    await mkdir(path.join(root, 'train', '.dnn-seed1-0123.tmp-999-abcd1234'), { recursive: true });
    await mkdir(path.join(root, 'train', 'kept-0123'), { recursive: true });
    const store = new StageStore(root);
    expect(await store.removeDebris()).toBe(1);
    expect(await readdir(path.join(root, 'train'))).toEqual(['kept-0123']);
  });
});
