// Mutation-testing modules of @glorank/data (run through `npm run test:mutation` at the
// repository root, which sets GLORANK_MUTATION_MODULE). Each module names the source files
// Stryker mutates and the test files that must kill the mutants: the fast, hand-worked tests
// of that code, not every test that happens to import it.
export const MODULES = {
  metrics: {
    mutate: ['src/metrics/slate-metrics.ts'],
    tests: ['src/metrics/metrics-protocol.test.ts', 'src/metrics/slate-metrics.test.ts'],
  },
  intervals: {
    mutate: ['src/metrics/intervals.ts'],
    tests: ['src/metrics/intervals.test.ts', 'src/metrics/slate-metrics.test.ts'],
  },
  'click-model': {
    mutate: ['src/synthetic/click-model.ts'],
    tests: ['src/synthetic/click-model.test.ts'],
  },
  // The request builder (stages and the writer of the two candidate constructions) and the
  // retrievers it orders candidates with are separate modules: together they are over 1,300
  // mutants, about two hours on the shared machine.
  'request-builder': {
    mutate: ['src/protocol/build-requests.ts', 'src/protocol/request-writer.ts'],
    tests: [
      'src/protocol/build-requests.test.ts',
      'src/protocol/sampled-candidates.test.ts',
      'src/protocol/build-params.test.ts',
      'src/protocol/request-reference.test.ts',
    ],
  },
  retrievers: {
    mutate: ['src/protocol/bpr.ts', 'src/protocol/cooccurrence.ts', 'src/protocol/negative-sampling.ts'],
    tests: [
      'src/protocol/bpr.test.ts',
      'src/protocol/cooccurrence.test.ts',
      'src/protocol/negative-sampling.test.ts',
      'src/protocol/sampled-candidates.test.ts',
    ],
  },
};
