// Prints one closing line over every vitest JSON report written by `npm test`
// ("Tests: N passed, N failed, N skipped"), so CI logs end with the whole count.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// Every workspace (packages/*, apps/*, test), so a new package's tests are counted too.
const dirs = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(path.join(root, group), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(group, d.name)),
  ),
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
