import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../dataset/read-dataset.js';
import { convertDataset } from '../protocol/convert.js';
import { FIXTURES } from '../test-support/fixtures.js';
import { makeZip } from '../test-support/zip-writer.js';
import { downloadBenchmark } from './download.js';
import { extractZip } from './unzip.js';

// The hand-written ML-1M fixtures carry a `.fixture` suffix (see readers.test.ts).
const fixture = (f: string) => readFileSync(path.join(FIXTURES, 'ml-1m', `${f}.fixture`));
const zip = makeZip({
  'ml-1m/': '',
  'ml-1m/ratings.dat': fixture('ratings.dat'),
  'ml-1m/movies.dat': fixture('movies.dat'),
  'ml-1m/users.dat': fixture('users.dat'),
});
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

let server: Server;
let base = '';
let root = '';
const served: Record<string, Buffer> = { '/ml-1m.zip': zip, '/evil.zip': makeZip({ '../escape.txt': 'x' }) };

async function registry(files: object[]): Promise<string> {
  const file = path.join(root, `registry-${Math.random().toString(36).slice(2)}.json`);
  const entry = {
    description: 'test',
    homepage: base,
    format: 'ml-1m',
    convertSrc: 'ml-1m',
    terms: 'test',
    files,
  };
  await fs.writeFile(file, JSON.stringify({ version: 1, benchmarks: { 'ml-1m': entry } }));
  return file;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-dl-'));
  server = createServer((req, res) => {
    const body = served[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('downloadBenchmark (local HTTP server)', () => {
  it('verifies sha256 and md5, unpacks, records, and the result converts', async () => {
    const reg = await registry([
      { url: `${base}/ml-1m.zip`, name: 'ml-1m.zip', sha256: sha256(zip), md5: md5(zip), extract: true },
    ]);
    const out = path.join(root, 'ok');
    const result = await downloadBenchmark('ml-1m', out, { registry: reg });
    expect(result.files[0]).toMatchObject({
      bytes: zip.length,
      sha256: sha256(zip),
      verified: ['sha256', 'md5'],
    });
    expect((await fs.readdir(out)).sort()).toEqual(['download.json', 'ml-1m']);
    expect(readFileSync(path.join(out, 'ml-1m', 'movies.dat'))).toEqual(fixture('movies.dat'));
    const converted = path.join(root, 'ok-converted');
    await convertDataset({
      format: 'ml-1m',
      src: result.convertSrc,
      out: converted,
      protocol: { kCore: 0, slateSize: 2, candidates: 4, retriever: 'popularity' },
    });
    expect((await readDataset(converted)).interactions.count).toBe(20);
  });

  it('keeps nothing when a checksum does not match', async () => {
    const reg = await registry([
      { url: `${base}/ml-1m.zip`, name: 'ml-1m.zip', sha256: '0'.repeat(64), extract: true },
    ]);
    const out = path.join(root, 'mismatch');
    await expect(downloadBenchmark('ml-1m', out, { registry: reg })).rejects.toThrow(
      /sha256 mismatch for ml-1m\.zip/,
    );
    await expect(fs.stat(out)).rejects.toThrow();
    expect((await fs.readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('fails clearly on HTTP errors, unknown names, unpinned files and an existing --out', async () => {
    const missing = await registry([{ url: `${base}/nope.zip`, name: 'nope.zip', md5: md5(zip) }]);
    await expect(downloadBenchmark('ml-1m', path.join(root, 'x'), { registry: missing })).rejects.toThrow(
      /HTTP 404/,
    );
    await expect(downloadBenchmark('ml-2m', path.join(root, 'x'), { registry: missing })).rejects.toThrow(
      /unknown benchmark 'ml-2m' \(registry has: ml-1m\)/,
    );
    const unpinned = await registry([{ url: `${base}/ml-1m.zip`, name: 'ml-1m.zip' }]);
    await expect(downloadBenchmark('ml-1m', path.join(root, 'x'), { registry: unpinned })).rejects.toThrow(
      /--allow-unverified/,
    );
    const res = await downloadBenchmark('ml-1m', path.join(root, 'unverified'), {
      registry: unpinned,
      allowUnverified: true,
    });
    expect(res.files[0]?.verified).toEqual([]);
    await expect(
      downloadBenchmark('ml-1m', path.join(root, 'unverified'), {
        registry: unpinned,
        allowUnverified: true,
      }),
    ).rejects.toThrow(/already exists/);
  });

  it('refuses zip entries that would escape the output folder', async () => {
    const file = path.join(root, 'evil.zip');
    await fs.writeFile(file, served['/evil.zip']!);
    await expect(extractZip(file, path.join(root, 'evil-out'))).rejects.toThrow(/outside the output folder/);
  });

  it('ships a registry whose entries name known formats and pin GroupLens checksums', async () => {
    const reg = JSON.parse(
      readFileSync(path.resolve(FIXTURES, '../../../../../datasets/registry.json'), 'utf8'),
    );
    for (const [name, entry] of Object.entries(reg.benchmarks) as [
      string,
      { format: string; files: { url: string; md5?: string }[] },
    ][]) {
      expect(['ml-100k', 'ml-1m', 'movielens-csv', 'amazon-2014', 'amazon-2018', 'amazon-2023']).toContain(
        entry.format,
      );
      for (const f of entry.files) expect(f.url).toMatch(/^https?:\/\//);
      if (name.startsWith('ml-')) expect(entry.files[0]?.md5).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
