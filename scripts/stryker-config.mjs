// The StrykerJS options of one mutation module (packages/<pkg>/mutation.config.mjs), shared by
// every package's stryker.config.mjs. Stryker loads that file from the package folder (not
// from its sandbox), so it may import this one; the sandbox's vitest config cannot reach it.
export function strykerConfig(modules) {
  const name = process.env.GLORANK_MUTATION_MODULE ?? '';
  const module = modules[name];
  if (module === undefined) {
    throw new Error(
      `GLORANK_MUTATION_MODULE must be one of ${Object.keys(modules).join(', ')}, got '${name}'`,
    );
  }
  /** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
  return {
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
}
