// Where tokenizer tests find the real benchmark copies (never committed): GLORANK_REAL_DATA,
// resolved against the repository root then the working directory, else ../shared/datasets.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Folder of one real dataset, or null (the test then skips and says why). */
export function realDataset(name: string): string | null {
  const env = process.env.GLORANK_REAL_DATA;
  const roots = env
    ? [path.resolve(repoRoot, env), path.resolve(env)]
    : [path.resolve(repoRoot, '../shared/datasets')];
  const root = roots.find((r) => existsSync(r));
  if (!root) return null;
  const dir = path.join(root, name);
  return existsSync(dir) ? dir : null;
}

export const SKIP_REASON = 'real data not found: set GLORANK_REAL_DATA to the shared datasets folder';

/** With CI set, a missing real dataset fails the run (as a missing PostgreSQL does) instead of skipping. */
export const REAL_DATA_REQUIRED = Boolean(process.env.CI) && process.env.CI !== 'false';

/**
 * Registers a failing test when `dir` (from realDataset(name)) is missing and CI is set, so
 * CI cannot pass with the real-data suites silently skipped. Locally nothing is registered:
 * the suite itself skips with the reason in its name.
 */
export function failInCiWithoutRealData(name: string, dir: string | null): void {
  if (dir !== null || !REAL_DATA_REQUIRED) return;
  describe(`real data: ${name}`, () => {
    it(`finds ${name} under GLORANK_REAL_DATA`, () => {
      throw new Error(
        `real dataset '${name}' not found (GLORANK_REAL_DATA=${process.env.GLORANK_REAL_DATA ?? '<unset>'}); ` +
          'CI is set, so the real-data tests must not be skipped: point GLORANK_REAL_DATA at the shared datasets folder',
      );
    });
  });
}
