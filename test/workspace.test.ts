// Cross-package invariants of the monorepo layout: every package exposes exactly one entry.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

describe('workspace layout', () => {
  const pkgs = readdirSync(path.join(root, 'packages'));
  it.each(pkgs)('packages/%s has one public entry (src/index.ts via exports)', (dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe(`@glorank/${dir}`);
    expect(Object.keys(pkg.exports)).toEqual(['.']);
    const index = readFileSync(path.join(root, 'packages', dir, 'src', 'index.ts'), 'utf8');
    // The barrel names its exports; `export *` would leak internals.
    expect(index).not.toMatch(/export \* from/);
  });

  it('dependency arrows point one way (model never imports tracking)', () => {
    const model = JSON.parse(readFileSync(path.join(root, 'packages/model/package.json'), 'utf8'));
    const data = JSON.parse(readFileSync(path.join(root, 'packages/data/package.json'), 'utf8'));
    expect(Object.keys(model.dependencies)).not.toContain('@glorank/tracking');
    expect(Object.keys(data.dependencies).filter((d: string) => d.startsWith('@glorank/'))).toEqual([]);
  });
});
