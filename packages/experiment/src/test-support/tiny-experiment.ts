// The runner tests' experiment: a tiny synthetic dataset, the initial order and a small DNN,
// two seeds (9 stages: dataset + 2 methods x 2 seeds x (train + eval)), seconds to run.
export function tinyExperimentYaml(name: string, dnnEpochs = 1): string {
  return `
name: ${name}
dataset:
  source: synthetic
  name: tiny-synth
  options: { users: 60, items: 160, candidates: 20, historyLength: 10, requestsPerUser: 4, seed: 3 }
methods:
  - initial
  - { method: dnn, epochs: ${dnnEpochs}, dim: 8, hidden: 16, batchSize: 32 }
seeds: [1, 2]
`;
}
