// How an experiment records its runs: the caller passes a RunTracker (storeTracker over the
// tracking store, or none); each (method, seed) is one run with params the dashboard groups
// by and metric keys it tabulates. A port rather than the store itself, so the runner is
// tested without a database.

import { METRIC_KEYS, type MetricKey } from '@glorank/data';
import type { TrainLogger } from '@glorank/model';
import type { ArtifactKind } from '@glorank/tracking';
import type { MethodConfig } from './methods.js';

/** What the tracker is told about a run it should record (one per method and seed). */
export interface TrackedRunInfo {
  experiment: string;
  name: string;
  config: unknown;
  params: Record<string, string | number | boolean>;
  tags: string[];
  datasetHash: string;
  backend: string;
  /** Absent: not recorded (the run's code version is null). */
  codeVersion?: string;
  /**
   * Continue the latest run of this experiment with the same name and params, when there is
   * one (a resumed training), instead of starting a new run.
   */
  resume?: boolean;
}

export interface TrackedRun {
  /** The run's id in its store, when it has one (a queue job links to it). */
  id?: number;
  logger: TrainLogger;
  artifact(file: string, kind: ArtifactKind): Promise<void>;
  finish(): Promise<void>;
  fail(error: unknown): Promise<void>;
}

export type RunTracker = (info: TrackedRunInfo) => Promise<TrackedRun>;

/** A method's settings as flat run params (`sft.epochs` ...). */
export function flatParams(m: MethodConfig): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'method') continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v)) {
        if (typeof v2 === 'number' || typeof v2 === 'string' || typeof v2 === 'boolean')
          out[`${k}.${k2}`] = v2;
      }
    }
  }
  return out;
}

/** Metric keys as the dashboard tabulates them: `<subset>/precision@L` ... and `<subset>/reward`. */
export function metricPoints(
  prefix: string,
  metrics: Record<MetricKey, number>,
  cutoff: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of METRIC_KEYS) {
    const name = k === 'reward' ? k : `${k}@${cutoff}`;
    if (Number.isFinite(metrics[k])) out[`${prefix}/${name}`] = metrics[k];
  }
  return out;
}
