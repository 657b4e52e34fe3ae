import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../test-support/run-cli.js';

const fixtures = path.resolve(import.meta.dirname, '../../../../packages/data/src/readers/fixtures');

/** The hand-written ML-1M fixtures carry a `.fixture` suffix; copy them under the official names. */
async function stagedMl1m(root: string): Promise<string> {
  const dir = path.join(root, 'ml-1m-src');
  await fs.mkdir(dir);
  for (const f of await fs.readdir(path.join(fixtures, 'ml-1m'))) {
    await fs.copyFile(path.join(fixtures, 'ml-1m', f), path.join(dir, f.replace(/\.fixture$/, '')));
  }
  return dir;
}

describe('glorank data', () => {
  it('synth writes a dataset that inspect summarises', async () => {
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-')), 'syn');
    const synth = await cli([
      'data',
      'synth',
      '--out',
      out,
      '--users',
      '50',
      '--items',
      '200',
      '--seed',
      '3',
      '--exposure-temperature',
      '0.5',
      '--json',
    ]);
    expect(synth.code).toBe(0);
    expect(JSON.parse(synth.stdout).rows).toMatchObject({ users: 50, items: 200, requests: 400 });
    expect(JSON.parse(synth.stdout).synthetic.exposureTemperature).toBe(0.5);
    const inspect = await cli(['data', 'inspect', out, '--json']);
    expect(inspect.code).toBe(0);
    const s = JSON.parse(inspect.stdout);
    expect(s.counts.requests).toBe(400);
    expect(s.candidateLength).toEqual({ min: 50, mean: 50, max: 50 });
    expect(s.hasClickModel).toBe(true);
    const again = await cli(['data', 'synth', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists \(use --force/);
    const negative = await cli(['data', 'synth', '--out', `${out}-neg`, '--exposure-temperature', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/--exposure-temperature/);
  });

  it('convert reads an official-format folder and reports bad lines as file:line', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-'));
    const out = path.join(root, 'ml');
    const args = ['data', 'convert', 'ml-1m', '--src', await stagedMl1m(root), '--out', out];
    const small = ['--k-core', '0', '--slate-size', '2', '--candidates', '4', '--retriever', 'popularity'];
    const ok = await cli([...args, ...small]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/4 users, 6 items, 20 interactions/);
    const src = path.join(root, 'broken');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'ratings.dat'), '1::1::5::978300760\n1::2::x::978300761\n');
    const bad = await cli([
      'data',
      'convert',
      'ml-1m',
      '--src',
      src,
      '--out',
      path.join(root, 'b'),
      ...small,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${path.join(src, 'ratings.dat')}:2`);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = await cli(['data', 'convert', 'ml-2m', '--src', src, '--out', path.join(root, 'c')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format 'ml-2m'/);
  });
});
