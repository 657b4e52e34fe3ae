import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Field,
  Float64,
  Int32,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors/user-error.js';
import type { ProtocolParams, RerankRequest } from '../schema/types.js';
import { readDataset } from './read-dataset.js';
import { type DatasetContent, writeDataset } from './write-dataset.js';

const protocol: ProtocolParams = {
  kCore: 1,
  historyLength: 3,
  slateSize: 2,
  candidates: 3,
  ratingThreshold: 4,
  coldStartQuantile: 0.9,
  retriever: 'popularity',
  seed: 1,
};

function tinyDataset(): DatasetContent & { requests: RerankRequest[] } {
  const requests: RerankRequest[] = [
    {
      id: 0,
      user: 0,
      split: 'train',
      coldStart: false,
      ts: 100.5,
      history: Int32Array.of(0),
      candidates: Int32Array.of(1, 2, 3),
      labels: Float32Array.of(1, 0, 0),
      initialScores: Float32Array.of(0.5, 0.25, -1),
      exposed: Int32Array.of(2, 0),
    },
    {
      id: 1,
      user: 1,
      split: 'test',
      coldStart: true,
      ts: 200,
      history: new Int32Array(0),
      candidates: Int32Array.of(3, 0, 1),
      labels: Float32Array.of(0, 1, 0),
      initialScores: Float32Array.of(2, 1, 0),
      exposed: Int32Array.of(1, 0),
    },
  ];
  return {
    manifest: { name: 'tiny', sourceFormat: 'test', sourceFiles: [], protocol },
    items: {
      count: 4,
      rawId: ['a', 'b', 'c', 'd'],
      title: ['Amélie (2001)', null, 'C', 'D'],
      categories: [['Comedy', 'Romance'], [], ['Drama'], ['Sci-Fi']],
      year: [2001, null, 1999, 1980],
      popularity: Int32Array.of(3, 0, 1, 2),
      cold: Uint8Array.of(0, 0, 0, 1),
    },
    users: {
      count: 2,
      rawId: ['u1', 'u2'],
      attributes: { gender: ['F', null], age: [25, 31] },
    },
    interactions: {
      count: 3,
      user: Int32Array.of(0, 0, 1),
      item: Int32Array.of(0, 1, 3),
      rating: Float32Array.of(5, 3, 4),
      ts: Float64Array.of(1, 2, 3),
    },
    requests,
  };
}

async function tmp(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ds-'));
}

describe('writeDataset / readDataset', () => {
  it('round-trips every table, including nulls, lists and attributes', async () => {
    const dir = path.join(await tmp(), 'tiny');
    const content = tinyDataset();
    const manifest = await writeDataset(dir, content);
    expect(manifest.rows).toEqual({ items: 4, users: 2, interactions: 3, requests: 2 });
    expect(manifest.requestsBySplit).toEqual({ train: 1, valid: 0, test: 1 });
    expect(manifest.coldStartItems).toBe(1);
    expect(manifest.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const ds = await readDataset(dir);
    expect(ds.manifest).toEqual(manifest);
    expect(ds.items.title).toEqual(['Amélie (2001)', null, 'C', 'D']);
    expect(ds.items.categories).toEqual([['Comedy', 'Romance'], [], ['Drama'], ['Sci-Fi']]);
    expect(ds.items.year).toEqual([2001, null, 1999, 1980]);
    expect([...ds.items.popularity]).toEqual([3, 0, 1, 2]);
    expect([...ds.items.cold]).toEqual([0, 0, 0, 1]);
    expect(ds.users.attributes).toEqual({ age: [25, 31], gender: ['F', null] });
    expect([...ds.interactions.item]).toEqual([0, 1, 3]);
    expect([...ds.interactions.ts]).toEqual([1, 2, 3]);
    expect(ds.requests).toHaveLength(2);
    const r0 = ds.requests[0] as RerankRequest;
    expect(r0.ts).toBe(100.5);
    expect([...r0.history]).toEqual([0]);
    expect([...r0.candidates]).toEqual([1, 2, 3]);
    expect([...r0.initialScores]).toEqual([0.5, 0.25, -1]);
    expect([...r0.exposed]).toEqual([2, 0]);
    const r1 = ds.requests[1] as RerankRequest;
    expect(r1.split).toBe('test');
    expect(r1.coldStart).toBe(true);
    expect(r1.history.length).toBe(0);
    expect([...r1.labels]).toEqual([0, 1, 0]);
    expect([...r1.exposed]).toEqual([1, 0]);
  });

  it('gives the same content hash for the same content and a different one otherwise', async () => {
    const root = await tmp();
    const a = await writeDataset(path.join(root, 'a'), tinyDataset());
    const b = await writeDataset(path.join(root, 'b'), tinyDataset());
    const changed = tinyDataset();
    changed.interactions.rating[0] = 4;
    const c = await writeDataset(path.join(root, 'c'), changed);
    expect(a.contentHash).toBe(b.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it('refuses an existing folder without force and replaces it with force', async () => {
    const dir = path.join(await tmp(), 'out');
    await writeDataset(dir, tinyDataset());
    await expect(writeDataset(dir, tinyDataset())).rejects.toThrow(/already exists/);
    const next = tinyDataset();
    next.manifest.name = 'replaced';
    await writeDataset(dir, next, { force: true });
    expect((await readDataset(dir)).manifest.name).toBe('replaced');
  });

  it('names the file and column when a column has the wrong type', async () => {
    const dir = path.join(await tmp(), 'bad');
    await writeDataset(dir, tinyDataset());
    // interactions.arrow with `rating` stored as Float64 instead of Float32.
    const schema = new Schema([
      new Field('user', new Int32(), false),
      new Field('item', new Int32(), false),
      new Field('rating', new Float64(), false),
      new Field('ts', new Float64(), false),
    ]);
    const cols = [
      makeData({ type: new Int32(), length: 3, data: Int32Array.of(0, 0, 1) }),
      makeData({ type: new Int32(), length: 3, data: Int32Array.of(0, 1, 3) }),
      makeData({ type: new Float64(), length: 3, data: Float64Array.of(5, 3, 4) }),
      makeData({ type: new Float64(), length: 3, data: Float64Array.of(1, 2, 3) }),
    ];
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: cols }),
    );
    await fs.writeFile(path.join(dir, 'interactions.arrow'), tableToIPC(new Table([batch]), 'file'));
    const err = await readDataset(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain('interactions.arrow');
    expect((err as UserError).message).toContain("field 'rating'");
    expect((err as UserError).message).toContain('expected Float32');
  });

  it('names a missing column, a missing file and a corrupt file', async () => {
    const dir = path.join(await tmp(), 'bad');
    await writeDataset(dir, tinyDataset());
    const users = new Table({
      user: makeVector(Int32Array.of(0, 1)),
      name: vectorFromArray(['a', 'b'], new Utf8()),
    });
    await fs.writeFile(path.join(dir, 'users.arrow'), tableToIPC(users, 'file'));
    await expect(readDataset(dir)).rejects.toThrow(/users\.arrow, field 'raw_id': missing column/);

    await fs.rm(path.join(dir, 'users.arrow'));
    await expect(readDataset(dir)).rejects.toThrow(/users\.arrow: file is missing/);

    await fs.writeFile(path.join(dir, 'users.arrow'), 'not arrow at all');
    await expect(readDataset(dir)).rejects.toThrow(/users\.arrow: not a readable Arrow IPC file/);

    await expect(readDataset(path.join(dir, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('refuses to write an exposed index outside the candidates', async () => {
    const content = tinyDataset();
    (content.requests[1] as RerankRequest).exposed = Int32Array.of(1, 3);
    await expect(writeDataset(path.join(await tmp(), 'bad'), content)).rejects.toThrow(
      /request 1 exposed index 3 is outside its 3 candidates/,
    );
  });

  it('rejects a requests file whose ids point outside the item table', async () => {
    const dir = path.join(await tmp(), 'bad');
    const content = tinyDataset();
    (content.requests[0] as RerankRequest).candidates[2] = 9;
    await writeDataset(dir, content);
    await expect(readDataset(dir)).rejects.toThrow(
      /requests\.arrow, field 'candidates': row \d+ refers to item 9/,
    );
  });
});
