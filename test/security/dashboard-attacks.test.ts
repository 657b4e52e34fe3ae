// The production dashboard (`glorank dashboard`, next build + next start) attacked the way a
// hostile web page or a careless user would (issue 17): DNS rebinding through a foreign Host,
// cross-site posts, framing, traversal and hostile artifacts (FIFO, symlink out of the folder,
// names no header can carry), oversized and malformed inputs, and tokens. Plain HTTP from
// Node (a browser cannot set Host), so these run without Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openRunStore, type RunStore } from '@glorank/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type RunningDashboard,
  runCli,
  startDashboard,
} from '../dashboard/fixture/dashboard-server.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with full control of the headers (Host included); the body read to the end. */
function send(
  base: string,
  route: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<Reply> {
  const url = new URL(route, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: { host: url.host, ...options.headers },
        timeout: options.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${route} within the timeout`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const trpc = (procedure: string, input: unknown) =>
  `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

function expectNoFraming(reply: Reply, what: string): void {
  expect(reply.headers['x-frame-options'], what).toBe('DENY');
  expect(reply.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(reply.headers['x-content-type-options'], what).toBe('nosniff');
}

describe('production dashboard under attack', () => {
  let root: string;
  let runsDir: string;
  let database: string;
  let store: RunStore;
  let server: RunningDashboard;
  const ids = { plain: 0, hostile: 0, slates: 0, fifo: 0, escape: 0, oddName: 0 };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'glorank-security-'));
    runsDir = path.join(root, 'runs');
    database = path.join(runsDir, 'glorank.db');
    await mkdir(path.join(runsDir, 'hostile'), { recursive: true });
    await mkdir(path.join(root, 'datasets'), { recursive: true });
    await writeFile(path.join(root, 'secret.txt'), 'secret outside the runs folder\n');
    store = await openRunStore(database);
    const plain = await store.createRun({ experiment: 'security', name: 'plain', params: { lr: 0.1 } });
    const hostile = await store.createRun({
      experiment: 'security',
      name: '<img src=x onerror=alert(1)>\u001b[2J',
      datasetHash: 'nope',
    });
    ids.plain = plain.id;
    ids.hostile = hostile.id;
    const add = async (rel: string, kind: 'eval-table' | 'other') =>
      (await store.addArtifact(hostile.id, { path: rel, kind, bytes: 1, sha256: '0'.repeat(64) })).id;
    await writeFile(path.join(runsDir, 'hostile', 'slates.json'), '[]');
    ids.slates = await add('hostile/slates.json', 'eval-table');
    execFileSync('mkfifo', [path.join(runsDir, 'hostile', 'pipe.json')]);
    ids.fifo = await add('hostile/pipe.json', 'eval-table');
    symlinkSync(path.join(root, 'secret.txt'), path.join(runsDir, 'hostile', 'escape.txt'));
    ids.escape = await add('hostile/escape.txt', 'other');
    const odd = 'résumé 日本\n"x".json';
    await writeFile(path.join(runsDir, 'hostile', odd), '{"ok":true}');
    ids.oddName = await add(`hostile/${odd}`, 'other');
    await store.close();
    // Writes allowed: the rebinding attack of the report deleted runs on such a server.
    server = await startDashboard(
      [
        '--port',
        String(await freePort()),
        '--db',
        database,
        '--datasets',
        path.join(root, 'datasets'),
        '--allow-write',
      ],
      { GLORANK_RUNS_DIR: runsDir, GLORANK_DASHBOARD_TOKEN: '' },
    );
  }, 900_000);

  afterAll(async () => {
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const port = () => new URL(server.url).port;

  describe('DNS rebinding', () => {
    it.each(['/', '/runs', trpc('runs.list', {}), trpc('meta.info', null), '/api/artifacts/1/1'])(
      'a foreign Host gets 403 on %s',
      async (route) => {
        const r = await send(server.url, route, { headers: { host: `rebind.attacker.example:${port()}` } });
        expect(r.status).toBe(403);
        expect(r.body).toMatch(/DNS rebinding guard/);
        expect(r.body).not.toContain('plain');
        expectNoFraming(r, route);
      },
    );

    it('a rebinding page cannot delete runs on an --allow-write dashboard', async () => {
      const del = await send(server.url, '/api/trpc/runs.delete', {
        method: 'POST',
        headers: { host: `rebind.attacker.example:${port()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: ids.plain }),
      });
      expect(del.status).toBe(403);
      // Same host, cross-site form post (text/plain, foreign Origin): refused too.
      const csrf = await send(server.url, '/api/trpc/runs.delete', {
        method: 'POST',
        headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' },
        body: JSON.stringify({ id: ids.plain }),
      });
      expect(csrf.status).toBe(403);
      const opaque = await send(server.url, '/api/trpc/runs.delete', {
        method: 'POST',
        headers: { origin: 'null', 'content-type': 'application/json' },
        body: JSON.stringify({ id: ids.plain }),
      });
      expect(opaque.status).toBe(403);
      const still = await send(server.url, trpc('run.get', { id: ids.plain }));
      expect(still.status).toBe(200);
      expect(still.body).toContain('"plain"');
    });

    it.each(['127.0.0.1', 'localhost', '[::1]'])('loopback name %s is answered', async (name) => {
      const r = await send(server.url, trpc('meta.info', null), { headers: { host: `${name}:${port()}` } });
      expect(r.status).toBe(200);
    });

    it('the dashboard itself can still write (same origin)', async () => {
      const r = await send(server.url, '/api/trpc/runs.tag', {
        method: 'POST',
        headers: { origin: `http://127.0.0.1:${port()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: ids.plain, add: ['checked'] }),
      });
      expect(r.status, r.body).toBe(200);
    });
  });

  describe('framing', () => {
    it('pages, API answers, artifacts, static files and errors all forbid framing', async () => {
      const page = await send(server.url, '/runs');
      expect(page.status).toBe(200);
      expectNoFraming(page, 'page');
      expectNoFraming(await send(server.url, trpc('meta.info', null)), 'tRPC');
      expectNoFraming(await send(server.url, `/api/artifacts/${ids.hostile}/${ids.slates}`), 'artifact');
      expectNoFraming(await send(server.url, '/api/artifacts/1/x'), '400');
      expectNoFraming(await send(server.url, '/no/such/page'), '404');
      const chunk = page.body.match(/\/_next\/static\/[^"']+\.js/)?.[0];
      expect(chunk, 'a script of the page').toBeDefined();
      const js = await send(server.url, chunk!);
      expect(js.status).toBe(200);
      expectNoFraming(js, 'static');
    });
  });

  describe('hostile artifacts and traversal', () => {
    it.each([
      ['/api/artifacts/..%2F..%2Fetc/passwd', [400, 404]],
      ['/api/artifacts/1/..%2F..%2F..%2Fetc%2Fpasswd', [400]],
      ['/api/artifacts/-1/1', [400]],
      ['/api/artifacts/1e3/1', [200, 400, 404]],
      ['/api/artifacts/99999999999999999999/1', [400]],
      ['/api/artifacts/%00/1', [400]],
    ])('%s is refused', async (route, statuses) => {
      const r = await send(server.url, route as string);
      expect(statuses).toContain(r.status);
      expect(r.body).not.toContain('root:');
    });

    it('a symlink out of the runs folder is refused', async () => {
      const r = await send(server.url, `/api/artifacts/${ids.hostile}/${ids.escape}`);
      expect(r.status).toBe(403);
      expect(r.body).not.toContain('secret');
    });

    it('a FIFO artifact is refused at once, and many such calls starve nobody', async () => {
      const direct = await send(server.url, `/api/artifacts/${ids.hostile}/${ids.fifo}`, {
        timeoutMs: 20_000,
      });
      expect(direct.status).toBe(403);
      expect(direct.body).toMatch(/FIFO/);
      // The report's outage: a few reads of a FIFO used up Node's file threads for good.
      const calls = await Promise.all(
        Array.from({ length: 12 }, () =>
          send(server.url, trpc('run.evaluation', { id: ids.hostile }), { timeoutMs: 30_000 }),
        ),
      );
      for (const c of calls) {
        expect(c.status).toBe(200);
        expect(c.body).toMatch(/FIFO, not a regular file/);
      }
      expect((await send(server.url, trpc('datasets.list', null), { timeoutMs: 20_000 })).status).toBe(200);
      expect(
        (await send(server.url, `/api/artifacts/${ids.hostile}/${ids.slates}`, { timeoutMs: 20_000 })).body,
      ).toBe('[]');
    });

    it('an artifact named outside Latin-1 with a newline downloads (no 500)', async () => {
      const r = await send(server.url, `/api/artifacts/${ids.hostile}/${ids.oddName}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('{"ok":true}');
      expect(r.headers['content-disposition']).toMatch(/filename\*=UTF-8''r%C3%A9sum%C3%A9%20/);
    });
  });

  describe('oversized and malformed inputs', () => {
    it.each([
      // Under Node's 16 KiB header limit, so it reaches the router and its zod limit (2,000).
      ['huge query input', trpc('runs.list', { query: 'x'.repeat(10_000) })],
      ['not JSON', '/api/trpc/runs.list?input=%7Bnot-json'],
      [
        'deeply nested',
        `/api/trpc/runs.list?input=${encodeURIComponent(`${'['.repeat(5000)}${']'.repeat(5000)}`)}`,
      ],
      ['wrong types', trpc('run.get', { id: 'abc' })],
      ['unknown keys', trpc('run.get', { id: 1, extra: true })],
      ['unknown procedure', trpc('runs.dropTables', null)],
      ['batch of garbage', '/api/trpc/run.get,run.get?batch=1&input=%7B%220%22:5%7D'],
      ['huge id', trpc('run.get', { id: 1e300 })],
    ])('%s gets a 4xx, never a 5xx', async (_what, route) => {
      const r = await send(server.url, route);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    });

    // Input Node's HTTP server refuses before reading all of it: it answers 431/413 and closes
    // the socket, and a client still writing may see the close (ECONNRESET) before the answer
    // (CI of stop 21). Either way: never a 5xx, and the server still answers afterwards.
    it.each([
      ['a URL over the 16 KiB header limit', trpc('runs.list', { query: 'x'.repeat(60_000) }), {}],
      [
        'a 5 MB POST body of garbage',
        '/api/trpc/runs.tag',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.alloc(5 * 1024 * 1024, 0x7b),
        },
      ],
    ] as const)('%s gets a 4xx or a closed connection, never a 5xx', async (_what, route, options) => {
      const r = await send(server.url, route, options).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return undefined;
        throw error;
      });
      if (r !== undefined) {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
      const after = await send(server.url, trpc('runs.list', {}));
      expect(after.status).toBe(200);
    });

    it('stored hostile names come back as data, never as markup', async () => {
      const page = await send(server.url, `/runs/${ids.hostile}`);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('<img src=x onerror=alert(1)>');
    });
  });

  describe('flags', () => {
    it('a mistyped --db is refused in one line and creates nothing', async () => {
      const typo = path.join(root, 'tpyo', 'glorank.db');
      const r = await runCli(['dashboard', '--port', String(await freePort()), '--db', typo]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(typo);
      expect(existsSync(path.join(root, 'tpyo'))).toBe(false);
    });
  });

  describe('tokens', () => {
    let guarded: RunningDashboard;
    const token = 'file-token-0123456789abcdef';

    beforeAll(async () => {
      const tokenFile = path.join(root, 'token');
      await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
      guarded = await startDashboard(
        ['--port', String(await freePort()), '--db', database, '--token-file', tokenFile],
        {
          GLORANK_RUNS_DIR: runsDir,
          GLORANK_DASHBOARD_TOKEN: '',
        },
      );
    }, 900_000);
    afterAll(async () => guarded?.stop());

    it('the token from --token-file is not on any command line (ps)', () => {
      const lines = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(lines).toContain('--token-file');
      expect(lines).not.toContain(token);
    });

    it('no token, a wrong or a longer token: 401; the right one: 200; rebinding still 403', async () => {
      const base = new URL(guarded.url).origin;
      const info = trpc('meta.info', null);
      expect((await send(base, info)).status).toBe(401);
      expect(
        (await send(base, info, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
      ).toBe(401);
      expect((await send(base, info, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect(
        (await send(base, info, { headers: { cookie: `glorank_token=${token.slice(0, -1)}` } })).status,
      ).toBe(401);
      const unauthorized = await send(base, '/runs');
      expect(unauthorized.status).toBe(401);
      expectNoFraming(unauthorized, '401');
      const ok = await send(base, info, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status, `${ok.body}\n${guarded.output()}`).toBe(200);
      const login = await send(base, `/runs?token=${token}`);
      expect(login.status).toBe(307);
      expect(login.headers.location).not.toContain(token);
      expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly/i);
      const port = new URL(base).port;
      const rebound = await send(base, info, {
        headers: { host: `rebind.attacker.example:${port}`, authorization: `Bearer ${token}` },
      });
      expect(rebound.status).toBe(403);
    });

    it('the printed URL and store line carry no secret but the one-time login link', () => {
      const out = guarded.output();
      expect(out).toContain(`?token=${token}`);
      expect(readFileSync(path.join(root, 'token'), 'utf8').trim()).toBe(token);
    });
  });
});
