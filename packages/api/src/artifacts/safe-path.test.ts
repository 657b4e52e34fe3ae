import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactPathError, resolveInsideRoot } from './safe-path.js';

describe('resolveInsideRoot', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'glorank-safe-path-'));
    root = path.join(base, 'artifacts');
    mkdirSync(path.join(root, 'run1'), { recursive: true });
    writeFileSync(path.join(root, 'run1', 'eval.json'), '{}');
    writeFileSync(path.join(base, 'secret.txt'), 'no');
    symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'run1', 'escape.txt'));
    symlinkSync(path.join(root, 'run1', 'eval.json'), path.join(root, 'run1', 'alias.json'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('resolves a file inside the root', () => {
    expect(resolveInsideRoot(root, 'run1/eval.json')).toBe(path.join(root, 'run1', 'eval.json'));
  });

  it('follows a symlink whose target stays inside', () => {
    expect(resolveInsideRoot(root, 'run1/alias.json')).toBe(path.join(root, 'run1', 'eval.json'));
  });

  it.each([
    ['../secret.txt'],
    ['run1/../../secret.txt'],
    ['/etc/passwd'],
    ['run1/escape.txt'],
    ['run1/missing.json'],
    ['run1/eval.json\0.png'],
    [''],
    ['.'],
  ])('refuses %j', (rel) => {
    expect(() => resolveInsideRoot(root, rel)).toThrow(ArtifactPathError);
  });
});
