// A uPlot chart as an SVG document. uPlot draws on a canvas only, so the vector copy is rebuilt
// from the chart's own state after it has drawn: its plot box, scales (valToPos), the ticks and
// labels its axes chose, each visible series' colour and width, and the filled bands. The SVG
// therefore shows the same lines, axes and labels as the canvas, at any size, for a paper.
import type uPlot from 'uplot';

/** uPlot's per-axis state after drawing (set by uPlot, not in its type declarations). */
interface DrawnAxis {
  _show?: boolean;
  _splits?: (number | null)[] | null;
  _values?: (string | number | null)[] | null;
}
/** uPlot's resolved colours of a series after drawing. */
interface DrawnSeries {
  _stroke?: unknown;
  _fill?: unknown;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (x: number) => Number(x.toFixed(2));
const color = (c: unknown, fallback: string) => (typeof c === 'string' && c.length > 0 ? c : fallback);

/** The chart `u` (drawn) as a standalone SVG document titled `title`. */
export function uplotToSvg(u: uPlot, title: string): string {
  const width = u.width;
  const height = u.height;
  // The plot box in CSS pixels, where uPlot placed its overlay.
  const left = Number.parseFloat(u.over.style.left) || 0;
  const top = Number.parseFloat(u.over.style.top) || 0;
  const plotW = Number.parseFloat(u.over.style.width) || width;
  const plotH = Number.parseFloat(u.over.style.height) || height;
  const xs = u.data[0] as ArrayLike<number>;
  const px = (v: number, scale: string, horizontal: boolean) =>
    (horizontal ? left : top) + u.valToPos(v, scale);
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<rect x="${n(left)}" y="${n(top)}" width="${n(plotW)}" height="${n(plotH)}" fill="none" stroke="#d0d0d0"/>`,
  ];

  // Axes: grid line, tick and label at each split the chart drew.
  u.axes.forEach((axis, i) => {
    const drawn = axis as uPlot.Axis & DrawnAxis;
    if (axis.show === false || drawn._show === false || !drawn._splits) return;
    const scale = axis.scale ?? (i === 0 ? 'x' : 'y');
    const horizontal = (axis.side ?? (i === 0 ? 2 : 3)) % 2 === 0;
    const labels = drawn._values ?? [];
    drawn._splits.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) return;
      const p = n(px(v, scale, horizontal));
      const label = labels[k];
      if (horizontal) {
        out.push(`<line x1="${p}" y1="${n(top)}" x2="${p}" y2="${n(top + plotH)}" stroke="#eeeeee"/>`);
        if (label !== null && label !== undefined && label !== '')
          out.push(
            `<text x="${p}" y="${n(top + plotH + 14)}" text-anchor="middle" fill="#444444">${esc(String(label))}</text>`,
          );
      } else {
        out.push(`<line x1="${n(left)}" y1="${p}" x2="${n(left + plotW)}" y2="${p}" stroke="#eeeeee"/>`);
        if (label !== null && label !== undefined && label !== '')
          out.push(
            `<text x="${n(left - 6)}" y="${n(p + 4)}" text-anchor="end" fill="#444444">${esc(String(label))}</text>`,
          );
      }
    });
  });

  // A series' points in SVG coordinates, split where a value is missing unless the series spans
  // gaps (lines on a shared x column have nulls at the other lines' steps).
  const segments = (si: number): [number, number][][] => {
    const s = u.series[si]!;
    const ys = u.data[si] as ArrayLike<number | null | undefined>;
    const scale = s.scale ?? 'y';
    const out: [number, number][][] = [];
    let cur: [number, number][] = [];
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k];
      const y = ys[k];
      if (x === undefined || y === null || y === undefined || !Number.isFinite(y)) {
        if (s.spanGaps) continue;
        if (cur.length > 0) out.push(cur);
        cur = [];
        continue;
      }
      cur.push([n(px(x, 'x', true)), n(px(y, scale, false))]);
    }
    if (cur.length > 0) out.push(cur);
    return out;
  };
  const line = (pts: [number, number][]) =>
    pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
  // Bands first, under the lines: the area between the upper and the lower edge.
  for (const band of (u as uPlot & { bands?: uPlot.Band[] }).bands ?? []) {
    const [hi, lo] = band.series;
    if (!u.series[hi]?.show || !u.series[lo]?.show) continue;
    const upper = segments(hi).flat();
    const lower = segments(lo).flat().reverse();
    if (upper.length === 0 || lower.length === 0) continue;
    const fill = color(typeof band.fill === 'string' ? band.fill : null, 'rgba(0,0,0,0.1)');
    out.push(`<path d="${line([...upper, ...lower])} Z" fill="${esc(fill)}" stroke="none"/>`);
  }
  u.series.forEach((s, si) => {
    if (si === 0 || s.show === false) return;
    const stroke = color((s as uPlot.Series & DrawnSeries)._stroke ?? s.stroke, '#000000');
    const width = typeof s.width === 'number' ? s.width : 1;
    const dash = Array.isArray(s.dash) && s.dash.length > 0 ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    // uPlot turns a series' points.show into a function of (chart, series index) at setup.
    const show = s.points?.show as unknown;
    const dotted = typeof show === 'function' ? show(u, si) === true : show === true;
    const dots = dotted ? (s.points?.size ?? 5) / 2 : 0;
    for (const pts of segments(si)) {
      out.push(
        `<path d="${line(pts)}" fill="none" stroke="${esc(stroke)}" stroke-width="${width}" stroke-linejoin="round"${dash}/>`,
      );
      // Sparse curves carry a dot per point on the canvas; so here.
      if (dots > 0)
        for (const [x, y] of pts) out.push(`<circle cx="${x}" cy="${y}" r="${dots}" fill="${esc(stroke)}"/>`);
    }
  });
  out.push('</svg>', '');
  return out.join('\n');
}
