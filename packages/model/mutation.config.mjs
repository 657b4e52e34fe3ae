// Mutation-testing modules of @glorank/model (run through `npm run test:mutation` at the
// repository root, which sets GLORANK_MUTATION_MODULE). Each module names the source files
// Stryker mutates and the test files that must kill the mutants: the fast, hand-worked or
// reference tests of that code, not the training tests that merely run it.
export const MODULES = {
  losses: {
    mutate: ['src/training/shard-loss.ts'],
    tests: ['src/training/shard-loss.test.ts'],
  },
  adam: {
    mutate: ['src/nn/adam.ts'],
    tests: ['src/nn/adam-reference.test.ts', 'src/nn/adam.test.ts'],
  },
  decoding: {
    mutate: ['src/decoding/decode.ts', 'src/decoding/trie.ts'],
    tests: ['src/decoding/decode.test.ts', 'src/decoding/trie-cursor.test.ts'],
  },
};
