import { defineConfig } from 'vitest/config';

// Two groups. The claims tests (test/claims) are long CPU-bound trainings with nothing timed:
// their files run side by side (and the margins test runs its seeds in parallel processes),
// so both cores of the CI machine work. Every other file runs alone, one after another,
// after the claims: the browser, kill-and-resume and multi-process tests do not share the
// cores with anything else of this package.
export default defineConfig({
  test: {
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'claims', include: ['claims/**/*.test.ts'], maxWorkers: 2 },
      },
      {
        extends: true,
        test: {
          name: 'rest',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'claims/**'],
          maxWorkers: 1,
        },
      },
    ],
  },
});
