// How numbers, times and durations read in tables: short, aligned, never "NaN".

export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

/**
 * `YYYY-MM-DD HH:MM:SS` in the browser's (or this process's) time zone, or in `timeZone` (an
 * IANA name): the server renders a page's times in its own zone, and the browser hydrates
 * them in that same zone before switching to its own (src/client/server-clock.tsx).
 */
export function formatTime(ms: number | null | undefined, timeZone?: string): string {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (timeZone === undefined)
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const parts = zoneFormat(timeZone).formatToParts(d);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormats.set(timeZone, f);
  }
  return f;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** Axis label for seconds: sub-second precision for short spans, m/h beyond a minute. */
export function formatSeconds(s: number): string {
  if (Math.abs(s) < 60) return `${Number(s.toPrecision(3))}s`;
  return formatDuration(s * 1000);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * Mean ± half-width to the interval's precision: the half-width to 2 significant digits and
 * the mean to the same decimal place ("75.5 ± 2.3", "0.4123 ± 0.0051"). A half-width that is
 * float noise next to the mean (below 1e-9 of it, as for seeds that agree) prints as "± 0",
 * never "± 3.19e-14"; without a half-width only the mean shows.
 */
export function formatInterval(mean: number | null, halfWidth: number | null, digits = 4): string {
  if (mean === null || Number.isNaN(mean)) return '–';
  if (halfWidth === null || !Number.isFinite(halfWidth)) return formatNumber(mean, digits);
  const hw = Math.abs(halfWidth);
  if (hw === 0 || hw <= Math.abs(mean) * 1e-9) return `${formatNumber(mean, digits)} ± 0`;
  if (hw >= 1e6 || hw < 1e-6) return `${formatNumber(mean, digits)} ± ${hw.toExponential(1)}`;
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(hw)));
  return `${mean.toFixed(decimals)} ± ${hw.toFixed(decimals)}`;
}
