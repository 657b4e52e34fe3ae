#!/usr/bin/env node
// `npm run test:mutation [-- module ...]`: StrykerJS over the core modules, one module at a
// time (each package's mutation.config.mjs says what is mutated and which tests must kill
// it), then a table of mutation scores. Slow (minutes per module on 2 cores), so it is not
// part of `npm test`. Reports: packages/<pkg>/reports/mutation/<module>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['data', 'model'];

const modules = [];
for (const pkg of PACKAGES) {
  const { MODULES } = await import(path.join(root, 'packages', pkg, 'mutation.config.mjs'));
  for (const name of Object.keys(MODULES)) modules.push({ pkg, name });
}

const asked = process.argv.slice(2);
for (const a of asked) {
  if (!modules.some((m) => m.name === a)) {
    console.error(`unknown mutation module '${a}'; expected one of ${modules.map((m) => m.name).join(', ')}`);
    process.exit(2);
  }
}
const selected = asked.length > 0 ? modules.filter((m) => asked.includes(m.name)) : modules;

/** Mutation score as Stryker defines it: killed + timeout over all valid mutants, in %. */
function score(reportFile) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, other: 0 };
  for (const file of Object.values(report.files)) {
    for (const m of file.mutants) {
      if (m.status in counts) counts[m.status]++;
      else counts.other++;
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { ...counts, score: valid > 0 ? (100 * detected) / valid : Number.NaN };
}

let failed = false;
const rows = [];
for (const m of selected) {
  const cwd = path.join(root, 'packages', m.pkg);
  console.log(`\n== ${m.name} (packages/${m.pkg})`);
  const t0 = Date.now();
  const r = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, GLORANK_MUTATION_MODULE: m.name },
  });
  const report = path.join(cwd, 'reports', 'mutation', `${m.name}.json`);
  if (r.status !== 0 || !existsSync(report)) {
    console.error(`stryker failed on module ${m.name} (exit ${r.status})`);
    failed = true;
    continue;
  }
  rows.push({ module: m.name, ...score(report), minutes: (Date.now() - t0) / 60_000 });
}

console.log('\n| module | score % | killed | timeout | survived | no coverage | minutes |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.module} | ${r.score.toFixed(1)} | ${r.Killed} | ${r.Timeout} | ${r.Survived} | ${r.NoCoverage} | ${r.minutes.toFixed(1)} |`,
  );
}
process.exit(failed ? 1 : 0);
