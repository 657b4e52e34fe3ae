// Every CLI start used to load @glorank/model and @glorank/experiment (TensorFlow.js and its
// wasm backend), about 2 s of CPU, even for `--help` or `runs ls`; the tests start the CLI
// dozens of times. Commands now import them inside the actions that need them. This test
// starts the built CLI in a fresh Node process that records every module it resolves (ES
// modules, through a resolve hook) and every CommonJS module required, so an eager import
// added back to any command module fails here. The control case (`doctor`, which probes the
// backends) must see TensorFlow.js through the same probe, or the probe proves nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = path.resolve(import.meta.dirname, '../dist/main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-cli-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
const probe = path.join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.GLORANK_MODULE_LOG;
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(log, Object.keys(cache).join('\\n') + '\\n'));
`,
);

/** Modules the built CLI resolved or required while running `glorank <args>`, and its exit code. */
async function loaded(args: string[]): Promise<{ code: number; modules: string[] }> {
  const log = path.join(dir, `${args.join('_').replace(/\W/g, '_')}.log`);
  writeFileSync(log, '');
  const env = {
    ...process.env,
    CI: '1',
    GLORANK_MODULE_LOG: log,
    GLORANK_DB_URL: path.join(dir, 'runs.db'),
    GLORANK_RUNS_DIR: dir,
    GLORANK_DATASETS_DIR: dir,
  };
  let code = 0;
  try {
    await run(process.execPath, ['--import', pathToFileURL(probe).href, main, ...args], { env });
  } catch (err) {
    code = (err as { code: number }).code;
  }
  return { code, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const heavy = (modules: string[]) =>
  modules.filter((m) => /@tensorflow|\/packages\/(model|experiment)\//.test(m));

describe('CLI start-up', () => {
  // program.ts registers every command eagerly, so any start imports every command module:
  // `--help` covers their top-level imports, `runs ls` also runs an action on the store.
  it.each([[['--help']], [['runs', 'ls', '--json']]])(
    'glorank %j loads neither TensorFlow.js nor @glorank/model or /experiment',
    async (args) => {
      const { modules } = await loaded(args);
      // The probe saw the CLI itself start (commander, and the tracking store every start reads).
      expect(modules.some((m) => m.includes('/commander/'))).toBe(true);
      expect(modules.some((m) => m.includes('/packages/tracking/'))).toBe(true);
      expect(heavy(modules)).toEqual([]);
    },
  );

  it('(control) the same probe sees TensorFlow.js and @glorank/model loaded by `glorank doctor`', async () => {
    const { code, modules } = await loaded(['doctor', '--json']);
    expect(code).toBe(0);
    expect(modules.some((m) => m.includes('@tensorflow/tfjs-core'))).toBe(true);
    expect(modules.some((m) => m.includes('/packages/model/'))).toBe(true);
  });
});
