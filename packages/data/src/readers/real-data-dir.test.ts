import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failInCiWithoutRealData, realDataDir, realDataRequired, realDataset } from './real-data-dir.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('real data lookup', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'glorank-real-'));
  mkdirSync(path.join(root, 'ml-100k'));

  it('finds a dataset folder under GLORANK_REAL_DATA and nothing that is not there', () => {
    const env = { GLORANK_REAL_DATA: root };
    expect(realDataDir(env)).toBe(root);
    expect(realDataset('ml-100k', env)).toBe(path.join(root, 'ml-100k'));
    expect(realDataset('ml-1m', env)).toBeNull();
    expect(realDataset('ml-100k', { GLORANK_REAL_DATA: path.join(root, 'missing') })).toBeNull();
  });

  it('resolves a relative GLORANK_REAL_DATA against the repository root first', () => {
    // 'packages/data' exists under the repository root whatever the working directory is.
    expect(realDataDir({ GLORANK_REAL_DATA: 'packages/data' })).toBe(path.join(repoRoot, 'packages', 'data'));
  });

  it('requires the data only with CI set to something other than false', () => {
    expect(realDataRequired({})).toBe(false);
    expect(realDataRequired({ CI: 'false' })).toBe(false);
    expect(realDataRequired({ CI: '' })).toBe(false);
    expect(realDataRequired({ CI: 'true' })).toBe(true);
  });

  it('registers one failing test only when CI is set and the dataset is missing', () => {
    const titles: string[] = [];
    const fns: (() => void)[] = [];
    const register = (title: string, fn: () => void) => {
      titles.push(title);
      fns.push(fn);
    };
    failInCiWithoutRealData(register, 'ml-100k', null, {});
    failInCiWithoutRealData(register, 'ml-100k', root, { CI: 'true' });
    expect(titles).toEqual([]);
    failInCiWithoutRealData(register, 'ml-100k', null, { CI: '1', GLORANK_REAL_DATA: '/nowhere' });
    expect(titles).toEqual(['real data: finds ml-100k under GLORANK_REAL_DATA']);
    expect(fns[0]).toThrow("real dataset 'ml-100k' not found (GLORANK_REAL_DATA=/nowhere)");
  });
});
