import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatInterval,
  formatNumber,
  formatSeconds,
  formatTime,
} from './format-values';

describe('formatting', () => {
  it('formats numbers compactly', () => {
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234567)).toBe('1.23e+6');
    expect(formatNumber(0.0001234)).toBe('1.23e-4');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
  it('formats times in a named zone as the local format does', () => {
    // 2026-03-29 00:59:59 UTC is 01:59:59 in Berlin (CET, +1); one hour later summer time
    // has begun there (CEST, +2): 03:59:59.
    const t = Date.UTC(2026, 2, 29, 0, 59, 59);
    expect(formatTime(t, 'UTC')).toBe('2026-03-29 00:59:59');
    expect(formatTime(t, 'Europe/Berlin')).toBe('2026-03-29 01:59:59');
    expect(formatTime(t + 3_600_000, 'Europe/Berlin')).toBe('2026-03-29 03:59:59');
    expect(formatTime(Date.UTC(2026, 0, 1, 0, 0, 0), 'America/New_York')).toBe('2025-12-31 19:00:00');
    expect(formatTime(null, 'UTC')).toBe('–');
    // Without a zone: this process's own, the same fields as Date's getters.
    const local = new Date(2026, 11, 3, 9, 5, 7).getTime();
    expect(formatTime(local)).toBe('2026-12-03 09:05:07');
    expect(formatTime(local, Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('2026-12-03 09:05:07');
  });
  it('formats durations and sizes', () => {
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(3_725_000)).toBe('1h 2m');
    expect(formatSeconds(0.25)).toBe('0.25s');
    expect(formatSeconds(90)).toBe('1m 30s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
  it('formats mean and interval', () => {
    expect(formatInterval(75.5, 2.25)).toBe('75.5 ± 2.3');
    expect(formatInterval(75.5, Number.NaN)).toBe('75.5');
    expect(formatInterval(null, null)).toBe('–');
    // To the interval's precision: 2 significant digits of the half-width.
    expect(formatInterval(0.41234, 0.005123)).toBe('0.4123 ± 0.0051');
    expect(formatInterval(1234.5, 87)).toBe('1235 ± 87');
    expect(formatInterval(1234.5, 870)).toBe('1235 ± 870');
    // Seeds that agree: float noise is no interval.
    expect(formatInterval(16.98, 3.19e-14)).toBe('16.98 ± 0');
    expect(formatInterval(-2, 0)).toBe('-2 ± 0');
  });
});
