'use client';
// Parallel coordinates for sweeps: one vertical axis per param and a last one for the chosen
// metric, each run a line across them coloured by its metric value, so which settings lead to
// good runs shows at a glance. Numeric params get a linear axis, others one tick per value.
// SVG, so it saves as a figure.
import { useRef } from 'react';
import { fileSafe } from '@/lib/chart-export';
import { formatNumber } from '@/lib/format-values';
import { SvgSaveLinks } from './svg-save-links';

export interface PcRun {
  id: number;
  name: string;
  params: Record<string, string | null>;
  value: number | null;
}

interface Axis {
  key: string;
  label: string;
  /** Position in [0, 1] (0 at the bottom) of a run on this axis; null when the run lacks it. */
  pos: (r: PcRun) => number | null;
  ticks: { at: number; label: string }[];
}

function numericAxis(key: string, label: string, get: (r: PcRun) => number | null, runs: PcRun[]): Axis {
  const vs = runs.map(get).filter((v): v is number => v !== null);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const span = hi - lo || 1;
  const pos = (r: PcRun) => {
    const v = get(r);
    return v === null ? null : hi === lo ? 0.5 : (v - lo) / span;
  };
  const ticks =
    vs.length === 0
      ? []
      : hi === lo
        ? [{ at: 0.5, label: formatNumber(lo, 3) }]
        : [0, 0.5, 1].map((t) => ({ at: t, label: formatNumber(lo + t * span, 3) }));
  return { key, label, pos, ticks };
}

function buildAxes(runs: PcRun[], params: string[], metric: string): Axis[] {
  const axes = params.map((k): Axis => {
    const raw = runs.map((r) => r.params[k] ?? null).filter((v): v is string => v !== null);
    const numeric = raw.length > 0 && raw.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    if (numeric) {
      return numericAxis(k, k, (r) => (r.params[k] == null ? null : Number(r.params[k])), runs);
    }
    const cats = [...new Set(raw)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const at = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
    return {
      key: k,
      label: k,
      pos: (r) => {
        const v = r.params[k];
        return v == null ? null : at(cats.indexOf(v));
      },
      ticks: cats.map((c, i) => ({ at: at(i), label: c })),
    };
  });
  axes.push(numericAxis(`metric:${metric}`, metric, (r) => r.value, runs));
  return axes;
}

/** Blue (low) to orange (high). */
function colour(t: number): string {
  const a = [31, 95, 191];
  const b = [234, 120, 30];
  const c = a.map((x, i) => Math.round(x + (b[i]! - x) * t));
  return `rgb(${c.join(',')})`;
}

export function ParallelCoordinates({
  runs,
  params,
  metric,
}: {
  runs: PcRun[];
  params: string[];
  metric: string;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const withValue = runs.filter((r) => r.value !== null);
  if (params.length === 0)
    return <p className="muted">Add param columns to the table to see them as axes.</p>;
  if (withValue.length === 0) return <p className="muted">None of these runs logged {metric}.</p>;
  const axes = buildAxes(withValue, params, metric);
  const W = Math.max(560, Math.min(1360, 170 * axes.length));
  const H = 320;
  const pad = { left: 60, right: 80, top: 28, bottom: 24 };
  const x = (i: number) => pad.left + ((W - pad.left - pad.right) * i) / Math.max(1, axes.length - 1);
  const y = (p: number) => pad.top + (1 - p) * (H - pad.top - pad.bottom);
  const metricAxis = axes[axes.length - 1]!;
  return (
    <figure className="interval-bars" data-testid="parallel-coordinates" data-runs={withValue.length}>
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-label={`params against ${metric}`}
      >
        <style>{'text{font-family:Helvetica,Arial,sans-serif;font-size:10px;fill:#1b1f24}'}</style>
        {withValue.map((r) => {
          const pts = axes.map((a, i) => {
            const p = a.pos(r);
            return p === null ? null : `${x(i).toFixed(1)},${y(p).toFixed(1)}`;
          });
          const t = metricAxis.pos(r) ?? 0.5;
          return (
            <polyline
              key={r.id}
              data-run={r.id}
              points={pts.filter((p) => p !== null).join(' ')}
              fill="none"
              stroke={colour(t)}
              strokeOpacity={0.7}
              strokeWidth={1.5}
            >
              <title>{`#${r.id} ${r.name}: ${metric} ${formatNumber(r.value)}`}</title>
            </polyline>
          );
        })}
        {axes.map((a, i) => (
          <g key={a.key} data-axis={a.label}>
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#667085" />
            <text x={x(i)} y={14} textAnchor="middle" style={{ fontWeight: 600 }}>
              {a.label}
            </text>
            {a.ticks.map((t) => (
              <text key={`${t.at}-${t.label}`} x={x(i) + 4} y={y(t.at) + 3}>
                {t.label}
              </text>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        {withValue.length} runs; colour: {metric} (blue low, orange high).{' '}
        <SvgSaveLinks svg={svg} name={`parallel-${fileSafe(metric)}`} />
      </figcaption>
    </figure>
  );
}
