// One vitest set-up for every workspace: unit tests beside the code, separate processes
// (tfjs and native drivers keep global state), at most the machine's two cores.
import { defineConfig } from 'vitest/config';

export const packageTestConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
