// StrykerJS over one mutation module of this package (see mutation.config.mjs); started by
// `npm run test:mutation` at the repository root, never by `npm test`.
import { MODULES } from './mutation.config.mjs';

const name = process.env.GLORANK_MUTATION_MODULE ?? '';
const module = MODULES[name];
if (module === undefined) {
  throw new Error(`GLORANK_MUTATION_MODULE must be one of ${Object.keys(MODULES).join(', ')}, got '${name}'`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: module.mutate,
  coverageAnalysis: 'perTest',
  // Two cores shared with other work: one test process at a time.
  concurrency: 1,
  timeoutMS: 15_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  // The sandbox needs the sources and configs only.
  ignorePatterns: ['dist', 'reports', 'test-artifacts', '*.tsbuildinfo'],
  // Inside the package: Stryker rewrites tsconfig `extends` for a sandbox two levels down.
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
