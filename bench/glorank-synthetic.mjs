// GloRank on the synthetic benchmark scored by the true click model: the initial order vs
// GloRank SFT vs SFT+RL (learned evaluator reward) and SFT+RL (true-model reward, a diagnostic),
// per seed, with each method's gain over the initial order measured in the same run.
// Defaults are the small configuration of docs/results.md ("GloRank" results).
//   node bench/glorank-synthetic.mjs [--seeds 1,2] [--users 200] [--items 400] [--candidates 20]
//     [--slate-size 4] [--history 20] [--requests-per-user 8] [--initial-noise 1.5] [--exposure-temperature 1]
//     [--methods initial,glorank-sft,glorank-rl,glorank-rl-oracle] [--sft-epochs 6] [--rl-steps 40]
//     [--rl-lr 2e-3] [--rl-kl 0.01] [--unexposed-swaps x] [--sft-weighting uniform|clicked|ipw]
//     [--sft-demos logged|search] [--search-samples 16] [--ensemble 5] [--pessimism 0.5]
//     [--pair-rank 16] [--rl-no-std] [--rl-batch 16] [--rl-group 8] [--rl-inner 4]
import { parseArgs } from 'node:util';
import { pairedDifference } from '@glorank/data';
import { runSyntheticComparison } from '@glorank/experiment';
import { selectBackend } from '@glorank/model';

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1' },
    users: { type: 'string', default: '200' },
    items: { type: 'string', default: '400' },
    candidates: { type: 'string', default: '20' },
    'slate-size': { type: 'string', default: '4' },
    history: { type: 'string', default: '20' },
    'requests-per-user': { type: 'string' },
    'initial-noise': { type: 'string' },
    'exposure-temperature': { type: 'string' },
    methods: { type: 'string', default: 'initial,glorank-sft,glorank-rl,glorank-rl-oracle' },
    'sft-epochs': { type: 'string', default: '6' },
    'rl-steps': { type: 'string', default: '40' },
    'rl-lr': { type: 'string', default: '2e-3' },
    'rl-kl': { type: 'string', default: '0.01' },
    'unexposed-swaps': { type: 'string' },
    'sft-weighting': { type: 'string' },
    'sft-demos': { type: 'string' },
    ensemble: { type: 'string' },
    'rl-no-std': { type: 'boolean', default: false },
    'rl-batch': { type: 'string', default: '16' },
    'rl-group': { type: 'string', default: '8' },
    'rl-inner': { type: 'string', default: '4' },
    pessimism: { type: 'string' },
    'pair-rank': { type: 'string' },
    'search-samples': { type: 'string' },
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
    ...(a['requests-per-user'] !== undefined ? { requestsPerUser: Number(a['requests-per-user']) } : {}),
    ...(a['exposure-temperature'] !== undefined
      ? { exposureTemperature: Number(a['exposure-temperature']) }
      : {}),
  };
  const res = await runSyntheticComparison({
    synthetic,
    seed,
    methods,
    config: {
      sft: {
        epochs: Number(a['sft-epochs']),
        batchSize: 32,
        ...(a['sft-weighting'] !== undefined ? { weighting: a['sft-weighting'] } : {}),
        ...(a['sft-demos'] !== undefined ? { demonstrations: a['sft-demos'] } : {}),
        ...(a['search-samples'] !== undefined ? { searchSamples: Number(a['search-samples']) } : {}),
      },
      rewardModel: {
        ...(a['unexposed-swaps'] !== undefined ? { unexposedSwaps: Number(a['unexposed-swaps']) } : {}),
        ...(a.ensemble !== undefined ? { ensemble: Number(a.ensemble) } : {}),
        ...(a.pessimism !== undefined ? { pessimism: Number(a.pessimism) } : {}),
        ...(a['pair-rank'] !== undefined ? { pairRank: Number(a['pair-rank']) } : {}),
      },
      rl: {
        steps: Number(a['rl-steps']),
        batchSize: Number(a['rl-batch']),
        group: Number(a['rl-group']),
        normalizeStd: !a['rl-no-std'],
        learningRate: Number(a['rl-lr']),
        innerEpochs: Number(a['rl-inner']),
        klCoef: Number(a['rl-kl']),
      },
    },
    onProgress: (m) => process.stderr.write(`seed ${seed}: ${m}\n`),
  });
  const base = res.scores.initial?.reward;
  console.log(`seed ${seed} ${JSON.stringify(synthetic)} test requests ${res.testRequests}`);
  if (res.evaluatorCorrelation !== undefined)
    console.log(
      `  evaluator within-request correlation with the true reward ${res.evaluatorCorrelation.toFixed(3)}`,
    );
  for (const [name, s] of Object.entries(res.scores)) {
    const ratio = base ? ` (${(s.reward / base).toFixed(4)}x initial)` : '';
    console.log(
      `  ${name.padEnd(18)} expected clicks ${s.reward.toFixed(4)}${ratio}  ndcg ${s.ndcg.toFixed(2)}${s.evaluatorReward !== undefined ? `  evaluator ${s.evaluatorReward.toFixed(4)}` : ''}  ${s.seconds.toFixed(0)} s`,
    );
  }
  // Paired per-request differences (95 % intervals): the margins the README quotes.
  const pairs = [
    ['glorank-sft', 'initial'],
    ['glorank-rl', 'glorank-sft'],
    ['glorank-rl', 'initial'],
  ];
  for (const [x, y] of pairs) {
    const sx = res.scores[x];
    const sy = res.scores[y];
    if (sx === undefined || sy === undefined) continue;
    const d = pairedDifference(Array.from(sx.rewards), Array.from(sy.rewards));
    console.log(`  ${x} - ${y}: ${d.mean.toFixed(4)} +- ${d.halfWidth.toFixed(4)}`);
  }
}
