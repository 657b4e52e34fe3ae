// The uPlot set-up of a metric chart, in one place for the two code paths that draw one: the
// LineChart component (after React has started) and the run page's first-paint script
// (src/first-paint/charts.ts, which draws a run's curves from the page's HTML before React's
// scripts have loaded). Both build the same chart from the same lines and settings, so the
// component can take over the first-paint chart as it is.
import type UPlot from 'uplot';
import { colorAt, withAlpha } from '../components/palette';
import { chartColumns, type SeriesPoints, type XMode } from './chart-data';
import { formatNumber, formatSeconds } from './format-values';

export interface ChartLine extends SeriesPoints {
  label: string;
  color?: string;
  /**
   * Edge of an interval band around the line just before ('hi' then 'lo', right after the
   * mean line): drawn thin and filled between, never smoothed.
   */
  band?: 'hi' | 'lo';
}

export interface ChartSettings {
  /** EMA weight in [0, 1). */
  smoothing: number;
  xMode: XMode;
  logY: boolean;
}

/** Curves shorter than this are drawn as logged: an EMA through a few points misleads. */
export const MIN_SMOOTHED_POINTS = 10;

/** Lines with fewer points than this get dots, so single points of a sparse curve stay visible. */
const SPARSE_POINTS = 40;

/** The smoothing a chart of these lines really uses: none when any line is too short for it. */
export function effectiveSmoothing(lines: readonly ChartLine[], requested: number): number {
  return requested > 0 && lines.some((l) => l.steps.length < MIN_SMOOTHED_POINTS) ? 0 : requested;
}

/** What a chart is drawn from: its uPlot data, and a key that changes only when its options must. */
export interface ChartPlan {
  data: UPlot.AlignedData;
  /** Equal keys: same series, axes and scales, so new data can go in with setData. */
  key: string;
}

export function chartPlan(lines: readonly ChartLine[], settings: ChartSettings, height: number): ChartPlan {
  const smoothing = effectiveSmoothing(lines, settings.smoothing);
  const columns = chartColumns(lines, { mode: settings.xMode, smoothing, logY: settings.logY });
  const labels = lines.map((l) => l.label).join('\u0000');
  const colors = lines.map((l, i) => l.color ?? colorAt(i)).join(',');
  const sparse = lines.map((l) => l.steps.length < SPARSE_POINTS).join(',');
  return {
    data: [columns.x, ...columns.lines.flat()] as UPlot.AlignedData,
    key: `${labels}|${colors}|${settings.xMode}|${settings.logY}|${smoothing > 0}|${height}|${sparse}`,
  };
}

/** uPlot options for these lines: each line raw (faint when smoothed) and smoothed; bands filled. */
export function chartOptions(
  lines: readonly ChartLine[],
  settings: ChartSettings,
  size: { width: number; height: number },
): UPlot.Options {
  const smoothed = effectiveSmoothing(lines, settings.smoothing) > 0;
  const series: UPlot.Series[] = [{}];
  const bands: UPlot.Band[] = [];
  lines.forEach((l, i) => {
    const c = l.color ?? colorAt(i);
    if (l.band) {
      series.push({
        label: l.label,
        stroke: withAlpha(c, 0.35),
        width: 1,
        spanGaps: true,
        points: { show: false },
      });
      series.push({ label: `${l.label} (smoothed)`, show: false, points: { show: false } });
      // Fill from the 'hi' edge (two series back) down to this 'lo' edge.
      if (l.band === 'lo')
        bands.push({ series: [series.length - 4, series.length - 2], fill: withAlpha(c, 0.15) });
      return;
    }
    const sparse = l.steps.length < SPARSE_POINTS;
    series.push({
      label: smoothed ? `${l.label} (raw)` : l.label,
      stroke: smoothed ? withAlpha(c, 0.25) : c,
      width: 1,
      spanGaps: true,
      points: { show: sparse, size: 5, fill: smoothed ? withAlpha(c, 0.25) : c },
    });
    series.push({
      label: l.label,
      stroke: c,
      width: 1.75,
      spanGaps: true,
      show: smoothed,
      points: { show: false },
    });
  });
  const { xMode, logY } = settings;
  return {
    width: size.width,
    height: size.height,
    series,
    bands,
    // The pages show their own colour key and last values; uPlot's legend would repeat them.
    legend: { show: false },
    cursor: { drag: { x: true, y: false } },
    scales: {
      x: { time: xMode === 'time' },
      y: logY ? { distr: 3, log: 10 } : {},
    },
    axes: [
      {
        values:
          xMode === 'relative'
            ? (_u, splits) => splits.map((s) => (s === null ? '' : formatSeconds(s)))
            : xMode === 'step'
              ? (_u, splits) => splits.map((s) => (s === null ? '' : formatNumber(s, 6)))
              : undefined,
      },
      // uPlot passes null for log-scale minor ticks it leaves unlabelled.
      { size: 60, values: (_u, splits) => splits.map((s) => (s === null ? '' : formatNumber(s, 3))) },
    ],
  };
}

/**
 * What the server puts in a run page for its first-paint script: the charts in page order,
 * each with its lines (steps and values; times only matter for the time axes, which the
 * first paint never uses) and the settings they are drawn with.
 */
export interface FirstCharts {
  settings: ChartSettings;
  height: number;
  charts: { testId: string; lines: ChartLine[] }[];
}

/** Id of the page's `<script type="application/json">` holding its FirstCharts. */
export const FIRST_CHARTS_ID = 'glorank-first-charts';

/**
 * A run page's curves as its first-paint script needs them: FirstCharts as JSON that is safe
 * inside a script element, or null when there is nothing to draw. Only the keys that are
 * charted as curves (more than one point), in page order, each as chart `chart-<key>`; steps
 * and values only (the page opens on the step axis).
 */
export function firstChartsJson(
  keys: readonly string[],
  series: ReadonlyMap<string, SeriesPoints> | null,
  settings: ChartSettings,
  height: number,
): string | null {
  if (series === null) return null;
  const charts: FirstCharts['charts'] = [];
  for (const k of keys) {
    const s = series.get(k);
    if (s && s.steps.length > 1)
      charts.push({
        testId: `chart-${k}`,
        lines: [{ label: k, steps: s.steps, values: s.values, times: [] }],
      });
  }
  if (charts.length === 0) return null;
  return JSON.stringify({ settings, height, charts } satisfies FirstCharts).replace(/</g, '\\u003c');
}

/** Where the first-paint script leaves each chart it drew, for LineChart to take over. */
const FIRST_CHARTS_GLOBAL = '__glorankFirstCharts';

export interface DrawnFirstChart {
  chart: UPlot;
  key: string;
}

/** The page's charts drawn by the first-paint script, by chart box (one map per page). */
export function drawnFirstCharts(): WeakMap<HTMLElement, DrawnFirstChart> {
  const global = globalThis as unknown as Record<string, WeakMap<HTMLElement, DrawnFirstChart> | undefined>;
  global[FIRST_CHARTS_GLOBAL] ??= new WeakMap();
  return global[FIRST_CHARTS_GLOBAL];
}

/** The chart the first-paint script drew into `box`, handed over once (null if none). */
export function takeFirstChart(box: HTMLElement): DrawnFirstChart | null {
  const drawn = drawnFirstCharts();
  const got = drawn.get(box) ?? null;
  if (got) drawn.delete(box);
  return got;
}
