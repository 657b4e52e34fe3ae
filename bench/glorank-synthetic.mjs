// GloRank on the synthetic benchmark scored by the true click model: the initial order vs
// GloRank SFT vs SFT+RL (learned evaluator reward) and SFT+RL (true-model reward, a diagnostic),
// per seed, with each method's gain over the initial order measured in the same run.
// Defaults are the small configuration of packages/model/README.md ("GloRank" results).
//   node bench/glorank-synthetic.mjs [--seeds 1,2] [--users 200] [--items 400] [--candidates 20]
//     [--slate-size 4] [--history 20] [--initial-noise 1.5] [--exposure-temperature 1]
//     [--methods initial,glorank-sft,glorank-rl,glorank-rl-oracle] [--sft-epochs 6] [--rl-steps 40]
import { parseArgs } from 'node:util';
import { selectBackend } from '@glorank/model';
// Not in the @glorank/model barrel yet (see the report): the built module directly.
import { runSyntheticComparison } from '../packages/model/dist/training/synthetic-comparison.js';

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1' },
    users: { type: 'string', default: '200' },
    items: { type: 'string', default: '400' },
    candidates: { type: 'string', default: '20' },
    'slate-size': { type: 'string', default: '4' },
    history: { type: 'string', default: '20' },
    'initial-noise': { type: 'string' },
    'exposure-temperature': { type: 'string' },
    methods: { type: 'string', default: 'initial,glorank-sft,glorank-rl,glorank-rl-oracle' },
    'sft-epochs': { type: 'string', default: '6' },
    'rl-steps': { type: 'string', default: '40' },
    backend: { type: 'string', default: 'wasm' },
  },
});
await selectBackend(a.backend);
const methods = a.methods.split(',');
for (const seed of a.seeds.split(',').map(Number)) {
  const synthetic = {
    users: Number(a.users),
    items: Number(a.items),
    candidates: Number(a.candidates),
    slateSize: Number(a['slate-size']),
    historyLength: Number(a.history),
    seed,
    ...(a['initial-noise'] !== undefined ? { initialNoise: Number(a['initial-noise']) } : {}),
    ...(a['exposure-temperature'] !== undefined
      ? { exposureTemperature: Number(a['exposure-temperature']) }
      : {}),
  };
  const res = await runSyntheticComparison({
    synthetic,
    seed,
    methods,
    config: {
      sft: { epochs: Number(a['sft-epochs']), batchSize: 32 },
      rl: {
        steps: Number(a['rl-steps']),
        batchSize: 16,
        group: 8,
        learningRate: 2e-3,
        innerEpochs: 4,
        klCoef: 0.01,
      },
    },
    onProgress: (m) => process.stderr.write(`seed ${seed}: ${m}\n`),
  });
  const base = res.scores.initial?.reward;
  console.log(`seed ${seed} ${JSON.stringify(synthetic)} test requests ${res.testRequests}`);
  for (const [name, s] of Object.entries(res.scores)) {
    const ratio = base ? ` (${(s.reward / base).toFixed(4)}x initial)` : '';
    console.log(
      `  ${name.padEnd(18)} expected clicks ${s.reward.toFixed(4)}${ratio}  ndcg ${s.ndcg.toFixed(2)}  ${s.seconds.toFixed(0)} s`,
    );
  }
}
