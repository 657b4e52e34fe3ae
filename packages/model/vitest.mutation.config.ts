// The vitest set-up Stryker runs: the package's usual settings (vitest.shared.ts, restated
// here because the sandbox Stryker copies this package into cannot reach files above it),
// restricted to the test files of the module being mutated (mutation.config.mjs).
import { defineConfig } from 'vitest/config';
// @ts-expect-error a plain .mjs module shared with stryker.config.mjs
import { MODULES } from './mutation.config.mjs';

const name = process.env.GLORANK_MUTATION_MODULE ?? '';
const module = (MODULES as Record<string, { tests: string[] }>)[name];
if (module === undefined) throw new Error(`unknown GLORANK_MUTATION_MODULE '${name}'`);

export default defineConfig({
  test: { include: module.tests, testTimeout: 120_000, hookTimeout: 120_000 },
});
