// Where tokenizer tests find the real benchmark copies (never committed): GLORANK_REAL_DATA,
// resolved against the repository root then the working directory, else ../shared/datasets.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
