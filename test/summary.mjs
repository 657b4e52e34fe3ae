// Prints one closing line over every vitest JSON report written by `npm test`
// ("Tests: N passed, N failed, N skipped"), so CI logs end with the whole count.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dirs = [
  'packages/base',
  'packages/data',
  'packages/model',
  'packages/experiment',
  'packages/tracking',
  'packages/api',
  'apps/cli',
  'apps/dashboard',
  'test',
];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of dirs) {
  const file = path.join(root, dir, 'test-artifacts', 'vitest.json');
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
process.stdout.write(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
