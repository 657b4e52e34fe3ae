// `glorank tokenize <datasetDir>`: semantic IDs for a converted dataset (residual k-means
// over fused content/collaborative item vectors, cold items through the content map),
// written beside it as codes.arrow, codebooks.arrow and tokenizer-report.json.
import path from 'node:path';
import type { DisambiguationMode, TokenizerReport, TokenizerSource } from '@glorank/model';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TOKENIZER_SOURCES } from '../support/help-constants.js';
import { parseIntOption } from '../support/options.js';
import { stageProgress } from '../support/progress.js';

interface TokenizeFlags {
  levels: number;
  codebook: number;
  seed: number;
  sources: TokenizerSource[];
  dims: number;
  contentDims: number;
  collaborativeDims: number;
  balanced?: boolean;
  disambiguate: DisambiguationMode;
  json?: boolean;
}

function parseSources(value: string): TokenizerSource[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new InvalidArgumentError('--sources needs at least one source.');
  for (const s of list) {
    if (!(TOKENIZER_SOURCES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError(
        `unknown source '${s}', expected a comma list of ${TOKENIZER_SOURCES.join(', ')}.`,
      );
    }
  }
  return list as TokenizerSource[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function reportLines(dir: string, r: TokenizerReport): string[] {
  const cold =
    r.items.cold === 0
      ? 'no cold items'
      : `${r.items.cold} cold coded by ${r.coldStart.method}` +
        (r.coldStart.validationR2 !== null ? ` (validation R^2 ${r.coldStart.validationR2.toFixed(3)})` : '');
  const c = r.collisions;
  return [
    `wrote codes.arrow, codebooks.arrow, tokenizer-report.json in ${dir}`,
    `  items ${r.items.total}: ${r.items.warm} warm (codebooks trained on them), ${cold}`,
    `  sources ${r.sources.join('+')}, ${r.dims.fused}-d fused vectors (${pct(r.fusedVarianceKept)} of variance), kernel ${r.distanceKernel}`,
    ...r.levels.map(
      (l) =>
        `  level ${l.level + 1}: ${l.usedCodes}/${l.codebookSize} codes used, perplexity ${l.perplexity.toFixed(1)}, ` +
        `relative error ${l.relativeError.toFixed(3)}, ${l.iterations} iterations`,
    ),
    `  collisions before disambiguation: ${pct(c.collisionRate)} of items (largest group ${c.largestGroup})` +
      (c.disambiguationLevel ? ', extra level added' : ''),
    `  final IDs: ${r.final.levels} levels [${r.final.codebookSizes.join(', ')}], ${r.uniqueIds ? 'unique' : 'NOT unique'}`,
    ...r.warnings.map((w) => `  warning: ${w}`),
  ];
}

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('turn items into semantic IDs (residual k-means codes) written beside the dataset')
    .argument('<datasetDir>', 'converted dataset folder (manifest.json + Arrow files)')
    .option('--levels <n>', 'residual levels', parseIntOption('--levels', 1, 16), 3)
    .option(
      '--codebook <n>',
      'codes per level (shrunk with a warning for few items)',
      parseIntOption('--codebook', 2, 32767),
      256,
    )
    .option('--seed <n>', 'random seed', parseIntOption('--seed', 0), 0)
    .option(
      '--sources <list>',
      `item vector sources, comma-separated: ${TOKENIZER_SOURCES.join(',')}`,
      parseSources,
      [...TOKENIZER_SOURCES],
    )
    .option(
      '--dims <n>',
      'dimensions of the fused vectors that are quantised',
      parseIntOption('--dims', 1, 1024),
      32,
    )
    .option(
      '--content-dims <n>',
      'PCA dimensions of the content features',
      parseIntOption('--content-dims', 1, 1024),
      64,
    )
    .option(
      '--collaborative-dims <n>',
      'SVD dimensions of the collaborative vectors',
      parseIntOption('--collaborative-dims', 1, 1024),
      64,
    )
    .option('--balanced', 'capacity-balanced k-means (every code at most ceil(n/k) items per level)')
    .addOption(
      new Option('--disambiguate <mode>', 'extra level for colliding items: when needed, or always')
        .choices(['auto', 'always'])
        .default('auto'),
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Outputs (beside the dataset): codes.arrow (item Int32, codes FixedSizeList<Int16>[levels]),
codebooks.arrow (level, code, items, centroid) and tokenizer-report.json (per-level used
codes, perplexity and quantisation error, collision rate, cold items coded).

Examples:
  $ glorank tokenize datasets/out/ml-1m
  $ glorank tokenize datasets/out/ml-1m --levels 3 --codebook 256 --seed 1
  $ glorank tokenize /tmp/ml-100k --sources content --dims 16 --json | jq .collisions`,
    )
    .action(async (datasetDir: string, flags: TokenizeFlags) => {
      const dir = path.resolve(datasetDir);
      const quiet = Boolean(flags.json);
      const progress = stageProgress(quiet, (stage) => (stage === 'quantise' ? 'levels' : 'steps'));
      // Loaded here, not at the top: @glorank/model brings in TensorFlow.js.
      const { tokenizeDatasetDir } = await import('@glorank/model');
      const result = await tokenizeDatasetDir(dir, {
        levels: flags.levels,
        codebookSize: flags.codebook,
        seed: flags.seed,
        sources: flags.sources,
        dims: flags.dims,
        contentDims: flags.contentDims,
        collaborativeDims: flags.collaborativeDims,
        balanced: Boolean(flags.balanced),
        disambiguation: flags.disambiguate,
        onProgress: progress.onProgress,
      });
      progress.stop();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${reportLines(dir, result.report).join('\n')}\n`);
    });
}
