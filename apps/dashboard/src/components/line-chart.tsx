'use client';
// A metric chart on uPlot (canvas, stays smooth with many points): one or more lines, each
// drawn faint as logged and solid when smoothed, x by step / wall time / relative time, and
// an optional log-scale y axis. Data updates reuse the chart; option changes rebuild it.
import 'uplot/dist/uPlot.min.css';
import { useEffect, useMemo, useRef } from 'react';
// uPlot comes with the page's own script (it is safe to import on the server; it touches the
// DOM only when a chart is made): loaded on demand it was a further round trip after the data,
// the last step before a run page's first curve.
import UPlot from 'uplot';
import { chartColumns, type SeriesPoints, type XMode } from '@/lib/chart-data';
import { canvasToPngBlob, downloadBlob, downloadText, fileSafe } from '@/lib/chart-export';
import { formatNumber, formatSeconds } from '@/lib/format-values';
import { uplotToSvg } from '@/lib/uplot-svg';
import { colorAt, withAlpha } from './palette';

export interface ChartLine extends SeriesPoints {
  label: string;
  color?: string;
  /**
   * Edge of an interval band around the line just before ('hi' then 'lo', right after the
   * mean line): drawn thin and filled between, never smoothed.
   */
  band?: 'hi' | 'lo';
}

export interface LineChartProps {
  title: string;
  lines: readonly ChartLine[];
  xMode: XMode;
  /** EMA weight in [0, 1). */
  smoothing: number;
  logY: boolean;
  height?: number;
  testId?: string;
  /** Show "last <value> @ step <n>" in the caption (single-line charts; default true). */
  showLast?: boolean;
}

/** Curves shorter than this are drawn as logged: an EMA through a few points misleads. */
export const MIN_SMOOTHED_POINTS = 10;

export function LineChart({
  title,
  lines,
  xMode,
  smoothing: requested,
  logY,
  height = 220,
  testId,
  showLast = true,
}: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<UPlot | null>(null);
  const tooShort = requested > 0 && lines.some((l) => l.steps.length < MIN_SMOOTHED_POINTS);
  const smoothing = tooShort ? 0 : requested;
  const shape = useRef('');
  const columns = useMemo(
    () => chartColumns(lines, { mode: xMode, smoothing, logY }),
    [lines, xMode, smoothing, logY],
  );
  const labels = lines.map((l) => l.label).join('\u0000');
  const colors = lines.map((l, i) => l.color ?? colorAt(i)).join(',');

  useEffect(() => {
    const data = [columns.x, ...columns.lines.flat()] as UPlot.AlignedData;
    const sparse = lines.map((l) => l.steps.length < 40).join(',');
    const key = `${labels}|${colors}|${xMode}|${logY}|${smoothing > 0}|${height}|${sparse}`;
    if (chart.current && shape.current === key) {
      chart.current.setData(data);
      return;
    }
    if (!box.current) return;
    chart.current?.destroy();
    const smoothed = smoothing > 0;
    const colorList = colors.split(',');
    const series: UPlot.Series[] = [{}];
    const bands: UPlot.Band[] = [];
    lines.forEach((l, i) => {
      const c = colorList[i]!;
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
      // Sparse curves (an eval every few epochs) get dots so single points stay visible.
      const sparse = l.steps.length < 40;
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
    const opts: UPlot.Options = {
      width: box.current.clientWidth || 600,
      height,
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
    chart.current = new UPlot(opts, data, box.current);
    shape.current = key;
  }, [columns, labels, colors, xMode, logY, smoothing, height, lines]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const obs = new ResizeObserver(() => {
      if (chart.current && el.clientWidth > 0) chart.current.setSize({ width: el.clientWidth, height });
    });
    obs.observe(el);
    return () => {
      obs.disconnect();
      chart.current?.destroy();
      chart.current = null;
      shape.current = '';
    };
  }, [height]);

  const last = lines.map((l) => {
    const i = l.values.length - 1;
    return i >= 0 ? { step: l.steps[i]!, value: l.values[i] ?? null } : null;
  });
  const points = lines.reduce((n, l) => n + l.steps.length, 0);
  return (
    <figure className="chart" data-testid={testId} data-points={points}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {showLast && lines.length === 1 && last[0] ? (
          <span className="chart-last" data-testid={testId ? `${testId}-last` : undefined}>
            last {formatNumber(last[0].value)} @ step {last[0].step}
          </span>
        ) : null}
        {tooShort ? (
          <span className="muted chart-note" data-testid={testId ? `${testId}-unsmoothed` : undefined}>
            not smoothed: fewer than {MIN_SMOOTHED_POINTS} points
          </span>
        ) : null}
        <button
          type="button"
          className="link chart-save"
          onClick={() => {
            if (chart.current)
              downloadText(uplotToSvg(chart.current, title), `${fileSafe(title)}.svg`, 'image/svg+xml');
          }}
        >
          SVG
        </button>
        <button
          type="button"
          className="link chart-save"
          onClick={() => {
            const canvas = box.current?.querySelector('canvas');
            if (canvas) void canvasToPngBlob(canvas).then((b) => downloadBlob(b, `${fileSafe(title)}.png`));
          }}
        >
          PNG
        </button>
      </figcaption>
      <div ref={box} className="chart-canvas" style={{ minHeight: height }} />
    </figure>
  );
}

export interface ChartSettings {
  smoothing: number;
  xMode: XMode;
  logY: boolean;
}

export function ChartControls({
  value,
  onChange,
}: {
  value: ChartSettings;
  onChange: (v: ChartSettings) => void;
}) {
  return (
    <div className="chart-controls">
      <label>
        Smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={value.smoothing}
          aria-label="smoothing"
          onChange={(e) => onChange({ ...value, smoothing: Number(e.target.value) })}
        />{' '}
        <span className="mono">{value.smoothing.toFixed(2)}</span>
      </label>
      <label>
        X axis{' '}
        <select
          value={value.xMode}
          aria-label="x axis"
          onChange={(e) => onChange({ ...value, xMode: e.target.value as XMode })}
        >
          <option value="step">step</option>
          <option value="relative">relative time</option>
          <option value="time">wall time</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={value.logY}
          aria-label="log scale"
          onChange={(e) => onChange({ ...value, logY: e.target.checked })}
        />{' '}
        log scale
      </label>
    </div>
  );
}
