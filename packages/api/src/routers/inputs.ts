// zod inputs shared by several routers.
import { z } from 'zod';

export const runId = z.int().min(1, 'expected a run id (a positive integer)');
export const metricKey = z.string().min(1).max(200);
/** Points per curve on the wire: the dashboard never plots more than this per series. */
export const MAX_POINTS_PER_CURVE = 2000;
/** Runs one compare.get may overlay; the dashboard caps its compare links at this (read in the server). */
export const MAX_COMPARE_RUNS = 48;
export const maxPoints = z.int().min(4).max(MAX_POINTS_PER_CURVE).default(1000);
export const xAxis = z.enum(['step', 'time']).default('step');
export const datasetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a dataset folder name (letters, digits, ".", "_", "-")');
