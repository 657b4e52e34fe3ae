'use client';
// One metric of a results table as bars with 95% interval whiskers, one bar per method, drawn
// as SVG so it saves as a vector figure (and as PNG) for a paper.
import { useRef } from 'react';
import { niceTicks } from '@/lib/axis-ticks';
import { fileSafe } from '@/lib/chart-export';
import { SvgSaveLinks } from './svg-save-links';

export interface IntervalBar {
  method: string;
  mean: number | null;
  halfWidth: number | null;
  best: boolean;
}

const W = 320;
const H = 210;
const PAD = { left: 46, right: 8, top: 22, bottom: 48 };

export function IntervalBars({
  title,
  bars,
  decimals,
  fileStem,
}: {
  title: string;
  bars: IntervalBar[];
  decimals: number;
  fileStem: string;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const shown = bars.filter((b) => b.mean !== null);
  const his = shown.map((b) => b.mean! + (b.halfWidth ?? 0));
  const los = shown.map((b) => b.mean! - (b.halfWidth ?? 0));
  const ticks = niceTicks(Math.min(0, ...los), Math.max(0, ...his));
  const y0 = ticks[0]!;
  const y1 = ticks[ticks.length - 1]!;
  const plotH = H - PAD.top - PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const y = (v: number) => PAD.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const slot = plotW / Math.max(1, bars.length);
  const name = `${fileSafe(fileStem)}-${fileSafe(title)}`;
  return (
    <figure className="interval-bars" data-testid={`bars-${title}`}>
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-label={`${title} by method`}
      >
        <style>{'text{font-family:Helvetica,Arial,sans-serif;font-size:10px;fill:#1b1f24}'}</style>
        <text x={W / 2} y={13} textAnchor="middle" style={{ fontWeight: 600, fontSize: 12 }}>
          {title}
        </text>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke="#e4e7ec" />
            <text x={PAD.left - 4} y={y(t) + 3} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const cx = PAD.left + slot * (i + 0.5);
          const bw = Math.min(40, slot * 0.6);
          if (b.mean === null) return null;
          const top = y(Math.max(0, b.mean));
          const bottom = y(Math.min(0, b.mean));
          return (
            <g key={b.method} data-method={b.method}>
              <rect
                x={cx - bw / 2}
                y={top}
                width={bw}
                height={Math.max(0.5, bottom - top)}
                fill={b.best ? '#1f5fbf' : '#98a2b3'}
              >
                <title>
                  {`${b.method}: ${b.mean.toFixed(decimals)}${b.halfWidth !== null ? ` ± ${b.halfWidth.toFixed(decimals)}` : ''}`}
                </title>
              </rect>
              {b.halfWidth !== null ? (
                <g stroke="#1b1f24" strokeWidth={1.2}>
                  <line x1={cx} x2={cx} y1={y(b.mean - b.halfWidth)} y2={y(b.mean + b.halfWidth)} />
                  <line x1={cx - 5} x2={cx + 5} y1={y(b.mean + b.halfWidth)} y2={y(b.mean + b.halfWidth)} />
                  <line x1={cx - 5} x2={cx + 5} y1={y(b.mean - b.halfWidth)} y2={y(b.mean - b.halfWidth)} />
                </g>
              ) : null}
              <text
                x={cx}
                y={H - PAD.bottom + 12}
                textAnchor="end"
                transform={`rotate(-30 ${cx} ${H - PAD.bottom + 12})`}
              >
                {b.method}
              </text>
            </g>
          );
        })}
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} stroke="#667085" />
      </svg>
      <figcaption>
        <SvgSaveLinks svg={svg} name={name} />
      </figcaption>
    </figure>
  );
}
