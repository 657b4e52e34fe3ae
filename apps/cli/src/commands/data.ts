// `glorank data ...`: convert public benchmarks, download them from the registry, generate the
// synthetic benchmark, and inspect a dataset folder. All work is done by @glorank/data.
import path from 'node:path';
import {
  convertDataset,
  type DatasetManifest,
  downloadBenchmark,
  formatLeakAudit,
  generateSynthetic,
  inspectDataset,
  isSourceFormat,
  loadRegistry,
  type ProtocolParams,
  removeStaleTemps,
  SOURCE_FORMATS,
  type SourceOptions,
  type SyntheticOptions,
  UserError,
  writeDataset,
} from '@glorank/data';
import { type Command, Option } from 'commander';
import { parseFloatOption, parseIntOption } from '../support/options.js';
import { createProgress, type Progress, stageProgress } from '../support/progress.js';

interface ConvertFlags {
  src: string;
  out: string;
  kCore?: number;
  history?: number;
  slateSize?: number;
  candidates?: number;
  ratingThreshold?: number;
  coldQuantile?: number;
  minHistory?: number;
  retriever?: 'cooccurrence' | 'bpr' | 'popularity';
  candidatesMode?: 'sampled' | 'top-retriever';
  trainStride?: number;
  coldBy?: 'time' | 'first-appearance' | 'random';
  coldShare?: number;
  bprEpochs?: number;
  bprDim?: number;
  seed?: number;
  name?: string;
  encoding?: 'latin1' | 'utf8';
  meta?: string;
  userCol?: string;
  itemCol?: string;
  ratingCol?: string;
  timeCol?: string;
  timeUnit?: 's' | 'ms' | 'iso';
  delimiter?: string;
  header: boolean;
  force?: boolean;
  skipBadLines?: boolean;
  json?: boolean;
}

function manifestLines(m: DatasetManifest, dir: string): string[] {
  const c = m.conversion ?? {};
  return [
    `wrote ${dir}`,
    `  ${m.rows.users} users, ${m.rows.items} items, ${m.rows.interactions} interactions`,
    `  requests: ${m.rows.requests} (train ${m.requestsBySplit.train}, valid ${m.requestsBySplit.valid}, test ${m.requestsBySplit.test})`,
    `  cold-start items: ${m.coldStartItems}${m.coldStartTestRequests !== undefined ? `, cold-start test requests: ${m.coldStartTestRequests}` : ''}`,
    ...coldStartNote(m),
    ...(c.skippedLines ? [`  skipped bad lines: ${c.skippedLines}`] : []),
    `  content hash ${m.contentHash}`,
    ...(m.leakAudit ? formatLeakAudit(m.leakAudit) : []),
  ];
}

/** Say why the cold-start table will be empty instead of leaving it silently empty. */
function coldStartNote(m: DatasetManifest): string[] {
  if (m.coldStartTestRequests === undefined || m.coldStartTestRequests > 0) return [];
  const p = m.protocol;
  const why =
    m.coldStartItems === 0
      ? (p.coldStartBy ?? 'time') === 'time'
        ? `no item is first seen after the ${p.coldStartQuantile} time quantile`
        : `the cold share ${p.coldStartShare ?? 0} picks no item`
      : 'no test window has a cold positive';
  return [
    `  NOTE: no cold-start test requests (${why}), so results have no cold-start table; try --cold-quantile or --cold-by random --cold-share 0.05`,
  ];
}

/** The generator options `glorank data synth` has a flag for (commander's camelCase names). */
const SYNTH_OPTIONS = [
  'users',
  'items',
  'seed',
  'topics',
  'candidates',
  'slateSize',
  'requestsPerUser',
  'initialNoise',
  'exposureTemperature',
] as const;
type SynthFlags = Pick<SyntheticOptions, (typeof SYNTH_OPTIONS)[number]> & {
  out: string;
  force?: boolean;
  json?: boolean;
};

function registerConvert(data: Command): void {
  data
    .command('convert')
    .description('convert a public benchmark into the Arrow dataset layout with reranking requests')
    .argument('<format>', `source format: ${SOURCE_FORMATS.join(', ')}`)
    .requiredOption('--src <path>', 'source folder (MovieLens) or file/folder (Amazon, sequences, csv)')
    .requiredOption('--out <dir>', 'dataset folder to write (atomically)')
    .option(
      '--k-core <n>',
      'drop users/items with fewer interactions, repeatedly (default 20 MovieLens, 5 others)',
      parseIntOption('--k-core', 0),
    )
    .option('--history <n>', 'longest history per request (default 50)', parseIntOption('--history', 1))
    .option('--slate-size <n>', 'exposed slate length L (default 6)', parseIntOption('--slate-size', 1))
    .option('--candidates <n>', 'candidate list length N (default 50)', parseIntOption('--candidates', 1))
    .option(
      '--rating-threshold <x>',
      'label 1 when rating >= x (default 4; 1 for implicit data)',
      parseFloatOption('--rating-threshold'),
    )
    .option(
      '--cold-quantile <q>',
      'items first seen at/after this time quantile are cold (default 0.9; 1 = none)',
      parseFloatOption('--cold-quantile', 0, 1),
    )
    .option(
      '--min-history <n>',
      'fewest past interactions a request needs (default 1)',
      parseIntOption('--min-history', 0),
    )
    .option(
      '--cold-share <x>',
      'share of items held out as cold with --cold-by random|first-appearance (default 0.05)',
      parseFloatOption('--cold-share', 0, 1),
    )
    .addOption(
      new Option(
        '--cold-by <how>',
        'how cold items are picked: time (time cut, needs timestamps), random (seeded share), first-appearance (last share to appear); default time, or random without timestamps',
      ).choices(['time', 'random', 'first-appearance']),
    )
    .addOption(
      new Option(
        '--retriever <name>',
        'stage-1 retriever that orders the candidate list (default cooccurrence)',
      ).choices(['cooccurrence', 'bpr', 'popularity']),
    )
    .addOption(
      new Option(
        '--candidates-mode <mode>',
        "non-exposed candidates: sampled (traffic-weighted sample, default) or top-retriever (the retriever's top items: the old construction, leaks labels; for comparison with published numbers)",
      ).choices(['sampled', 'top-retriever']),
    )
    .option(
      '--train-stride <n>',
      'training windows every n interactions (default: slate size for MovieLens, 1 for sparse sources)',
      parseIntOption('--train-stride', 1),
    )
    .option('--bpr-epochs <n>', 'BPR training epochs (default 20)', parseIntOption('--bpr-epochs', 0))
    .option('--bpr-dim <n>', 'BPR latent dimension (default 32)', parseIntOption('--bpr-dim', 1))
    .option('--seed <n>', 'random seed (default 0)', parseIntOption('--seed', 0))
    .option('--name <name>', 'dataset name in the manifest')
    .addOption(new Option('--encoding <enc>', 'override the text encoding').choices(['latin1', 'utf8']))
    .option(
      '--meta <file>',
      'amazon-*: metadata file (default: found beside the reviews); sequences: item CSV/TSV with header id,title,categories (categories |-separated)',
    )
    .option('--user-col <col>', 'csv: user column (header name, or 0-based index with --no-header)')
    .option('--item-col <col>', 'csv: item column')
    .option('--rating-col <col>', 'csv: rating column (omit for implicit feedback)')
    .option('--time-col <col>', 'csv: time column (omit to use file order)')
    .addOption(new Option('--time-unit <unit>', 'csv: time unit').choices(['s', 'ms', 'iso']).default('s'))
    .option('--delimiter <d>', 'csv: field separator (default tab for .tsv, comma otherwise)')
    .option('--no-header', 'csv: the file has no header row')
    .option('--force', 'replace an existing --out folder')
    .option('--skip-bad-lines', 'skip and count malformed lines instead of failing')
    .option('--json', 'print the manifest as JSON')
    .addHelpText(
      'after',
      `
Formats: ml-100k (u.data, u.item, u.user), ml-1m (ratings.dat, movies.dat, users.dat),
movielens-csv (ratings.csv, movies.csv), amazon-2014 | amazon-2018 | amazon-2023 (reviews +
meta files, .gz or plain), sequences (user item item ... per line), csv (any CSV/TSV with
--user-col/--item-col). Protocol parameters are recorded in manifest.json, with the leak
audit printed at the end: precision@L of rankers that learn nothing (random, retriever top
and bottom L, most and least popular L, ceiling) per split, and a WARNING when one of them
reads the labels backwards or comes near the ceiling.

Examples:
  $ glorank data convert ml-1m --src ~/data/ml-1m --out datasets/out/ml-1m
  $ glorank data convert ml-100k --src ../shared/datasets/ml-100k --out /tmp/ml-100k --k-core 0 --force
  $ glorank data convert amazon-2014 --src ~/data/reviews_Books_5.json.gz --out datasets/out/books --retriever popularity
  $ glorank data convert sequences --src ../shared/datasets/amazon-beauty-sequences/user_sequence.txt --out /tmp/beauty
  $ glorank data convert ml-100k --src ../shared/datasets/ml-100k --out /tmp/ml-100k-old --candidates-mode top-retriever --retriever bpr
  $ glorank data convert csv --src clicks.tsv --user-col session --item-col product --time-col ts --time-unit ms --out /tmp/clicks`,
    )
    .action(async (format: string, flags: ConvertFlags) => {
      if (!isSourceFormat(format)) {
        throw new UserError(`unknown format '${format}' (expected one of ${SOURCE_FORMATS.join(', ')})`, {
          field: 'format',
        });
      }
      // Temporaries a killed convert left beside --out go now, on the next start (issue 17).
      await removeStaleTemps(path.dirname(path.resolve(flags.out)));
      const protocol: Partial<ProtocolParams> = {};
      const set = <K extends keyof ProtocolParams>(key: K, v: ProtocolParams[K] | undefined): void => {
        if (v !== undefined) protocol[key] = v;
      };
      set('kCore', flags.kCore);
      set('historyLength', flags.history);
      set('slateSize', flags.slateSize);
      set('candidates', flags.candidates);
      set('ratingThreshold', flags.ratingThreshold);
      set('coldStartQuantile', flags.coldQuantile);
      set('minHistory', flags.minHistory);
      set('retriever', flags.retriever);
      set('candidatesMode', flags.candidatesMode);
      set('trainStride', flags.trainStride);
      set('coldStartBy', flags.coldBy);
      set('coldStartShare', flags.coldShare);
      set('bprEpochs', flags.bprEpochs);
      set('bprDim', flags.bprDim);
      set('seed', flags.seed);
      const source: SourceOptions = {
        skipBadLines: flags.skipBadLines ?? false,
        header: flags.header,
        timeUnit: flags.timeUnit ?? 's',
        ...(flags.encoding ? { encoding: flags.encoding } : {}),
        ...(flags.meta ? { meta: flags.meta } : {}),
        ...(flags.delimiter ? { delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter } : {}),
      };
      if (format === 'csv') {
        if (!flags.userCol || !flags.itemCol) {
          throw new UserError('csv needs --user-col and --item-col', { field: '--user-col' });
        }
        source.columns = {
          user: flags.userCol,
          item: flags.itemCol,
          ...(flags.ratingCol ? { rating: flags.ratingCol } : {}),
          ...(flags.timeCol ? { time: flags.timeCol } : {}),
        };
      }
      // One bar per stage (read, k-core, bpr, requests, write), quiet with --json.
      const progress = stageProgress(Boolean(flags.json), (stage) => (stage === 'read' ? 'lines' : 'steps'));
      let manifest: DatasetManifest;
      try {
        manifest = await convertDataset({
          ...source,
          format,
          src: flags.src,
          out: flags.out,
          protocol,
          force: flags.force ?? false,
          ...(flags.name ? { name: flags.name } : {}),
          onProgress: progress.onProgress,
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(manifest, null, 2)}\n`
          : `${manifestLines(manifest, flags.out).join('\n')}\n`,
      );
    });
}

function registerDownload(data: Command): void {
  data
    .command('download')
    .description('download a benchmark from the registry (datasets/registry.json), checksum-verified')
    .argument('[benchmark]', 'registry name, e.g. ml-1m (see --list)')
    .option('--out <dir>', 'folder to download into (atomically)')
    .option('--registry <file>', 'registry file (default datasets/registry.json)')
    .option('--list', 'list the registry')
    .option('--force', 'replace an existing --out folder')
    .option('--allow-unverified', 'accept files the registry pins no checksum for')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The datasets' terms forbid redistribution: glorank downloads them from their publishers and
never ships them. Each file is verified against the registry's sha256/md5 while it streams.

Examples:
  $ glorank data download --list
  $ glorank data download ml-1m --out datasets/raw/ml-1m
  $ glorank data convert ml-1m --src datasets/raw/ml-1m/ml-1m --out datasets/out/ml-1m`,
    )
    .action(
      async (
        benchmark: string | undefined,
        flags: {
          out?: string;
          registry?: string;
          list?: boolean;
          force?: boolean;
          allowUnverified?: boolean;
          json?: boolean;
        },
      ) => {
        if (flags.list || !benchmark) {
          const reg = await loadRegistry(flags.registry);
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(reg.benchmarks, null, 2)}\n`);
            return;
          }
          const lines = Object.entries(reg.benchmarks).map(([name, e]) => {
            const pinned = e.files.every((f) => f.sha256 || f.md5) ? 'verified' : 'unpinned';
            return `${name.padEnd(22)} ${e.format.padEnd(14)} ${pinned.padEnd(9)} ${e.description}`;
          });
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        if (!flags.out) throw new UserError('--out <dir> is required to download', { field: '--out' });
        const bars = new Map<string, Progress>();
        const result = await downloadBenchmark(benchmark, flags.out, {
          ...(flags.registry ? { registry: flags.registry } : {}),
          force: flags.force ?? false,
          allowUnverified: flags.allowUnverified ?? false,
          onProgress: (file, bytes, total) => {
            let bar = bars.get(file);
            if (!bar) {
              bar = createProgress({
                label: file,
                total: Math.max(total, 1),
                unit: 'B',
                quiet: Boolean(flags.json),
              });
              bars.set(file, bar);
            }
            bar.update(bytes);
          },
        });
        for (const bar of bars.values()) bar.stop();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const lines = [
          `downloaded ${benchmark} into ${result.dir}`,
          ...result.files.map(
            (f) =>
              `  ${f.name}  ${f.bytes} bytes  sha256 ${f.sha256}  ${f.verified.length ? `verified (${f.verified.join(', ')})` : 'UNVERIFIED'}`,
          ),
          `convert with: glorank data convert ${result.entry.format} --src ${result.convertSrc} --out <dir>`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}

function registerSynth(data: Command): void {
  data
    .command('synth')
    .description('generate the synthetic benchmark (with its true click model) as a dataset folder')
    .requiredOption('--out <dir>', 'dataset folder to write')
    .option('--users <n>', 'users (default 600)', parseIntOption('--users', 1))
    .option('--items <n>', 'items (default 1000)', parseIntOption('--items', 1))
    .option('--seed <n>', 'random seed (default 0)', parseIntOption('--seed', 0))
    .option('--topics <n>', 'latent topics (default 12)', parseIntOption('--topics', 2))
    .option('--candidates <n>', 'candidates per request (default 50)', parseIntOption('--candidates', 1))
    .option('--slate-size <n>', 'slate length (default 6)', parseIntOption('--slate-size', 1))
    .option(
      '--requests-per-user <n>',
      'logged requests per user (default 8)',
      parseIntOption('--requests-per-user', 3),
    )
    .option(
      '--initial-noise <x>',
      'noise of the logged initial ranker (default 1.5)',
      parseFloatOption('--initial-noise', 0),
    )
    .option(
      '--exposure-temperature <x>',
      'temperature of the Plackett-Luce logging policy over initial scores; 0 = show the initial top L (default 1.0)',
      parseFloatOption('--exposure-temperature', 0),
    )
    .option('--force', 'replace an existing --out folder')
    .option('--json', 'print the manifest as JSON')
    .addHelpText(
      'after',
      `
Writes the usual Arrow layout plus click_model.json: position bias x user-item relevance x
intra-list effects (redundant neighbours lower clicks, complementary ones raise them), so
evaluation can compute the exact expected reward of any slate.

Examples:
  $ glorank data synth --out datasets/out/synthetic
  $ glorank data synth --out /tmp/tiny --users 100 --items 300 --seed 7 --force
  $ glorank data synth --out /tmp/det --exposure-temperature 0 --force   # deterministic top-L logs`,
    )
    .action(async (flags: SynthFlags) => {
      let syn: ReturnType<typeof generateSynthetic>;
      try {
        // Only the flags given: an absent one keeps generateSynthetic's default.
        syn = generateSynthetic(
          Object.fromEntries(SYNTH_OPTIONS.filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]])),
        );
      } catch (err) {
        // Impossible size combinations are the user's flags, not a bug.
        if (err instanceof RangeError) throw new UserError(err.message.replace(/^generateSynthetic: /, ''));
        throw err;
      }
      const manifest = await writeDataset(flags.out, syn, { force: flags.force ?? false });
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(manifest, null, 2)}\n`
          : `${manifestLines(manifest, flags.out).join('\n')}\n`,
      );
    });
}

function fmt(x: number, digits = 3): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function registerInspect(data: Command): void {
  data
    .command('inspect')
    .description('summarise a dataset folder: counts, labels, cold-start, list lengths, leak audit')
    .argument('<dir>', 'dataset folder')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ glorank data inspect datasets/out/ml-1m\n  $ glorank data inspect /tmp/syn --json | jq .labelRate',
    )
    .action(async (dir: string, flags: { json?: boolean }) => {
      const s = await inspectDataset(dir);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      const p = s.protocol;
      const lines = [
        `${s.name}  (${s.sourceFormat}, content ${s.contentHash.slice(0, 12)})`,
        `users ${s.counts.users}  items ${s.counts.items}  interactions ${s.counts.interactions}`,
        `requests ${s.counts.requests}  train ${s.requestsBySplit.train}  valid ${s.requestsBySplit.valid}  test ${s.requestsBySplit.test}`,
        `positives/request ${fmt(s.positivesPerRequest)}  label rate ${fmt(s.labelRate, 4)}  requests without positives ${s.requestsWithoutPositives}`,
        `cold-start items ${s.coldStartItems}  cold-start test requests ${s.coldStartTestRequests}`,
        `candidates/request min ${s.candidateLength.min} mean ${fmt(s.candidateLength.mean, 1)} max ${s.candidateLength.max}`,
        `history/request    min ${s.historyLength.min} mean ${fmt(s.historyLength.mean, 1)} max ${s.historyLength.max}`,
        `protocol: k-core ${p.kCore}, history ${p.historyLength}, slate ${p.slateSize}, candidates ${p.candidates} (${p.candidatesMode ?? 'top-retriever'}), rating >= ${p.ratingThreshold}, cold ${p.coldStartBy === 'random' || p.coldStartBy === 'first-appearance' ? `${p.coldStartBy} share ${p.coldStartShare}` : `quantile ${p.coldStartQuantile}`}, retriever ${p.retriever}, train stride ${p.trainStride ?? p.slateSize}, seed ${p.seed}`,
        ...(s.hasClickModel ? ['true click model: click_model.json (synthetic benchmark)'] : []),
        ...formatLeakAudit(s.leakAudit),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('convert, download, generate and inspect datasets')
    .addHelpText(
      'after',
      `
Examples:
  $ glorank data synth --out datasets/out/synthetic
  $ glorank data download ml-1m --out datasets/raw/ml-1m
  $ glorank data convert ml-1m --src datasets/raw/ml-1m/ml-1m --out datasets/out/ml-1m
  $ glorank data inspect datasets/out/ml-1m`,
    );
  registerConvert(data);
  registerDownload(data);
  registerSynth(data);
  registerInspect(data);
}
