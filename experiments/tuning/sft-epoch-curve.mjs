// GloRank SFT learning curve on the VALID split (issue 13 recipe search): trains GloRank SFT as
// the experiment's glorank-sft stage does (same initialisation and batches for a seed) and prints,
// after every epoch, the mean training loss of that epoch, valid P@6 and NDCG@6, and P@6 on a
// 1-in-15 sample of the training requests (to tell under- from over-fitting). Test is never read.
// Usage (from the repository root, after `npm run build`), with the dataset and tokenize stage
// folders of an experiment run of experiments/ml-100k.yaml or tuning/ml-100k-valid.yaml:
//   node experiments/tuning/sft-epoch-curve.mjs <stages>/dataset/<ml-100k-...>/dataset \
//     <stages>/tokenize/<ml-100k-...> '{"name":"b64","sft":{"epochs":6,"batchSize":64}}'
// The JSON holds the `model` and `sft` sections of a glorank-sft entry, plus `name` and `seed`.
import { itemCodes, readDataset } from '@glorank/data';
import {
  evaluateGloRank,
  initialGloRankModel,
  readSemanticIds,
  requestsOf,
  resolveTrainConfig,
  selectBackend,
  silentLogger,
  trainSft,
} from '@glorank/model';

const [datasetDir, codesDir, json] = process.argv.slice(2);
if (json === undefined) {
  process.stderr.write('usage: sft-epoch-curve.mjs <dataset dir> <tokenize stage dir> <json options>\n');
  process.exit(2);
}
const opts = JSON.parse(json);
const seed = opts.seed ?? 1;
await selectBackend('auto');
const dataset = await readDataset(datasetDir);
const ids = await readSemanticIds(codesDir);
const codes = itemCodes(ids.codes, ids.levels, ids.codebookSizes);
const config = resolveTrainConfig({ model: opts.model ?? {}, sft: opts.sft ?? {} });
// A sample of training requests scored like the valid ones (evaluateGloRank reads one split).
const trainSample = {
  ...dataset,
  requests: dataset.requests
    .filter((r, i) => r.split === 'train' && i % 15 === 0)
    .map((r) => ({ ...r, split: 'valid' })),
};
const started = Date.now();
let losses = [];
const logger = {
  ...silentLogger,
  log: (_step, m) => {
    if (m['sft/loss'] !== undefined) losses.push(m['sft/loss']);
  },
  info: () => undefined,
};
const model = initialGloRankModel({ dataset, codes, config, seed });
const report = (epoch) => {
  const valid = evaluateGloRank(model, dataset, { split: 'valid', decode: config.decode, simulator: null });
  const train = evaluateGloRank(model, trainSample, {
    split: 'valid',
    decode: config.decode,
    simulator: null,
  });
  const loss = losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length);
  losses = [];
  // slateMetrics are already x100.
  console.log(
    `${opts.name ?? 'sft'} epoch ${epoch} loss ${loss.toFixed(4)} valid P@6 ${valid.metrics.precision.toFixed(2)} ` +
      `NDCG@6 ${valid.metrics.ndcg.toFixed(2)} (n=${valid.metrics.count}) train-sample P@6 ` +
      `${train.metrics.precision.toFixed(2)} ${((Date.now() - started) / 1000).toFixed(0)}s`,
  );
};
let perEpoch = 0;
await trainSft({
  model,
  requests: requestsOf(dataset, ['train']),
  config: config.sft,
  seed,
  logger,
  // Evaluated between steps: with one worker the model lives in this thread.
  onStep: (done, total) => {
    if (perEpoch === 0) perEpoch = total / config.sft.epochs;
    if (done % perEpoch === 0) report(done / perEpoch);
  },
});
