// What `glorank data inspect` reports about a dataset folder: counts, label statistics,
// cold-start items and requests, and list lengths, computed from the files (not the manifest).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type LeakAudit, leakAudit } from '../audit/leak-audit.js';
import { DATASET_FILES } from '../schema/arrow-schemas.js';
import type { DatasetManifest, Split } from '../schema/types.js';
import { readDataset } from './read-dataset.js';

export interface LengthStats {
  min: number;
  mean: number;
  max: number;
}

export interface DatasetSummary {
  dir: string;
  name: string;
  sourceFormat: string;
  contentHash: string;
  protocol: DatasetManifest['protocol'];
  counts: { users: number; items: number; interactions: number; requests: number };
  requestsBySplit: Record<Split, number>;
  /** Mean number of positive candidates per request. */
  positivesPerRequest: number;
  /** Share of candidate labels that are positive. */
  labelRate: number;
  /** Requests with no positive candidate (every metric skips them). */
  requestsWithoutPositives: number;
  coldStartItems: number;
  coldStartTestRequests: number;
  candidateLength: LengthStats;
  historyLength: LengthStats;
  /** Whether the folder carries the synthetic benchmark's true click model. */
  hasClickModel: boolean;
  /** Precision of rankers that learn nothing, per split, recomputed from the files. */
  leakAudit: LeakAudit;
}

function stats(values: number[]): LengthStats {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

export async function inspectDataset(dir: string): Promise<DatasetSummary> {
  const ds = await readDataset(dir);
  const bySplit: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  let positives = 0;
  let labels = 0;
  let none = 0;
  let coldTest = 0;
  const cand: number[] = [];
  const hist: number[] = [];
  for (const r of ds.requests) {
    bySplit[r.split]++;
    let p = 0;
    for (const l of r.labels) if (l > 0) p++;
    positives += p;
    labels += r.labels.length;
    if (p === 0) none++;
    if (r.split === 'test' && r.coldStart) coldTest++;
    cand.push(r.candidates.length);
    hist.push(r.history.length);
  }
  let coldItems = 0;
  for (const c of ds.items.cold) coldItems += c;
  const hasClickModel = await fs
    .stat(path.join(ds.dir, DATASET_FILES.clickModel))
    .then(() => true)
    .catch(() => false);
  return {
    dir: ds.dir,
    name: ds.manifest.name,
    sourceFormat: ds.manifest.sourceFormat,
    contentHash: ds.manifest.contentHash,
    protocol: ds.manifest.protocol,
    counts: {
      users: ds.users.count,
      items: ds.items.count,
      interactions: ds.interactions.count,
      requests: ds.requests.length,
    },
    requestsBySplit: bySplit,
    positivesPerRequest: ds.requests.length > 0 ? positives / ds.requests.length : 0,
    labelRate: labels > 0 ? positives / labels : 0,
    requestsWithoutPositives: none,
    coldStartItems: coldItems,
    coldStartTestRequests: coldTest,
    candidateLength: stats(cand),
    historyLength: stats(hist),
    hasClickModel,
    leakAudit: leakAudit(ds.requests, {
      slateSize: ds.manifest.protocol.slateSize,
      popularity: ds.items.popularity,
    }),
  };
}
