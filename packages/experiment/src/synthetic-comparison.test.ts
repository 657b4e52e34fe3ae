// Method names of the synthetic comparison: the local-index ablation is 'glorank-local' here
// as in experiment configs; the old spelling and unknown names are refused in one line.
import { isUserError } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { COMPARISON_METHODS, runSyntheticComparison } from './synthetic-comparison.js';

describe('runSyntheticComparison method names', () => {
  it('calls the local-index ablation glorank-local, as the experiment configs do', () => {
    expect(COMPARISON_METHODS).toContain('glorank-local');
    expect(COMPARISON_METHODS as readonly string[]).not.toContain('local-sft');
  });

  it('refuses the old name with the new one named, and unknown names with the list', async () => {
    const run = (methods: string[]) =>
      runSyntheticComparison({ synthetic: {}, seed: 0, methods: methods as never }).catch((e: unknown) => e);
    const old = await run(['initial', 'local-sft']);
    expect(isUserError(old)).toBe(true);
    expect(String(old)).toMatch(/'local-sft' is now called 'glorank-local'/);
    const unknown = await run(['glorank-sftt']);
    expect(isUserError(unknown)).toBe(true);
    expect(String(unknown)).toMatch(
      /unknown method 'glorank-sftt', expected one of initial, prm, glorank-local/,
    );
  });
});
