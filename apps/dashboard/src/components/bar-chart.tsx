'use client';
// Distributions (counts per bucket) as uPlot bars, x labelled by bucket.
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import { formatNumber } from '@/lib/format-values';
import { colorAt, withAlpha } from './palette';

export interface BarChartProps {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  logY?: boolean;
  height?: number;
  testId?: string;
}

export function BarChart({ title, labels, values, logY = false, height = 180, testId }: BarChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: uPlot | null = null;
    let cancelled = false;
    const obs = new ResizeObserver(() => {
      if (chart && box.current && box.current.clientWidth > 0) {
        chart.setSize({ width: box.current.clientWidth, height });
      }
    });
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled || !box.current) return;
      const x = labels.map((_, i) => i);
      const y = values.map((v) => (logY && v <= 0 ? null : v));
      chart = new UPlot(
        {
          width: box.current.clientWidth || 400,
          height,
          legend: { show: false },
          scales: {
            x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] },
            y: logY ? { distr: 3 } : {},
          },
          series: [
            {},
            {
              label: title,
              stroke: colorAt(0),
              fill: withAlpha(colorAt(0), 0.5),
              paths: UPlot.paths.bars!({ size: [0.85, 64] }),
              points: { show: false },
            },
          ],
          axes: [
            {
              values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? (labels[s] ?? '') : '')),
            },
            { size: 56, values: (_u, splits) => splits.map((s) => (s === null ? '' : formatNumber(s, 3))) },
          ],
        },
        [x, y] as uPlot.AlignedData,
        box.current,
      );
      obs.observe(box.current);
    });
    return () => {
      cancelled = true;
      obs.disconnect();
      chart?.destroy();
    };
  }, [labels, values, logY, height, title]);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
      </figcaption>
      <div ref={box} className="chart-canvas" style={{ minHeight: height }} />
    </figure>
  );
}
