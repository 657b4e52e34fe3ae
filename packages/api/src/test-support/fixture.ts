// A real store, dataset folder and artifact folder in a temporary directory, for router tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type DatasetManifest,
  generateSynthetic,
  type LoadedDataset,
  writeCodes,
  writeDataset,
} from '@glorank/data';
import { openRunStore, type RunStore } from '@glorank/tracking';
import { type ApiContext, createApiContext } from '../context.js';
import { createCaller } from '../router.js';

export interface Fixture {
  root: string;
  store: RunStore;
  ctx: ApiContext;
  caller: ReturnType<typeof createCaller>;
  dataset: LoadedDataset;
  manifest: DatasetManifest;
  artifactsDir: string;
  close(): Promise<void>;
}

export async function createFixture(
  options: { allowWrite?: boolean; livePollMs?: number } = {},
): Promise<Fixture> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'glorank-api-'));
  const datasetsDir = path.join(root, 'datasets');
  const artifactsDir = path.join(root, 'runs');
  await mkdir(artifactsDir, { recursive: true });
  const synthetic = generateSynthetic({ users: 40, items: 160, historyLength: 8, candidates: 12, seed: 3 });
  const manifest = await writeDataset(path.join(datasetsDir, 'tiny'), {
    manifest: { ...synthetic.manifest, name: 'tiny' },
    items: synthetic.items,
    users: synthetic.users,
    interactions: synthetic.interactions,
    requests: synthetic.requests,
    clickModel: synthetic.clickModel,
  });
  // Two-level semantic IDs with a known shape: (item % 4, floor(item / 4) % 5).
  const codes = new Int16Array(synthetic.items.count * 2);
  for (let i = 0; i < synthetic.items.count; i++) {
    codes[2 * i] = i % 4;
    codes[2 * i + 1] = Math.floor(i / 4) % 5;
  }
  await writeCodes(path.join(datasetsDir, 'tiny', 'codes.arrow'), { levels: 2, codes });
  const store = await openRunStore(path.join(artifactsDir, 'glorank.db'));
  const ctx = createApiContext({
    store,
    artifactsDir,
    datasetsDir,
    allowWrite: options.allowWrite ?? false,
    livePollMs: options.livePollMs ?? 20,
  });
  return {
    root,
    store,
    ctx,
    caller: createCaller(ctx),
    dataset: synthetic,
    manifest,
    artifactsDir,
    async close() {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Write a JSON artifact file under the artifact folder and register it for `runId`. */
export async function addJsonArtifact(f: Fixture, runId: number, rel: string, json: unknown) {
  const file = path.join(f.artifactsDir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  const text = JSON.stringify(json);
  await writeFile(file, text);
  return f.store.addArtifact(runId, {
    path: rel,
    kind: 'eval-table',
    bytes: text.length,
    sha256: '0'.repeat(64),
  });
}
