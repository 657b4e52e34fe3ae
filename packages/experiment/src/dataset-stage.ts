// The experiment's dataset stage: generate the synthetic benchmark, convert raw benchmark
// files, or take an existing folder; and publishing the dataset (and its codes) into the
// datasets folder the dashboard reads.
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  buildDirAtomic,
  convertDataset,
  type DatasetManifest,
  generateSynthetic,
  INTERACTION_COLUMNS,
  ITEM_COLUMNS,
  isSourceFormat,
  REQUEST_COLUMNS,
  readManifest,
  SOURCE_FORMATS,
  type SourceOptions,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
  USER_COLUMNS,
  UserError,
  writeDataset,
  writeFileAtomic,
} from '@glorank/data';
import { TOKENIZER_FILES } from '@glorank/model';
import type { DatasetConfig } from './config.js';
import { contentHash, type StageRecord } from './stage-store.js';

/** runExperiment's stage runner (StageStore.run plus progress events). */
export type StageRunner = <S>(spec: {
  kind: string;
  label: string;
  config: unknown;
  inputs: Record<string, string>;
  run(dir: string): Promise<S>;
}) => Promise<StageRecord<S>>;

const SYNTHETIC_KEYS = new Set(Object.keys(SYNTHETIC_DEFAULTS).concat(['name']));

function syntheticOptions(d: Extract<DatasetConfig, { source: 'synthetic' }>): SyntheticOptions {
  const out: Record<string, unknown> = {};
  const clickModel: Record<string, number> = {};
  for (const [key, value] of Object.entries(d.options)) {
    if (key.startsWith('clickModel.')) {
      const sub = key.slice('clickModel.'.length);
      if (!(sub in SYNTHETIC_DEFAULTS.clickModel) || typeof value !== 'number') {
        throw new UserError(
          `expected a number for one of clickModel.${Object.keys(SYNTHETIC_DEFAULTS.clickModel).join(', clickModel.')}`,
          { field: `dataset.options.${key}` },
        );
      }
      clickModel[sub] = value;
      continue;
    }
    if (!SYNTHETIC_KEYS.has(key) || key === 'clickModel') {
      throw new UserError(
        `unknown synthetic option; expected one of ${[...SYNTHETIC_KEYS].filter((k) => k !== 'clickModel').join(', ')} or clickModel.<name>`,
        { field: `dataset.options.${key}` },
      );
    }
    const def = (SYNTHETIC_DEFAULTS as Record<string, unknown>)[key];
    if (def !== undefined && typeof def !== typeof value) {
      throw new UserError(`expected a ${typeof def}, got ${JSON.stringify(value)}`, {
        field: `dataset.options.${key}`,
      });
    }
    out[key] = value;
  }
  return {
    ...out,
    name: d.name,
    ...(Object.keys(clickModel).length > 0 ? { clickModel } : {}),
  } as SyntheticOptions;
}

/**
 * What a dataset stage's output depends on besides its config: the Arrow layout of the
 * dataset files (a new or changed column means re-converting), and for synthetic data the
 * generator's defaults (a new option or constant changes the data).
 */
function datasetCodeFingerprint(source: 'synthetic' | 'convert'): string {
  const layout = [ITEM_COLUMNS, USER_COLUMNS, INTERACTION_COLUMNS, REQUEST_COLUMNS].map((cols) =>
    cols.map((c) => `${c.name}:${String(c.type)}:${c.nullable}`),
  );
  return contentHash(source === 'synthetic' ? { layout, defaults: SYNTHETIC_DEFAULTS } : { layout });
}

export async function datasetStage(
  d: DatasetConfig,
  options: { configDir: string; dataRoot: string },
  runStage: StageRunner,
): Promise<{ datasetDir: string; manifest: DatasetManifest }> {
  if (d.source === 'folder') {
    const datasetDir = path.resolve(options.configDir, d.path);
    return { datasetDir, manifest: await readManifest(datasetDir) };
  }
  if (d.source === 'synthetic') {
    const synthetic = syntheticOptions(d);
    const rec = await runStage<{ contentHash: string }>({
      kind: 'dataset',
      label: d.name,
      config: { source: 'synthetic', options: synthetic },
      inputs: { code: datasetCodeFingerprint('synthetic') },
      run: async (tmp) => {
        const generated = generateSynthetic(synthetic);
        const written = await writeDataset(path.join(tmp, 'dataset'), generated);
        return { contentHash: written.contentHash };
      },
    });
    const datasetDir = path.join(rec.dir, 'dataset');
    return { datasetDir, manifest: await readManifest(datasetDir) };
  }
  if (!isSourceFormat(d.format)) {
    throw new UserError(`unknown format '${d.format}'; expected one of ${SOURCE_FORMATS.join(', ')}`, {
      field: 'dataset.format',
    });
  }
  const format = d.format;
  const src = path.isAbsolute(d.src) ? d.src : path.resolve(options.dataRoot, d.src);
  if (!existsSync(src)) {
    throw new UserError(
      `the raw files of '${d.name}' are not at ${src}. ${d.missingHint ?? ''} ` +
        'Point --data-root (or GLORANK_REAL_DATA) at the folder that holds them.',
      { field: 'dataset.src' },
    );
  }
  const sourceOptions = converterOptions(d.options);
  const rec = await runStage<{ contentHash: string }>({
    kind: 'dataset',
    label: d.name,
    // The raw files enter the hash by name, size and modification time (hashing gigabytes of
    // Amazon reviews on every run would cost more than the conversion check saves).
    config: { source: 'convert', format, name: d.name, protocol: d.protocol, options: d.options },
    inputs: { src: await fingerprint(src), code: datasetCodeFingerprint('convert') },
    run: async (tmp) => {
      const written = await convertDataset({
        ...sourceOptions,
        format,
        src,
        out: path.join(tmp, 'dataset'),
        name: d.name,
        protocol: d.protocol,
      });
      return { contentHash: written.contentHash };
    },
  });
  const datasetDir = path.join(rec.dir, 'dataset');
  return { datasetDir, manifest: await readManifest(datasetDir) };
}

/** Flat converter options of the config ("columns.user": "userId" ...) as SourceOptions. */
function converterOptions(raw: Record<string, string | number | boolean>): SourceOptions {
  const out: Record<string, unknown> = {};
  const columns: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('columns.')) columns[key.slice('columns.'.length)] = String(value);
    else out[key] = value;
  }
  if (Object.keys(columns).length > 0) out['columns'] = columns;
  return out as SourceOptions;
}

/** sha256 over the relative path, size and mtime of every file under `src`. */
async function fingerprint(src: string): Promise<string> {
  const entries: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await stat(p);
    if (st.isDirectory()) {
      for (const name of (await readdir(p)).sort()) await walk(path.join(p, name));
    } else {
      entries.push(`${path.relative(src, p)}\0${st.size}\0${Math.round(st.mtimeMs)}`);
    }
  };
  await walk(src);
  return contentHash(entries);
}

/** Copy the dataset into the dashboard's datasets folder (unless an equal copy is there). */
export async function publishDataset(
  src: string,
  manifest: DatasetManifest,
  datasetsDir: string,
): Promise<string> {
  const candidates = [manifest.name, `${manifest.name}-${manifest.contentHash.slice(0, 12)}`];
  for (const name of candidates) {
    const target = path.join(datasetsDir, name);
    if (path.resolve(target) === path.resolve(src)) return target;
    if (existsSync(path.join(target, 'manifest.json'))) {
      const there = await readManifest(target).catch(() => null);
      if (there?.contentHash === manifest.contentHash) return target;
      continue;
    }
    await buildDirAtomic(target, (tmp) => cp(src, tmp, { recursive: true }), { force: true });
    return target;
  }
  return src;
}

/** Put the codes beside the published dataset (the dashboard's token explorer reads them there). */
export async function publishCodes(codesDir: string, publishedDir: string): Promise<void> {
  if (existsSync(path.join(publishedDir, TOKENIZER_FILES.codes))) return;
  // Codes last: a reader that sees codes.arrow also sees its codebooks and report.
  for (const f of [TOKENIZER_FILES.codebooks, TOKENIZER_FILES.report, TOKENIZER_FILES.codes]) {
    if (existsSync(path.join(codesDir, f))) {
      await writeFileAtomic(path.join(publishedDir, f), await readFile(path.join(codesDir, f)));
    }
  }
}
