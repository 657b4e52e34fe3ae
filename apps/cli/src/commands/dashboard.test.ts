import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardNeedsBuild } from './dashboard.js';

describe('glorank dashboard: when the app needs building', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** An app folder whose sources are at t=1000 s and whose builds are at t=2000 s. */
  function app(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-dash-build-'));
    dirs.push(dir);
    const put = (rel: string, at: number) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), 'x');
      utimesSync(path.join(dir, rel), at, at);
    };
    put('app/page.tsx', 1000);
    put('src/lib/chart-options.ts', 1000);
    put('scripts/build-first-paint.mjs', 1000);
    put('package.json', 1000);
    for (const d of ['app', 'src', 'src/lib', 'scripts']) utimesSync(path.join(dir, d), 1000, 1000);
    put('.next/BUILD_ID', 2000);
    put('public/first-paint/charts.js', 2000);
    return dir;
  }

  it('is built when both builds exist and no source is newer', () => {
    expect(dashboardNeedsBuild(app())).toBe(false);
  });

  it("needs building without Next's build or without the first-paint script", () => {
    const a = app();
    rmSync(path.join(a, '.next'), { recursive: true });
    expect(dashboardNeedsBuild(a)).toBe(true);
    const b = app();
    rmSync(path.join(b, 'public', 'first-paint', 'charts.js'));
    expect(dashboardNeedsBuild(b)).toBe(true);
  });

  it('needs building when a source, the first-paint build script included, is newer', () => {
    for (const rel of ['src/lib/chart-options.ts', 'scripts/build-first-paint.mjs', 'package.json']) {
      const dir = app();
      utimesSync(path.join(dir, rel), 3000, 3000);
      expect(dashboardNeedsBuild(dir), rel).toBe(true);
    }
  });
});
