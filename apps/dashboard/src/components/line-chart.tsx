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
import type { XMode } from '@/lib/chart-data';
import { canvasToPngBlob, downloadBlob, downloadText, fileSafe } from '@/lib/chart-export';
import {
  type ChartLine,
  type ChartSettings,
  chartOptions,
  chartPlan,
  effectiveSmoothing,
  MIN_SMOOTHED_POINTS,
  takeFirstChart,
} from '@/lib/chart-options';
import { formatNumber } from '@/lib/format-values';
import { uplotToSvg } from '@/lib/uplot-svg';

export type { ChartLine, ChartSettings };

const EMPTY = { __html: '' };

export { MIN_SMOOTHED_POINTS };

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
  const tooShort = effectiveSmoothing(lines, requested) !== requested;
  const shape = useRef('');
  const plan = useMemo(
    () => chartPlan(lines, { smoothing: requested, xMode, logY }, height),
    [lines, requested, xMode, logY, height],
  );

  useEffect(() => {
    if (!box.current) return;
    if (!chart.current) {
      // The run page's first-paint script may have drawn this chart already, from the same
      // lines and settings: take it over instead of drawing it again.
      const first = takeFirstChart(box.current);
      if (first) {
        chart.current = first.chart;
        shape.current = first.key;
      }
    }
    if (chart.current && shape.current === plan.key) {
      chart.current.setData(plan.data);
      return;
    }
    chart.current?.destroy();
    const opts = chartOptions(
      lines,
      { smoothing: requested, xMode, logY },
      {
        width: box.current.clientWidth || 600,
        height,
      },
    );
    chart.current = new UPlot(opts, plan.data, box.current);
    shape.current = plan.key;
  }, [plan, lines, requested, xMode, logY, height]);

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
      {/* Its content is uPlot's, never React's (an empty inner HTML keeps hydration out of it):
          on a run page the first-paint script may have drawn into it before React started. */}
      <div
        ref={box}
        className="chart-canvas"
        style={{ minHeight: height }}
        // biome-ignore lint/security/noDangerouslySetInnerHtml: always empty; keeps React out of uPlot's nodes.
        dangerouslySetInnerHTML={EMPTY}
        suppressHydrationWarning
      />
    </figure>
  );
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
