// Where the licensed real benchmark copies are found (never committed to the repository):
// GLORANK_REAL_DATA, resolved against the repository root then the working directory, else
// ../shared/datasets beside the repository. The real-data test suites of every package look
// their datasets up here, so the rule and the CI behaviour are written once; nothing here
// depends on a test runner (the caller passes its `it`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/readers/ and dist/readers/ sit at the same depth, so this is the repository root either way.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The folder holding the real datasets, or null when there is none. */
export function realDataDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.GLORANK_REAL_DATA;
  const candidates = set
    ? [path.resolve(repoRoot, set), path.resolve(set)]
    : [path.resolve(repoRoot, '../shared/datasets')];
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** Folder of one real dataset, or null (the test then skips and says why). */
export function realDataset(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const root = realDataDir(env);
  if (!root) return null;
  const dir = path.join(root, name);
  return existsSync(dir) ? dir : null;
}

export const REAL_DATA_SKIP_REASON =
  'real data not found: set GLORANK_REAL_DATA to the shared datasets folder';

/** With CI set, a missing real dataset fails the run (as a missing PostgreSQL does) instead of skipping. */
export function realDataRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.CI) && env.CI !== 'false';
}

/**
 * Registers, through the test runner's `it`, a failing test when `dir` (from realDataset(name))
 * is missing and CI is set, so CI cannot pass with the real-data suites silently skipped.
 * Locally nothing is registered: the suite itself skips with the reason in its name.
 */
export function failInCiWithoutRealData(
  it: (title: string, fn: () => void) => void,
  name: string,
  dir: string | null,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (dir !== null || !realDataRequired(env)) return;
  it(`real data: finds ${name} under GLORANK_REAL_DATA`, () => {
    throw new Error(
      `real dataset '${name}' not found (GLORANK_REAL_DATA=${env.GLORANK_REAL_DATA ?? '<unset>'}); ` +
        'CI is set, so the real-data tests must not be skipped: point GLORANK_REAL_DATA at the shared datasets folder',
    );
  });
}
