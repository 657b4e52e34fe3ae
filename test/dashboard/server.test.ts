// The dashboard server's HTTP contract, checked without a browser (so these tests run, and
// can fail, wherever Node runs; the Chromium suite is dashboard.test.ts): artifacts served
// only by id, read-only by default, the host/token rules of `glorank dashboard`.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '@glorank/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningDashboard, runCli, startDashboard } from './fixture/dashboard-server.js';
import { type SeededStore, seedStore } from './fixture/seed-store.js';

describe('dashboard server over HTTP (no browser)', () => {
  let seeded: SeededStore;
  let server: RunningDashboard;
  let runs: RunSummary[];
  const runNamed = (name: string) => runs.find((r) => r.name === name)!;

  beforeAll(async () => {
    seeded = await seedStore();
    runs = (await seeded.store.listRuns({ limit: 100 })).runs;
    server = await startDashboard(
      ['--port', String(await freePort()), '--db', seeded.database, '--datasets', seeded.datasetsDir],
      { GLORANK_RUNS_DIR: seeded.runsDir, GLORANK_DASHBOARD_TOKEN: '' },
    );
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await seeded?.store.close();
    if (seeded) rmSync(seeded.root, { recursive: true, force: true });
  });

  it('serves registered artifacts and nothing else', async () => {
    const run = runNamed('dnn seed=1');
    const artifacts = await seeded.store.listArtifacts(run.id);
    const slates = artifacts.find((a) => a.path.endsWith('slates.json'))!;
    expect(path.isAbsolute(slates.path)).toBe(false);
    const ok = await fetch(new URL(`/api/artifacts/${run.id}/${slates.id}`, server.url));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { format: string }).format).toBe('glorank-slates/1');
    expect((await fetch(new URL(`/api/artifacts/${run.id}/999999`, server.url))).status).toBe(404);
    // Only numeric ids name an artifact: a path in their place is refused before any lookup.
    const traversal = await fetch(new URL('/api/artifacts/..%2F..%2Fetc/passwd', server.url));
    expect(traversal.status).toBe(400);
    expect(await traversal.text()).toContain('expected /api/artifacts/<run id>/<artifact id>');
  });

  it("pages leave Next's framework scripts to after the first frame, and a run page carries its first paint", async () => {
    // server.mjs rewrites the head Next renders; were Next's markup to change, pages would go
    // out unchanged and only the page-speed bench would notice. This checks the real output.
    const run = runNamed('dnn seed=1');
    for (const route of ['/runs', `/runs/${run.id}`]) {
      const res = await fetch(new URL(route, server.url), { headers: { accept: 'text/html' } });
      expect(res.status, route).toBe(200);
      const html = await res.text();
      const head = html.slice(0, html.indexOf('</head>'));
      expect(head, route).not.toMatch(/<script src="\/_next\/static\/[^"]+\.js" async/);
      const loader = /<script type="module">\(function\(s\)\{.*?\}\)\((\[.*?\])\)<\/script>/.exec(head);
      expect(loader, `${route}: the loader script in the head`).not.toBeNull();
      const chunks = JSON.parse(loader![1]!) as string[];
      expect(chunks.length, route).toBeGreaterThan(0);
      for (const c of chunks) {
        expect(c).toMatch(/^\/_next\/static\/.+\.js$/);
        expect((await fetch(new URL(c, server.url))).status, c).toBe(200);
      }
    }
    // The run page: its curves as JSON for the first-paint script, which is served.
    const html = await (
      await fetch(new URL(`/runs/${run.id}`, server.url), { headers: { accept: 'text/html' } })
    ).text();
    const json = /<script type="application\/json" id="glorank-first-charts">(.*?)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    const first = JSON.parse(json![1]!) as { charts: { testId: string; lines: { steps: number[] }[] }[] };
    expect(first.charts.map((c) => c.testId)).toContain('chart-train/epoch_loss');
    expect(html).toContain('<script async="" src="/first-paint/charts.js">');
    const script = await fetch(new URL('/first-paint/charts.js', server.url));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('is read-only unless started with --allow-write', async () => {
    const run = runNamed('dnn seed=1');
    const res = await fetch(new URL('/api/trpc/runs.tag', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: run.id, add: ['reviewed'] }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('read-only');
    expect((await seeded.store.getRun(run.id))!.tags).not.toContain('reviewed');
  });

  it('the CLI refuses a non-loopback host without an access token', async () => {
    const r = await runCli(['dashboard', '--host', '0.0.0.0', '--db', seeded.database], {
      GLORANK_DASHBOARD_TOKEN: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('without an access token');
  });

  it('with a token, requests without it get 401, ?token= sets a cookie, --allow-write allows tagging', async () => {
    const token = 'e2e-secret-token-123';
    const guarded = await startDashboard(
      ['--port', String(await freePort()), '--db', seeded.database, '--token', token, '--allow-write'],
      { GLORANK_RUNS_DIR: seeded.runsDir },
    );
    try {
      expect(guarded.url).toContain(`?token=${token}`);
      const base = new URL(guarded.url);
      base.search = '';
      expect((await fetch(new URL('/runs', base))).status).toBe(401);
      expect((await fetch(new URL('/api/trpc/meta.info', base))).status).toBe(401);
      const login = await fetch(new URL(`/runs?token=${token}`, base), { redirect: 'manual' });
      expect(login.status).toBe(307);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const meta = await fetch(new URL('/api/trpc/meta.info', base), { headers: { cookie } });
      expect(meta.status).toBe(200);
      const bearer = await fetch(new URL('/api/trpc/meta.info', base), {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(bearer.status).toBe(200);
      // This server was started with --allow-write: tagging works (with the token).
      const run = runNamed('initial seed=1');
      const tag = await fetch(new URL('/api/trpc/runs.tag', base), {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ id: run.id, add: ['reviewed'] }),
      });
      expect(tag.status).toBe(200);
      expect((await seeded.store.getRun(run.id))!.tags).toContain('reviewed');
    } finally {
      await guarded.stop();
    }
  });
});
