// Cross-package invariants of the monorepo layout: every package exposes exactly one entry, the
// import graph runs the way README.md's Layout section draws it, nothing reaches into another
// package's build output, and the dashboard's server never loads TensorFlow.js.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** The library packages, lowest floor first: the CLI may import every one. */
const LIBRARIES = [
  '@glorank/base',
  '@glorank/data',
  '@glorank/tracking',
  '@glorank/model',
  '@glorank/experiment',
  '@glorank/api',
] as const;

/** What each workspace may import of the others (README.md, Layout). */
const ALLOWED: Record<string, readonly string[]> = {
  '@glorank/base': [],
  '@glorank/data': ['@glorank/base'],
  '@glorank/tracking': ['@glorank/base'],
  '@glorank/model': ['@glorank/base', '@glorank/data'],
  '@glorank/experiment': ['@glorank/base', '@glorank/data', '@glorank/model', '@glorank/tracking'],
  '@glorank/api': ['@glorank/base', '@glorank/data', '@glorank/tracking'],
  '@glorank/dashboard': ['@glorank/api'],
  glorank: LIBRARIES,
  // The cross-package tests drive the CLI as well as the libraries.
  '@glorank/test': [...LIBRARIES, 'glorank'],
};

/** Workspaces the dashboard's server process loads: none may import TensorFlow.js. */
const TFJS_FREE = [
  '@glorank/base',
  '@glorank/data',
  '@glorank/tracking',
  '@glorank/api',
  '@glorank/dashboard',
];

/** A path through a build output folder. */
const DIST = /(^|\/)dist(\/|$)/;

const SKIP_DIRS = new Set(['node_modules', 'dist', '.next', '.turbo', 'test-artifacts', 'fixture-data']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...sourceFiles(file));
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(file);
  }
  return out;
}

/** Every module specifier a file imports or re-exports, statically or with import(). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

function workspaces(): { name: string; dir: string }[] {
  const dirs = [
    ...readdirSync(path.join(root, 'packages')).map((d) => path.join(root, 'packages', d)),
    ...readdirSync(path.join(root, 'apps')).map((d) => path.join(root, 'apps', d)),
    path.join(root, 'test'),
  ];
  return dirs.map((dir) => ({
    name: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name,
    dir,
  }));
}

/** The workspace package a specifier names ('@glorank/model/dist/x.js' -> '@glorank/model'). */
function workspaceOf(specifier: string): string | null {
  if (specifier === 'glorank' || specifier.startsWith('glorank/')) return 'glorank';
  const m = /^(@glorank\/[^/]+)/.exec(specifier);
  return m ? (m[1] as string) : null;
}

/**
 * The arrows README.md's Layout section draws, as workspace -> the workspaces it imports
 * directly. Each line of the drawing is floors joined by arrows ('base <- data <- model':
 * model imports data, data imports base); a floor may name several ('data, tracking <- api').
 */
function drawnArrows(): Map<string, Set<string>> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'));
  const drawing = /```\n([\s\S]*?)```/.exec(layout)?.[1] ?? '';
  const workspace = (short: string) => (short === 'cli' ? 'glorank' : `@glorank/${short}`);
  const arrows = new Map<string, Set<string>>();
  for (const line of drawing.split('\n').filter((l) => l.trim() !== '')) {
    const floors = line
      .trim()
      .split(/\s*<-+\s*/)
      .map((floor) => floor.split(/\s*,\s*/).map(workspace));
    for (let i = 1; i < floors.length; i++) {
      for (const upper of floors[i] as string[]) {
        const below = arrows.get(upper) ?? new Set<string>();
        for (const lower of floors[i - 1] as string[]) below.add(lower);
        arrows.set(upper, below);
      }
    }
  }
  return arrows;
}

/** Every workspace `name` reaches along the drawn arrows. */
function reachable(arrows: Map<string, Set<string>>, name: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(arrows.get(name) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(arrows.get(next) ?? []));
  }
  return seen;
}

describe('workspace layout', () => {
  const pkgs = readdirSync(path.join(root, 'packages'));
  it.each(pkgs)('packages/%s has one public entry (src/index.ts via exports)', (dir) => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe(`@glorank/${dir}`);
    expect(Object.keys(pkg.exports)).toEqual(['.']);
    const index = readFileSync(path.join(root, 'packages', dir, 'src', 'index.ts'), 'utf8');
    // The barrel names its exports; `export *` would leak internals.
    expect(index).not.toMatch(/export \* from/);
  });

  it('every workspace is in the import table', () => {
    expect(
      workspaces()
        .map((w) => w.name)
        .sort(),
    ).toEqual(Object.keys(ALLOWED).sort());
  });

  it("the import table is README.md's drawing: every arrow allowed, nothing allowed off the arrows", () => {
    const drawn = drawnArrows();
    // The cross-package tests (@glorank/test) may import everything and are not drawn.
    const product = Object.keys(ALLOWED).filter((name) => name !== '@glorank/test');
    const named = new Set([...drawn.keys(), ...[...drawn.values()].flatMap((s) => [...s])]);
    expect([...named].sort()).toEqual([...product].sort());
    for (const name of product) {
      const allowed = ALLOWED[name] as readonly string[];
      const reach = reachable(drawn, name);
      expect(
        allowed.filter((t) => !reach.has(t)),
        `${name}: allowed here but not reached along README's arrows`,
      ).toEqual([]);
      expect(
        [...(drawn.get(name) ?? [])].filter((t) => !allowed.includes(t)),
        `${name}: drawn in README but not allowed here`,
      ).toEqual([]);
    }
  });

  it.each(workspaces().map((w) => [w.name, w.dir] as const))(
    '%s imports only what the layout allows, through package entries',
    (name, dir) => {
      const wrong: string[] = [];
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          const where = `${path.relative(root, file)} imports '${spec}'`;
          if (spec.startsWith('.')) {
            const resolved = path.resolve(path.dirname(file), spec);
            const other = workspaces().find(
              (w) => w.dir !== dir && !path.relative(w.dir, resolved).startsWith('..'),
            );
            if (other) wrong.push(`${where}: a path into ${other.name}`);
            // A package's bin/ and scripts/ run its own build; its src/ never reads build outputs.
            else if (DIST.test(spec) && file.startsWith(path.join(dir, 'src') + path.sep))
              wrong.push(`${where}: a build output path`);
            continue;
          }
          const target = workspaceOf(spec);
          if (target === null || target === name) continue;
          if (spec !== target) wrong.push(`${where}: not the package entry`);
          if (!(ALLOWED[name] ?? []).includes(target))
            wrong.push(`${where}: ${name} may not import ${target}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it.each(workspaces().map((w) => [w.name, w.dir] as const))(
    '%s declares only allowed workspace dependencies',
    (name, dir) => {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
        (d) => workspaceOf(d) !== null,
      );
      for (const d of declared) expect(ALLOWED[name], `${name} depends on ${d}`).toContain(d);
    },
  );

  it.each(TFJS_FREE)('%s does not import TensorFlow.js', (name) => {
    const ws = workspaces().find((w) => w.name === name);
    expect(ws).toBeDefined();
    const tf = sourceFiles(ws!.dir).filter((f) => importsOf(f).some((s) => s.startsWith('@tensorflow/')));
    expect(tf.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('benches import package entries, never build outputs', () => {
    const wrong = sourceFiles(path.join(root, 'bench')).flatMap((file) =>
      importsOf(file)
        .filter(
          (s) => (s.startsWith('.') && DIST.test(s)) || (workspaceOf(s) !== null && s !== workspaceOf(s)),
        )
        .map((s) => `${path.relative(root, file)} imports '${s}'`),
    );
    expect(wrong).toEqual([]);
  });
});

// The dashboard's server loads @glorank/api (apps/dashboard/src/server/api-context.ts). Load it
// in a fresh Node process that records every module resolved (ES modules, through a resolve
// hook) and every CommonJS module required, and look for @tensorflow. The same probe run on
// @glorank/model must find it, or the probe proves nothing.
describe('the dashboard server process', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-modules-'));
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`,
  );

  function loadedModules(entry: string): string[] {
    const log = path.join(dir, `${entry.replace(/\W/g, '_')}.log`);
    writeFileSync(log, '');
    const probe = `
      import { register, createRequire } from 'node:module';
      import { appendFileSync } from 'node:fs';
      register(${JSON.stringify(new URL(`file://${hooks}`).href)}, { data: { log: ${JSON.stringify(log)} } });
      const api = await import(${JSON.stringify(entry)});
      if (typeof api.openApiContext === 'function') {
        // Serve one request as the dashboard's route does: settings from the environment, a
        // real (empty) SQLite store, the tRPC fetch handler.
        const env = { GLORANK_DB_URL: ${JSON.stringify(path.join(dir, 'runs.db'))}, GLORANK_DATASETS_DIR: ${JSON.stringify(dir)}, GLORANK_RUNS_DIR: ${JSON.stringify(dir)} };
        const ctx = await api.openApiContext(api.apiSettingsFromEnv(env, ${JSON.stringify(dir)}));
        const res = await api.handleTrpcRequest(new Request('http://127.0.0.1/api/trpc/meta.info'), ctx);
        if (res.status !== 200) throw new Error('meta.info answered ' + res.status + ': ' + (await res.text()));
      }
      appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');
    `;
    execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, stdio: 'pipe' });
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  }

  it('does not load @tensorflow/* when it loads @glorank/api', () => {
    const modules = loadedModules('@glorank/api');
    expect(modules.some((m) => m.includes('/packages/api/'))).toBe(true);
    expect(modules.filter((m) => m.includes('@tensorflow'))).toEqual([]);
  });

  it('(control) the same probe sees @tensorflow/* loaded by @glorank/model', () => {
    expect(loadedModules('@glorank/model').some((m) => m.includes('@tensorflow'))).toBe(true);
  });
});
