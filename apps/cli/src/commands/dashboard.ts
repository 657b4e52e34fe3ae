// `glorank dashboard`: build the Next.js dashboard when its sources changed, then serve it over
// the run store and datasets folder. Loopback only unless an access token is set; read-only
// unless --allow-write. The app itself reads everything through @glorank/api.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '@glorank/data';
import { openRunStore, redactLocation, storagePaths } from '@glorank/tracking';
import type { Command } from 'commander';
import { parseIntOption } from '../support/options.js';

export interface DashboardOptions {
  port: number;
  host: string;
  db?: string;
  datasets?: string;
  allowWrite?: boolean;
  token?: string;
  tokenFile?: string;
  allowHost?: string[];
  rebuild?: boolean;
}

/** The dashboard app folder (apps/dashboard in the monorepo). */
export function dashboardDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve('@glorank/dashboard/package.json'));
  } catch {
    return fileURLToPath(new URL('../../../dashboard', import.meta.url));
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

const SOURCES = ['app', 'src', 'scripts', 'proxy.ts', 'next.config.ts', 'package.json', 'tsconfig.json'];
/** Built beside Next's build by the app's scripts/build-first-paint.mjs (the run page's first paint). */
const FIRST_PAINT = path.join('public', 'first-paint', 'charts.js');

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const st = statSync(file);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}

/** True when there is no production build or a source file is newer than it. */
export function dashboardNeedsBuild(dir: string): boolean {
  const buildId = path.join(dir, '.next', 'BUILD_ID');
  if (!existsSync(buildId) || !existsSync(path.join(dir, FIRST_PAINT))) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(dir, s)) > built);
}

function nextBin(dir: string): string {
  return createRequire(path.join(dir, 'package.json')).resolve('next/dist/bin/next');
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Build the dashboard as its `npm run build` does (the first-paint script, then next build)
 * unless an up-to-date build exists.
 */
export async function ensureDashboardBuilt(dir: string, force = false): Promise<boolean> {
  if (!force && !dashboardNeedsBuild(dir)) return false;
  process.stderr.write('glorank dashboard: building the app (next build)...\n');
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const steps: [string, string[]][] = [
    ['the first-paint script', [path.join(dir, 'scripts', 'build-first-paint.mjs')]],
    ['next build', [nextBin(dir), 'build']],
  ];
  for (const [what, args] of steps) {
    const code = await run(process.execPath, args, { cwd: dir, env });
    if (code !== 0) {
      throw new UserError(`${what} failed with exit code ${code} (its output is above)`, { file: dir });
    }
  }
  return true;
}

/**
 * The access token: --token, else the first line of --token-file, else GLORANK_DASHBOARD_TOKEN.
 * The file and the variable keep the secret out of `ps` (command lines are world-readable).
 * An empty value (e.g. GLORANK_DASHBOARD_TOKEN=) means no token.
 */
export function resolveToken(
  options: Pick<DashboardOptions, 'token' | 'tokenFile'>,
  env = process.env,
): string | undefined {
  if (options.token) return options.token;
  if (options.tokenFile !== undefined) {
    let text: string;
    try {
      if (!statSync(options.tokenFile).isFile()) throw new Error('not a regular file');
      text = readFileSync(options.tokenFile, 'utf8');
    } catch (err) {
      throw new UserError(
        `cannot read the token file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        {
          file: options.tokenFile,
          field: '--token-file',
        },
      );
    }
    const token = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (token === '')
      throw new UserError('the token file is empty', { file: options.tokenFile, field: '--token-file' });
    return token;
  }
  return env.GLORANK_DASHBOARD_TOKEN || undefined;
}

export async function startDashboard(options: DashboardOptions): Promise<number> {
  const token = resolveToken(options);
  if (!isLoopbackHost(options.host) && !token) {
    throw new UserError(
      `refusing to serve on ${options.host} without an access token; pass --token-file <file> (or set GLORANK_DASHBOARD_TOKEN), or keep the default --host 127.0.0.1`,
      { field: '--host' },
    );
  }
  if (token !== undefined && token.length < 12) {
    throw new UserError('an access token needs at least 12 characters', { field: '--token' });
  }
  const paths = storagePaths();
  const database = options.db ?? paths.database;
  const datasets = path.resolve(options.datasets ?? paths.datasetsDir);
  const isUrl = /^postgres(ql)?:\/\//i.test(database);
  const dbLocation = isUrl ? database : path.resolve(database);
  // Fail here, in one line, when the store cannot be opened (bad path, server down). A store
  // named explicitly must exist: a mistyped --db is an error, not a new empty store.
  const store = await openRunStore(dbLocation, { create: options.db === undefined });
  await store.close();
  const dir = dashboardDir();
  await ensureDashboardBuilt(dir, options.rebuild ?? false);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    GLORANK_DB_URL: dbLocation,
    GLORANK_DATASETS_DIR: datasets,
    GLORANK_DASHBOARD_WRITE: options.allowWrite ? '1' : '0',
    // The request guard (apps/dashboard/src/server/request-guard.ts) answers only these names.
    GLORANK_DASHBOARD_HOST: options.host,
    GLORANK_DASHBOARD_ALLOWED_HOSTS: (options.allowHost ?? []).join(','),
  };
  if (process.env.GLORANK_RUNS_DIR) env.GLORANK_RUNS_DIR = path.resolve(process.env.GLORANK_RUNS_DIR);
  if (token) env.GLORANK_DASHBOARD_TOKEN = token;
  else delete env.GLORANK_DASHBOARD_TOKEN;
  const shownHost =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${options.port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  // The dashboard's own server.mjs: Next's handler as `next start` runs it, with pages drawn
  // before React's scripts load (apps/dashboard/src/server/first-paint.mjs).
  const child = spawn(
    process.execPath,
    [path.join(dir, 'server.mjs'), '--port', String(options.port), '--hostname', options.host],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let announced = false;
  child.stdout.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (!announced && /ready/i.test(chunk.toString())) {
      announced = true;
      process.stdout.write(
        `glorank dashboard: ${url}\n  store ${redactLocation(dbLocation)}\n  datasets ${datasets}\n  ${options.allowWrite ? 'writes allowed (tag/delete)' : 'read-only'}\n`,
      );
    }
  });
  const stop = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : (code ?? 1));
    });
  });
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the web dashboard (runs, live curves, experiments, datasets, request inspector)')
    .option('--port <n>', 'port to listen on', parseIntOption('--port', 1, 65_535), 3000)
    .option('--host <host>', 'interface to bind; anything but loopback needs --token', '127.0.0.1')
    .option(
      '--db <path-or-url>',
      'run store: SQLite file or postgres:// URL (default $GLORANK_DB_URL, else <runs>/glorank.db)',
    )
    .option(
      '--datasets <dir>',
      'converted datasets folder (default $GLORANK_DATASETS_DIR, else ./datasets/out)',
    )
    .option(
      '--token <secret>',
      'access token required from browsers (visible in `ps`: prefer --token-file or $GLORANK_DASHBOARD_TOKEN)',
    )
    .option('--token-file <file>', 'read the access token from the first line of this file')
    .option(
      '--allow-host <name>',
      'also answer requests for this host name (repeatable; loopback names and --host always work)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--allow-write', 'allow tagging and deleting runs from the dashboard')
    .option('--rebuild', 'run next build even when the build looks up to date')
    .addHelpText(
      'after',
      `
The app is built on first use (next build, about a minute) and again after its sources change.
Artifacts are served only from the runs folder ($GLORANK_ARTIFACTS_DIR, else $GLORANK_RUNS_DIR,
else the SQLite file's folder).

Examples:
  $ glorank dashboard                               http://127.0.0.1:3000, read-only
  $ glorank dashboard --port 8080 --db runs/glorank.db --datasets datasets/out
  $ glorank dashboard --db postgres://user@db/glorank --allow-write
  $ openssl rand -hex 16 > ~/.glorank-token && chmod 600 ~/.glorank-token
  $ glorank dashboard --host 0.0.0.0 --token-file ~/.glorank-token --allow-host gpu-box.lab

Requests naming any other host are refused (403) so a web page cannot reach the dashboard
through DNS rebinding; IP addresses and localhost always work. See SECURITY.md.`,
    )
    .action(async (opts: DashboardOptions) => {
      const code = await startDashboard(opts);
      if (code !== 0) process.exitCode = code;
    });
}
